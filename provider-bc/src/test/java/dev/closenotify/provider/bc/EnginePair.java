package dev.closenotify.provider.bc;

import java.nio.ByteBuffer;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;
import javax.net.ssl.SSLException;

/**
 * Two raw {@link SSLEngine}s joined in memory, for measuring what the stack itself does, without
 * the closenotify core in between. {@code toServer}/{@code toClient} are in fill mode.
 */
final class EnginePair {
    final SSLEngine client;
    final SSLEngine server;
    final ByteBuffer toServer = ByteBuffer.allocate(1 << 17);
    final ByteBuffer toClient = ByteBuffer.allocate(1 << 17);

    private EnginePair(SSLEngine client, SSLEngine server) {
        this.client = client;
        this.server = server;
    }

    /** Engines of the two contexts for {@code protocol}, not yet handshaken. */
    static EnginePair of(SSLContext clientContext, SSLContext serverContext, String protocol) {
        SSLEngine c = clientContext.createSSLEngine("localhost", 4433);
        c.setUseClientMode(true);
        c.setEnabledProtocols(new String[] {protocol});
        SSLEngine s = serverContext.createSSLEngine();
        s.setUseClientMode(false);
        s.setEnabledProtocols(new String[] {protocol});
        return new EnginePair(c, s);
    }

    /** Runs the handshake to the end on both sides; an engine failure is thrown as it is. */
    EnginePair handshake() throws SSLException {
        client.beginHandshake();
        server.beginHandshake();
        ByteBuffer app = ByteBuffer.allocate(1 << 17);
        for (int i = 0; i < 100; i++) {
            for (SSLEngine e : new SSLEngine[] {client, server}) {
                HandshakeStatus hs = e.getHandshakeStatus();
                if (hs == HandshakeStatus.NEED_WRAP) {
                    wrap(e, ByteBuffer.allocate(0));
                } else if (hs == HandshakeStatus.NEED_UNWRAP && in(e).position() > 0) {
                    app.clear();
                    unwrap(e, app);
                } else if (hs == HandshakeStatus.NEED_TASK) {
                    e.getDelegatedTask().run();
                }
            }
            if (done(client) && done(server) && toServer.position() == 0 && toClient.position() == 0) {
                return this;
            }
        }
        throw new AssertionError("the handshake did not complete: client " + client.getHandshakeStatus()
                + ", server " + server.getHandshakeStatus());
    }

    /** Wraps {@code src} on {@code e}, appending to its outbound buffer. */
    SSLEngineResult wrap(SSLEngine e, ByteBuffer src) throws SSLException {
        return e.wrap(src, out(e));
    }

    /** Unwraps what {@code e} has received into {@code dst}, consuming what the engine took. */
    SSLEngineResult unwrap(SSLEngine e, ByteBuffer dst) throws SSLException {
        ByteBuffer in = in(e);
        in.flip();
        try {
            return e.unwrap(in, dst);
        } finally {
            in.compact();
        }
    }

    /** The bytes waiting for {@code e}. */
    ByteBuffer in(SSLEngine e) {
        return e == client ? toClient : toServer;
    }

    private ByteBuffer out(SSLEngine e) {
        return e == client ? toServer : toClient;
    }

    private static boolean done(SSLEngine e) {
        return e.getHandshakeStatus() == HandshakeStatus.NOT_HANDSHAKING;
    }
}

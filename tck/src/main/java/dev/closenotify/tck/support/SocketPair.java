package dev.closenotify.tck.support;

import dev.closenotify.spi.ConnectionPolicy;
import dev.closenotify.spi.TlsContext;
import dev.closenotify.spi.TlsSocketConnection;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A client and a server connection over real loopback sockets (no handshake yet), optionally
 * through a {@link FaultyProxy}-style relay given as the address to dial. Closing the pair closes
 * both connections and the listener.
 */
public final class SocketPair implements AutoCloseable {
    private final ServerSocket listener;
    private final TlsSocketConnection client;
    private final TlsSocketConnection server;
    private final boolean ownsListener;

    private SocketPair(ServerSocket listener, boolean ownsListener, TlsSocketConnection client, TlsSocketConnection server) {
        this.listener = listener;
        this.ownsListener = ownsListener;
        this.client = client;
        this.server = server;
    }

    /** A listener on 127.0.0.1, port 0, for {@link #open(TlsContext, TlsContext, ServerSocket, boolean, InetSocketAddress, ConnectionPolicy, ConnectionPolicy)}. */
    public static ServerSocket listen() {
        try {
            return new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Client and server connected directly, each context's default policy. */
    public static SocketPair open(TlsContext client, TlsContext server) {
        ServerSocket l = listen();
        return open(client, server, l, true, (InetSocketAddress) l.getLocalSocketAddress(),
                client.config().policy(), server.config().policy());
    }

    /**
     * Client dialing {@code dial} (the listener itself, or a proxy in front of it) and the server
     * accepting on {@code listener}, with the given policies. The listener stays open when the
     * pair is closed unless {@code ownsListener}: client sessions are cached per host and port, so
     * resumption tests reuse one listener.
     */
    public static SocketPair open(TlsContext client, TlsContext server, ServerSocket listener,
                                  boolean ownsListener, InetSocketAddress dial, ConnectionPolicy clientPolicy,
                                  ConnectionPolicy serverPolicy) {
        CompletableFuture<Socket> accepted = new CompletableFuture<>();
        Thread.ofVirtual().start(() -> {
            try {
                accepted.complete(listener.accept());
            } catch (IOException e) {
                accepted.completeExceptionally(e);
            }
        });
        try {
            Socket c = new Socket(dial.getAddress(), dial.getPort());
            c.setTcpNoDelay(true);
            Socket s = accepted.get(10, TimeUnit.SECONDS);
            s.setTcpNoDelay(true);
            return new SocketPair(listener, ownsListener, client.open(c, clientPolicy), server.open(s, serverPolicy));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException | ExecutionException | TimeoutException e) {
            throw new IllegalStateException("accept failed", e);
        }
    }

    public TlsSocketConnection client() {
        return client;
    }

    public TlsSocketConnection server() {
        return server;
    }

    /** Runs both handshakes at once (the server on a virtual thread); rethrows either failure. */
    public SocketPair handshake() throws Exception {
        CompletableFuture<Void> s = Peer.run(() -> server.handshake());
        try {
            client.handshake();
        } catch (Exception e) {
            Peer.suppressInto(e, s);
            throw e;
        }
        s.get(30, TimeUnit.SECONDS);
        return this;
    }

    @Override
    public void close() {
        client.close();
        server.close();
        if (!ownsListener) {
            return;
        }
        try {
            listener.close();
        } catch (IOException ignored) {
            // listener cleanup only
        }
    }
}

package dev.closenotify.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.closenotify.spi.Progress;
import dev.closenotify.spi.TlsBufferConnection;
import dev.closenotify.spi.TlsConfig;
import dev.closenotify.spi.TlsContext;
import java.io.FileInputStream;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509KeyManager;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the engine must say after the handshake, without a write of the application's: a TLS 1.3
 * KeyUpdate the peer requests is answered by the core's read. The peer is a bare JSSE
 * {@code SSLEngine} (its {@code beginHandshake()} on a TLS 1.3 connection sends a KeyUpdate with
 * update_requested), the server the core over the buffer transport; certificate made by keytool.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class PostHandshakeTest {
    private static final String PASSWORD = "closenotify";
    private static SSLContext peerContext;
    private static TlsContext serverContext;

    @BeforeAll
    static void contexts(@TempDir Path dir) throws Exception {
        Path store = dir.resolve("server.p12");
        Process keytool = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair", "-keyalg", "EC", "-groupname", "secp256r1", "-alias", "server", "-dname", "CN=localhost",
                "-ext", "san=dns:localhost", "-validity", "2", "-storetype", "PKCS12", "-keystore", store.toString(),
                "-storepass", PASSWORD, "-keypass", PASSWORD).redirectErrorStream(true).start();
        String out = new String(keytool.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(keytool.waitFor(30, TimeUnit.SECONDS) && keytool.exitValue() == 0, "keytool failed: " + out);
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = new FileInputStream(store.toFile())) {
            ks.load(in, PASSWORD.toCharArray());
        }
        KeyManagerFactory kmf = KeyManagerFactory.getInstance("SunX509");
        kmf.init(ks, PASSWORD.toCharArray());
        TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX");
        tmf.init(ks);
        peerContext = SSLContext.getInstance("TLS");
        peerContext.init(null, tmf.getTrustManagers(), null);
        serverContext = new BufferLifecycleTest.JdkProvider().newContext(
                TlsConfig.server((X509KeyManager) kmf.getKeyManagers()[0]).protocols("TLSv1.3").build());
    }

    /** The bare peer's side of the buffers: what it wraps goes to the server's inbound. */
    private static final class Peer {
        final SSLEngine engine = peerContext.createSSLEngine("localhost", 443);
        final TlsBufferConnection server;
        final ByteBuffer plain = ByteBuffer.allocate(64 * 1024);

        Peer(TlsBufferConnection server) {
            this.server = server;
            engine.setUseClientMode(true);
            engine.setEnabledProtocols(new String[] {"TLSv1.3"});
        }

        /** Wraps what the engine has to send (and {@code data}) into the server's inbound. */
        void send(ByteBuffer data) throws Exception {
            do {
                SSLEngineResult r = engine.wrap(data, server.inbound());
                runTasks();
                if (r.bytesProduced() == 0 && engine.getHandshakeStatus() != HandshakeStatus.NEED_WRAP) {
                    return;
                }
            } while (data.hasRemaining() || engine.getHandshakeStatus() == HandshakeStatus.NEED_WRAP);
        }

        /** Unwraps everything in the server's outbound: the plaintext lands in {@code plain}. */
        int receive() throws Exception {
            ByteBuffer out = server.outbound();
            out.flip();
            int records = 0;
            while (out.hasRemaining()) {
                SSLEngineResult r = engine.unwrap(out, plain);
                runTasks();
                if (r.bytesConsumed() == 0) {
                    break;
                }
                records++;
            }
            out.compact();
            return records;
        }

        private void runTasks() {
            Runnable t;
            while ((t = engine.getDelegatedTask()) != null) {
                t.run();
            }
        }
    }

    @Test
    void aKeyUpdateThePeerRequestsIsAnsweredByTheReadThatTakesItIn() throws Exception {
        InetSocketAddress peerAddress = InetSocketAddress.createUnresolved("localhost", 443);
        TlsBufferConnection server = serverContext.open(ByteBuffer.allocate(64 * 1024), ByteBuffer.allocate(64 * 1024),
                peerAddress, serverContext.config().policy());
        Peer peer = new Peer(server);
        peer.engine.beginHandshake();
        for (int i = 0; i < 100 && server.session().isEmpty(); i++) {
            peer.send(ByteBuffer.allocate(0));
            server.handshake();
            peer.receive();
        }
        assertTrue(server.session().isPresent(), "handshake did not finish");
        // One byte each way: the tickets and the handshake's last records are taken in.
        peer.send(ByteBuffer.wrap(new byte[] {1}));
        assertEquals(1, server.read(ByteBuffer.allocate(16)));
        assertEquals(Progress.DONE, server.flush());
        peer.receive();
        assertEquals(0, server.outbound().position());

        peer.engine.beginHandshake(); // TLS 1.3: a KeyUpdate, update_requested
        assertEquals(HandshakeStatus.NEED_WRAP, peer.engine.getHandshakeStatus());
        peer.send(ByteBuffer.allocate(0));
        assertTrue(server.inbound().position() > 0, "the peer sent its KeyUpdate");

        assertEquals(0, server.read(ByteBuffer.allocate(16)), "a KeyUpdate carries no data");
        assertTrue(server.outbound().position() > 0, "the server's read answered the KeyUpdate with its own");
        peer.plain.clear();
        assertEquals(1, peer.receive(), "one record: the server's KeyUpdate");
        assertEquals(0, peer.plain.position());

        // Both directions still work under the new keys.
        ByteBuffer ping = ByteBuffer.wrap("ping".getBytes(StandardCharsets.US_ASCII));
        peer.send(ping);
        ByteBuffer got = ByteBuffer.allocate(16);
        assertEquals(4, server.read(got));
        assertEquals("ping", new String(got.array(), 0, 4, StandardCharsets.US_ASCII));
        server.write(ByteBuffer.wrap("pong".getBytes(StandardCharsets.US_ASCII)));
        peer.plain.clear();
        peer.receive();
        assertEquals("pong", new String(peer.plain.array(), 0, peer.plain.position(), StandardCharsets.US_ASCII));
        server.close();
    }
}

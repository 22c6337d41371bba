package dev.closenotify.server.cli;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.closenotify.spi.CloseReason;
import dev.closenotify.spi.ShutdownFlag;
import dev.closenotify.spi.ShutdownProvider;
import dev.closenotify.spi.ShutdownProviders;
import dev.closenotify.spi.ShutdownResult;
import dev.closenotify.spi.TlsConfig;
import dev.closenotify.spi.TlsContext;
import dev.closenotify.spi.TlsSocketConnection;
import dev.closenotify.tck.support.Peer;
import dev.closenotify.tck.support.TestCertificates;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The command line in its own JVM, as a user runs it. */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class CliProcessTest {
    private static final byte[] PING = "ping".getBytes(StandardCharsets.US_ASCII);

    @TempDir
    Path dir;

    /**
     * With no key material it generates a certificate; stdout is exactly the one line; SIGTERM stops
     * gracefully: the idle client gets the server's close_notify and answers, and the stop's log
     * line (report and stats) reaches stderr.
     */
    @Test
    void generatedCertificateOneStdoutLineAndAGracefulStopOnSigterm() throws Exception {
        Path cert = dir.resolve("cert.pem");
        try (ServerProcess server = ServerProcess.ofClassPath(List.of(), "--port", "0", "--cert-out", cert.toString(),
                "--grace", "10s")) {
            int port = server.awaitPort();
            assertTrue(server.firstLine().endsWith(" tls=TLSv1.3,TLSv1.2"), server.firstLine());
            TlsContext client = ShutdownProviders.get().newContext(TlsConfig.client().trustManager(trusting(cert))
                    .serverName("localhost").build());
            TlsSocketConnection c = client.open(new Socket("127.0.0.1", port));
            echo(c);
            CompletableFuture<CloseReason> answered = Peer.call(() -> {
                assertEquals(-1, c.read(new byte[1], 0, 1), "the server's close_notify");
                assertEquals(ShutdownResult.COMPLETE, c.shutdown());
                c.close();
                return c.outcome().orElseThrow().reason();
            });

            assertEquals(143, server.terminate(), "killed by SIGTERM, after the graceful stop; stderr: " + server.stderr());
            assertEquals(CloseReason.CLEAN, answered.get());
            assertEquals(1, server.stdout().size(), "exactly one stdout line: " + server.stdout());
            String stderr = server.stderr();
            assertTrue(stderr.contains("generated a self-signed certificate for localhost"), stderr);
            assertTrue(stderr.contains("stopped: open=1 clean=1 forced=0 truncated=0"), stderr);
            assertTrue(stderr.contains("closes CLEAN=1;"), stderr);
            assertFalse(stderr.contains("Exception"), stderr);
        }
    }

    @Test
    void aBadOptionExitsWith2AndOneLineWithoutAStackTrace() throws Exception {
        try (ServerProcess server = ServerProcess.ofClassPath(List.of(), "--port", "-5")) {
            assertEquals(2, server.awaitExit());
            assertEquals(List.of(), server.stdout());
            assertEquals("closenotify-server: error: --port must be 0 to 65535: -5\n", server.stderr());
        }
        try (ServerProcess server = ServerProcess.ofClassPath(List.of(), "--cert", "nope.pem", "--key", "nope.pem")) {
            assertEquals(2, server.awaitExit());
            assertEquals("closenotify-server: error: nope.pem: cannot read the certificate: no such file\n", server.stderr());
        }
    }

    /**
     * A server that holds its sessions (stateless tickets off, a JDK system property) drops the one of
     * a truncated connection, even when the client kept it (SEMANTICS.md §4), and --session-cache-size
     * bounds what it holds. For both protocols, in one server with a cache of one session.
     */
    @Test
    void aServerHoldingItsSessionsDropsTruncatedOnesAndBoundsItsCache() throws Exception {
        TestCertificates.PemFiles pem = TestCertificates.get().writePem(dir);
        try (ServerProcess server = ServerProcess.ofClassPath(List.of("-Djdk.tls.server.enableSessionTicketExtension=false"),
                "--provider", "jsse", "--port", "0", "--cert", pem.serverCertificate().toString(), "--key", pem.serverKey().toString(),
                "--session-cache-size", "1", "--session-timeout", "1h")) {
            int port = server.awaitPort();
            ShutdownProvider p = ShutdownProviders.get("jsse");
            for (String protocol : List.of("TLSv1.3", "TLSv1.2")) {
                TlsContext a = client(p, protocol);
                assertFalse(session(a, port, false), protocol + ": first connection full");
                assertTrue(session(a, port, false), protocol + ": resumed after a clean close");

                TlsContext b = client(p, protocol);
                assertFalse(session(b, port, true), protocol + ": first connection full, then truncated");
                assertFalse(session(b, port, false), protocol + ": the server dropped the session of the truncated connection");

                TlsContext c = client(p, protocol);
                TlsContext d = client(p, protocol);
                assertFalse(session(c, port, false), protocol);
                assertFalse(session(d, port, false), protocol);
                assertFalse(session(c, port, false), protocol + ": evicted from a server cache of one session");
            }
            assertEquals(143, server.terminate());
            String stderr = server.stderr();
            assertTrue(stderr.contains("closes CLEAN=12 TRUNCATED=2;"), stderr);
            assertTrue(stderr.contains("handshakes full=12 resumed=2 failed=0"), stderr);
        }
    }

    /**
     * --session-timeout: a session stops being resumable once it is that old. TLS 1.2 with a server
     * that holds its sessions, where a resumption keeps the session's creation time; reconnecting
     * until the handshake is full is bounded by the wait.
     */
    @Test
    void sessionsExpireAfterTheSessionTimeout() throws Exception {
        TestCertificates.PemFiles pem = TestCertificates.get().writePem(dir);
        try (ServerProcess server = ServerProcess.ofClassPath(List.of("-Djdk.tls.server.enableSessionTicketExtension=false"),
                "--provider", "jsse", "--port", "0", "--cert", pem.serverCertificate().toString(), "--key", pem.serverKey().toString(),
                "--session-timeout", "5s")) { // long enough for two handshakes on a loaded machine
            int port = server.awaitPort();
            TlsContext client = client(ShutdownProviders.get("jsse"), "TLSv1.2");
            long began = System.nanoTime();
            assertFalse(session(client, port, false), "first connection full");
            assertTrue(session(client, port, false), "resumed within the session's lifetime");
            await().atMost(Duration.ofSeconds(25)).pollInterval(Duration.ofMillis(250))
                    .until(() -> !session(client, port, false));
            assertTrue(System.nanoTime() - began >= Duration.ofSeconds(5).toNanos(), "not before the timeout");
        }
    }

    /**
     * One connection: echo, then a clean close, or a truncation with the session kept on the client
     * (SENT set by hand; the FIN sent while the socket stays open, so that the server's close says it
     * has handled the truncation). Returns whether the handshake resumed.
     */
    private static boolean session(TlsContext client, int port, boolean truncate) throws Exception {
        Socket socket = new Socket("127.0.0.1", port);
        TlsSocketConnection c = client.open(socket);
        echo(c);
        boolean resumed = c.session().orElseThrow().resumed();
        if (truncate) {
            c.addFlags(ShutdownFlag.SENT);
            socket.shutdownOutput();
            InputStream in = socket.getInputStream();
            while (in.read() != -1) {
                // Nothing comes: the server closes its side once it has recorded the truncation.
            }
            c.close();
            assertTrue(c.outcome().orElseThrow().sessionKept());
        } else {
            assertEquals(ShutdownResult.SENT, c.shutdown());
            assertEquals(-1, c.read(new byte[1], 0, 1));
            assertEquals(ShutdownResult.COMPLETE, c.shutdown());
            c.close();
        }
        return resumed;
    }

    private static TlsContext client(ShutdownProvider p, String protocol) {
        return p.newContext(TlsConfig.client().trustManager(TestCertificates.get().trustManager())
                .serverName("localhost").protocols(protocol).build());
    }

    private static void echo(TlsSocketConnection c) throws Exception {
        c.write(PING, 0, PING.length);
        byte[] back = new byte[PING.length];
        int n = 0;
        while (n < back.length) {
            int r = c.read(back, n, back.length - n);
            assertTrue(r > 0, "echo");
            n += r;
        }
        assertEquals("ping", new String(back, StandardCharsets.US_ASCII));
    }

    private static TrustManager trusting(Path pem) throws Exception {
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        try (InputStream in = Files.newInputStream(pem)) {
            store.setCertificateEntry("server", (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in));
        }
        TrustManagerFactory f = TrustManagerFactory.getInstance("PKIX");
        f.init(store);
        return f.getTrustManagers()[0];
    }
}

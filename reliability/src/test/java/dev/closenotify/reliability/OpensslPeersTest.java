package dev.closenotify.reliability;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.awaitility.Awaitility.await;

import dev.closenotify.server.EchoServer;
import dev.closenotify.server.ServerStats;
import dev.closenotify.server.StopReport;
import dev.closenotify.spi.Capability;
import dev.closenotify.spi.CloseOutcome;
import dev.closenotify.spi.CloseReason;
import dev.closenotify.spi.ConnectionPolicy;
import dev.closenotify.spi.ShutdownProvider;
import dev.closenotify.spi.ShutdownResult;
import dev.closenotify.spi.TlsConfig;
import dev.closenotify.spi.TlsContext;
import dev.closenotify.spi.TlsException;
import dev.closenotify.spi.TlsException.Kind;
import dev.closenotify.spi.TlsSocketConnection;
import dev.closenotify.tck.support.TestCertificates;
import java.io.ByteArrayOutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The real {@code openssl} (Debian's 3.0, installed by .ci/run) as a foreign peer of every provider,
 * both directions: {@code s_client} against the echo server, {@code s_server} against a client
 * connection. Clean closes both ways, resumption ({@code -sess_out}/{@code -sess_in} and a client's
 * own cache), and a peer that vanishes without close_notify (SIGKILL: FIN, no alert).
 */
@Execution(ExecutionMode.CONCURRENT) // each case waits on its own processes
@Timeout(value = 90, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class OpensslPeersTest {

    private static Path openssl;

    @TempDir
    Path dir;

    @BeforeAll
    static void findOpenssl() {
        var found = Openssl.binary();
        if (found.isEmpty() && System.getenv("CI") != null) {
            throw new AssertionError("openssl is not installed: .ci/run installs it (apt-get install openssl)");
        }
        Assumptions.assumeTrue(found.isPresent(), "openssl is not on the PATH");
        openssl = found.get();
    }

    private static String flag(String protocol) {
        return protocol.equals("TLSv1.3") ? "-tls1_3" : "-tls1_2";
    }

    private Openssl sClient(EchoServer server, TestCertificates.PemFiles pem, String protocol, String... more)
            throws Exception {
        List<String> args = new java.util.ArrayList<>(List.of("s_client", "-connect", "127.0.0.1:" + server.port(),
                "-servername", "localhost", "-CAfile", pem.caCertificate().toString(), "-verify_return_error",
                "-verify_hostname", "localhost", flag(protocol), "-quiet", "-no_ign_eof"));
        args.addAll(List.of(more));
        return Openssl.start(openssl, args.toArray(String[]::new));
    }

    private static void echo(Openssl client, String line) throws Exception {
        client.send(line + "\n");
        client.awaitLine(line::equals, "echo of '" + line + "'");
        Tally.verified(line.length() + 1);
    }

    @ParameterizedTest(name = "{0} server, openssl s_client {1}")
    @MethodSource("dev.closenotify.reliability.Providers#eachWithProtocol")
    void opensslClientAgainstTheServer(ShutdownProvider p, String protocol) throws Exception {
        TestCertificates.PemFiles pem = TestCertificates.get().writePem(dir);
        Path session = dir.resolve("session.pem");
        String where = p.name() + " server, s_client " + protocol;
        EchoServer server = Servers.start(Servers.config(p.name(), ConnectionPolicy.DEFAULT));
        try {
            // 1. The client closes: its close_notify is answered (CLEAN).
            try (Openssl c = sClient(server, pem, protocol, "-sess_out", session.toString())) {
                echo(c, "hello from openssl");
                c.closeStdin();
                assertEquals(0, c.awaitExit(), where + ": " + c.stderr());
            }
            await().atMost(Openssl.WAIT).until(() -> server.stats().active() == 0);
            assertEquals(1, server.stats().closes(CloseReason.CLEAN), where + ": " + server.stats().summary());
            Tally.caseRun();

            // 2. Resumption with the saved session (RESUMPTION_TLS13 gap: no ticket, nothing saved).
            boolean saved = java.nio.file.Files.exists(session);
            assertEquals(Providers.resumes(p, protocol), saved, where + ": s_client saved a session to resume");
            try (Openssl c = saved ? sClient(server, pem, protocol, "-sess_in", session.toString())
                    : sClient(server, pem, protocol)) {
                echo(c, "resumed?");
                c.closeStdin();
                assertEquals(0, c.awaitExit(), where + ": " + c.stderr());
            }
            await().atMost(Openssl.WAIT).until(() -> server.stats().active() == 0);
            ServerStats st = server.stats();
            long resumed = Providers.resumes(p, protocol) ? 1 : 0;
            assertEquals(resumed, st.resumedHandshakes(), where + ": resumption with -sess_in: " + st.summary());
            assertEquals(2 - resumed, st.fullHandshakes(), where + ": " + st.summary());
            assertEquals(2, st.closes(CloseReason.CLEAN), where + ": " + st.summary());
            Tally.caseRun();

            // 3. A client that vanishes without close_notify (SIGKILL): TRUNCATED, counted.
            try (Openssl c = sClient(server, pem, protocol)) {
                echo(c, "and now I vanish");
                c.kill();
                Tally.fault();
            }
            await().atMost(Openssl.WAIT).until(() -> server.stats().closes(CloseReason.TRUNCATED) == 1);
            Tally.caseRun();

            // 4. A truncated close: s_client's close_notify cut in the middle by a FIN (a proxy between).
            try (dev.closenotify.tck.support.FaultyProxy proxy = dev.closenotify.tck.support.FaultyProxy.start(
                    Servers.loopback(server.port()))) {
                List<String> args = new java.util.ArrayList<>(List.of("s_client", "-connect", "127.0.0.1:" + proxy.port(),
                        "-servername", "localhost", "-CAfile", pem.caCertificate().toString(), "-verify_return_error",
                        "-verify_hostname", "localhost", flag(protocol), "-quiet", "-no_ign_eof"));
                try (Openssl c = Openssl.start(openssl, args.toArray(String[]::new))) {
                    echo(c, "my close_notify will be cut");
                    var wire = proxy.awaitConnection(0, Openssl.WAIT);
                    proxy.clientToServer().cutAt(wire.clientToServer().length + 7, dev.closenotify.tck.support.Cut.FIN);
                    Tally.fault();
                    c.closeStdin();
                    c.awaitExit();
                    wire.awaitEnd(proxy.clientToServer(), Openssl.WAIT);
                    byte[] up = wire.clientToServer();
                    assertTrue(up.length > wire.delivered(proxy.clientToServer()).length,
                            where + ": s_client sent its close_notify, and it was cut");
                }
            }
            await().atMost(Openssl.WAIT).until(() -> server.stats().closes(CloseReason.TRUNCATED) == 2);
            Tally.caseRun();

            // 5. The server closes first (a graceful stop): s_client answers and exits.
            Openssl c = sClient(server, pem, protocol);
            try {
                echo(c, "stop while I am here");
                StopReport report = server.stop(Duration.ofSeconds(10));
                assertEquals(1, report.open(), where + ": " + report.summary());
                if (p.supports(Capability.READ_AFTER_SENT)) {
                    assertEquals(1, report.closedCleanly(), where + ": s_client answered: " + report.summary());
                } else {
                    // READ_AFTER_SENT gap: the server cannot wait for the answer.
                    assertEquals(0, report.closedCleanly(), where + " (READ_AFTER_SENT gap): " + report.summary());
                }
                assertEquals(0, c.awaitExit(), where + ": s_client got the close_notify and exited: " + c.stderr());
            } finally {
                c.close();
            }
            Tally.caseRun();
        } finally {
            server.close();
        }
    }

    @ParameterizedTest(name = "{0} client, openssl s_server {1}")
    @MethodSource("dev.closenotify.reliability.Providers#eachWithProtocol")
    void opensslServerAgainstTheClient(ShutdownProvider p, String protocol) throws Exception {
        TestCertificates.PemFiles pem = TestCertificates.get().writePem(dir);
        String where = p.name() + " client, s_server " + protocol;
        TlsContext ctx = p.newContext(TlsConfig.client().trustManager(TestCertificates.get().trustManager())
                .serverName("localhost").protocols(protocol).build());
        try (Openssl s = Openssl.start(openssl, "s_server", "-accept", "127.0.0.1:0", "-cert",
                pem.serverCertificate().toString(), "-key", pem.serverKey().toString(), flag(protocol),
                "-naccept", "3")) {
            int port = Integer.parseInt(s.awaitLine(l -> l.startsWith("ACCEPT "), "ACCEPT line")
                    .replaceAll(".*:", ""));
            boolean readsAfterSent = p.supports(Capability.READ_AFTER_SENT);

            // 1. Data both ways, then our close_notify first; s_server answers with its own.
            try (TlsSocketConnection c = ctx.open(new Socket(Servers.loopback(port).getAddress(), port))) {
                c.handshake();
                assertFalse(c.session().orElseThrow().resumed(), where + ": the first handshake is full");
                exchange(c, s, "one");
                assertEquals(ShutdownResult.SENT, c.shutdown(), where);
                s.awaitLine("DONE"::equals, "s_server's DONE (it received our close_notify)");
                if (readsAfterSent) {
                    assertEquals(ShutdownResult.COMPLETE, c.shutdown(Duration.ofSeconds(10)), where);
                    assertEquals(CloseReason.CLEAN, c.outcome().orElseThrow().reason(), where);
                }
            }
            Tally.caseRun();

            // 2. The next connection resumes (the ticket was read by the bidirectional close).
            try (TlsSocketConnection c = ctx.open(new Socket(Servers.loopback(port).getAddress(), port))) {
                c.handshake();
                boolean resumes = Providers.resumes(p, protocol) && (readsAfterSent || protocol.equals("TLSv1.2"));
                assertEquals(resumes, c.session().orElseThrow().resumed(), where + ": resumed: " + c.session());
                exchange(c, s, "two");
                assertEquals(ShutdownResult.SENT, c.shutdown(), where);
                s.awaitLine("DONE"::equals, "s_server's DONE");
                if (readsAfterSent) {
                    assertEquals(ShutdownResult.COMPLETE, c.shutdown(Duration.ofSeconds(10)), where);
                }
            }
            Tally.caseRun();

            // 3. s_server vanishes (SIGKILL) while we read: a typed TRUNCATED, the session dropped.
            try (TlsSocketConnection c = ctx.open(new Socket(Servers.loopback(port).getAddress(), port))) {
                c.handshake();
                exchange(c, s, "three");
                s.kill();
                Tally.fault();
                byte[] buf = new byte[100];
                TlsException e = assertThrows(TlsException.class, () -> {
                    while (c.read(buf, 0, buf.length) >= 0) {
                        // nothing more should come
                    }
                }, where + ": EOF without close_notify must not be end-of-stream");
                assertTrue(e.kind() == Kind.TRUNCATED || e.kind() == Kind.RESET, where + ": " + e);
                CloseOutcome o = c.outcome().orElseThrow();
                assertFalse(o.sessionKept(), where + ": " + o);
            }
            Tally.caseRun();
        }
    }

    /** We write a line, s_server prints it; s_server writes a line (its stdin), we read it. */
    private static void exchange(TlsSocketConnection c, Openssl s, String word) throws Exception {
        byte[] up = ("to s_server " + word + "\n").getBytes(StandardCharsets.US_ASCII);
        c.write(up, 0, up.length);
        s.awaitLine(("to s_server " + word)::equals, "our line on s_server's stdout");
        String downLine = "from s_server " + word + "\n";
        s.send(downLine);
        byte[] down = downLine.getBytes(StandardCharsets.US_ASCII);
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        byte[] buf = new byte[256];
        while (got.size() < down.length) {
            int n = c.read(buf, 0, buf.length);
            assertTrue(n >= 0, "end-of-stream before s_server's line");
            got.write(buf, 0, n);
        }
        assertArrayEquals(down, got.toByteArray());
        Tally.verified(up.length + down.length);
    }
}

package dev.closenotify.server.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.closenotify.server.EchoServer;
import dev.closenotify.spi.ShutdownProvider;
import dev.closenotify.spi.ShutdownProviders;
import dev.closenotify.spi.ShutdownResult;
import dev.closenotify.spi.TlsConfig;
import dev.closenotify.spi.TlsSocketConnection;
import dev.closenotify.tck.support.TestCertificates;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The command line in this JVM: options, errors (exit code 2, one line), and the one stdout line. */
@Timeout(value = 30, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class MainTest {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private final Main main = new Main(new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8));

    @TempDir
    Path dir;

    @Test
    void helpGoesToStdoutWithExitCode0() {
        assertEquals(0, main.launch(new String[] {"--help"}, false));
        String help = out.toString(StandardCharsets.UTF_8);
        for (String option : List.of("--host", "--port", "--provider", "--tls", "--cert", "--key", "--keystore",
                "--session-cache-size", "--session-timeout", "--grace", "--max-connections")) {
            assertTrue(help.contains(option), option + " in --help");
        }
        assertEquals("", err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void badOptionsExitWith2AndOneLine() throws Exception {
        TestCertificates.PemFiles pem = TestCertificates.get().writePem(dir);
        String missing = dir.resolve("missing.pem").toString();
        String[][] cases = {
            {"--nope"},
            {"--port"},
            {"--port", "70000"},
            {"--port", "eighty"},
            {"--tls", "1.1"},
            {"--grace", "soon"},
            {"--max-connections", "0"},
            {"--echo-buffer", "12"},
            {"--session-timeout", "0"},
            {"--cert", pem.serverCertificate().toString()},
            {"--cert", pem.serverCertificate().toString(), "--key", pem.serverKey().toString(), "--keystore", "x.p12"},
            {"--cert", missing, "--key", pem.serverKey().toString()},
            {"--cert", pem.serverCertificate().toString(), "--key", pem.rsaServerKey().toString()},
            {"--keystore", missing},
            {"--provider", "nosuch", "--port", "0"},
            {"stray"},
        };
        for (String[] args : cases) {
            out.reset();
            err.reset();
            assertEquals(Main.USAGE_ERROR, main.launch(args, false), String.join(" ", args));
            String message = err.toString(StandardCharsets.UTF_8);
            assertTrue(message.startsWith("closenotify-server: error: "), message);
            assertEquals(1, message.lines().count(), "one line for " + String.join(" ", args) + ": " + message);
            assertEquals("", out.toString(StandardCharsets.UTF_8), "nothing on stdout for " + String.join(" ", args));
        }
    }

    @Test
    void aBusyPortExitsWith1() throws Exception {
        try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            assertEquals(Main.START_ERROR, main.launch(new String[] {"--port", String.valueOf(taken.getLocalPort())}, false));
            assertTrue(err.toString(StandardCharsets.UTF_8).contains("error: cannot start: cannot listen on"), err.toString());
            assertEquals("", out.toString(StandardCharsets.UTF_8));
        }
    }

    @Test
    void listeningPrintsExactlyOneLineAndServes() throws Exception {
        TestCertificates.PemFiles pem = TestCertificates.get().writePem(dir);
        Path written = dir.resolve("written.pem");
        assertEquals(Main.RUNNING, main.launch(new String[] {"--port=0", "--tls", "1.2,1.3",
                "--cert", pem.serverCertificate().toString(), "--key", pem.serverKey().toString(),
                "--cert-out", written.toString(), "--grace", "2s", "--idle-timeout", "30s"}, false));
        try {
            EchoServer server = main.server();
            String stdout = out.toString(StandardCharsets.UTF_8);
            assertEquals("listening on 127.0.0.1:" + server.port() + " provider=" + ShutdownProviders.get().name()
                    + " tls=TLSv1.2,TLSv1.3\n", stdout);
            String stderr = err.toString(StandardCharsets.UTF_8);
            assertTrue(stderr.contains("SHA-256 fingerprint "), stderr);
            assertTrue(stderr.contains("wrote the certificate to " + written), stderr);
            assertEquals(Duration.ofSeconds(30), server.config().policy().idleReadTimeout());

            ShutdownProvider p = ShutdownProviders.get();
            TlsSocketConnection c = p.newContext(TlsConfig.client().trustManager(TestCertificates.get().trustManager())
                    .serverName("localhost").build()).open(new Socket("127.0.0.1", server.port()));
            byte[] ping = "ping".getBytes(StandardCharsets.US_ASCII);
            c.write(ping, 0, ping.length);
            byte[] back = new byte[4];
            int n = 0;
            while (n < 4) {
                n += c.read(back, n, 4 - n);
            }
            assertEquals("ping", new String(back, StandardCharsets.US_ASCII));
            assertEquals(ShutdownResult.SENT, c.shutdown());
            assertEquals(-1, c.read(back, 0, 1));
            assertEquals(ShutdownResult.COMPLETE, c.shutdown());
            c.close();
        } finally {
            main.stop();
        }
        assertFalse(main.server().isRunning());
        assertEquals(1, out.toString(StandardCharsets.UTF_8).lines().count(), "still one line on stdout");
    }
}

package dev.closenotify.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.closenotify.spi.Capability;
import dev.closenotify.spi.CloseReason;
import dev.closenotify.spi.ShutdownProvider;
import dev.closenotify.spi.TlsConfig;
import dev.closenotify.tck.support.TestCertificates;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The server against the real {@code openssl s_client}: echo and the clean close, resumption, a
 * stop with the client connected, and key material made by {@code openssl} itself. CI installs
 * openssl ({@code .ci/run}); elsewhere these tests are skipped when it is missing.
 */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class OpensslTest {
    private static final Duration WAIT = Duration.ofSeconds(15);
    private static Path openssl;

    @TempDir
    Path dir;

    @BeforeAll
    static void findOpenssl() {
        Optional<Path> found = onPath("openssl");
        if (found.isEmpty() && System.getenv("CI") != null) {
            throw new AssertionError("openssl is not installed: .ci/run installs it (apt-get install openssl)");
        }
        Assumptions.assumeTrue(found.isPresent(), "openssl is not on the PATH");
        openssl = found.get();
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("dev.closenotify.server.Fixtures#servers")
    void echoAndACleanClose(ShutdownProvider provider, String protocol) throws Exception {
        TestCertificates.PemFiles pem = TestCertificates.get().writePem(dir);
        try (EchoServer server = Fixtures.start(Fixtures.config(provider))) {
            try (SClient client = SClient.start(server, pem.caCertificate(), flag(protocol))) {
                client.echo("hello closenotify");
                client.echo("and once more");
                assertEquals(0, client.closeStdinAndWait(), client.stderr());
            }
            ServerStats stats = Fixtures.awaitIdle(server);
            assertEquals(1, stats.closes(CloseReason.CLEAN), "s_client's close_notify answered: " + stats.summary());
            assertEquals("hello closenotify\nand once more\n".length(), stats.bytesEchoed(), stats.summary());
        }
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("dev.closenotify.server.Fixtures#servers")
    void resumesAfterACleanClose(ShutdownProvider provider, String protocol) throws Exception {
        TestCertificates.PemFiles pem = TestCertificates.get().writePem(dir);
        Path session = dir.resolve("session.pem");
        String version = flag(protocol);
        boolean resumes = protocol.equals("TLSv1.2") || provider.supports(Capability.RESUMPTION_TLS13);
        try (EchoServer server = Fixtures.start(Fixtures.config(provider))) {
            try (SClient client = SClient.start(server, pem.caCertificate(), version, "-sess_out", session.toString())) {
                client.echo("first");
                assertEquals(0, client.closeStdinAndWait(), client.stderr());
            }
            List<String> next = new ArrayList<>();
            if (resumes) {
                assertTrue(Files.size(session) > 0, "s_client saved its session");
                next.addAll(List.of("-sess_in", session.toString()));
            } else {
                // RESUMPTION_TLS13 declared as a gap: the server issued no ticket, so s_client has none to save.
                assertFalse(Files.exists(session), "s_client got no session ticket to save");
            }
            try (SClient client = SClient.start(server, pem.caCertificate(), version, next.toArray(String[]::new))) {
                client.echo("second");
                assertEquals(0, client.closeStdinAndWait(), client.stderr());
            }
            ServerStats stats = Fixtures.awaitIdle(server);
            assertEquals(resumes ? 1 : 2, stats.fullHandshakes(), stats.summary());
            assertEquals(resumes ? 1 : 0, stats.resumedHandshakes(), stats.summary());
            assertEquals(2, stats.closes(CloseReason.CLEAN), stats.summary());
        }
    }

    /**
     * s_client answers the stop's close_notify; a server with the {@code READ_AFTER_SENT} gap cannot
     * read that answer and ends SENT_ONLY, once s_client has closed its end.
     */
    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("dev.closenotify.server.Fixtures#servers")
    void aStopWithTheClientConnectedEndsCleanly(ShutdownProvider provider, String protocol) throws Exception {
        TestCertificates.PemFiles pem = TestCertificates.get().writePem(dir);
        EchoServer server = Fixtures.start(Fixtures.config(provider));
        try (SClient client = SClient.start(server, pem.caCertificate(), flag(protocol))) {
            client.echo("still there");
            StopReport report = server.stop(WAIT);
            CloseReason expected = provider.supports(Capability.READ_AFTER_SENT) ? CloseReason.CLEAN : CloseReason.SENT_ONLY;
            assertEquals(Map.of(expected, 1), report.reasons(), "s_client answered the server's close_notify: "
                    + report.summary());
            assertEquals(0, client.awaitExit(), client.stderr());
        }
    }

    private static String flag(String protocol) {
        return protocol.equals("TLSv1.3") ? "-tls1_3" : "-tls1_2";
    }

    /** Keys as openssl writes them: SEC1 ({@code EC PRIVATE KEY}) and PKCS#1 ({@code RSA PRIVATE KEY}). */
    @Test
    void keyMaterialMadeByOpenssl() throws Exception {
        Path ecKey = dir.resolve("ec-key.pem");
        run(openssl.toString(), "ecparam", "-name", "prime256v1", "-genkey", "-out", ecKey.toString());
        Path rsaKey = dir.resolve("rsa-key.pem");
        run(openssl.toString(), "genrsa", "-traditional", "-out", rsaKey.toString(), "2048");
        assertTrue(Files.readString(ecKey).contains("-----BEGIN EC PRIVATE KEY-----"), Files.readString(ecKey));
        assertTrue(Files.readString(rsaKey).startsWith("-----BEGIN RSA PRIVATE KEY-----"), Files.readString(rsaKey));
        for (Path key : List.of(ecKey, rsaKey)) {
            Path cert = dir.resolve(key.getFileName() + ".crt");
            run(openssl.toString(), "req", "-x509", "-new", "-key", key.toString(), "-subj", "/CN=localhost",
                    "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1", "-days", "1", "-out", cert.toString());
            KeyMaterial keys = KeyMaterial.fromPem(cert, key);
            EchoServerConfig config = EchoServerConfig.of(TlsConfig.server(keys.keyManager()).build()).withPort(0);
            try (EchoServer server = Fixtures.start(config);
                 SClient client = SClient.start(server, cert, "-tls1_3")) {
                client.echo("served with " + key.getFileName());
                assertEquals(0, client.closeStdinAndWait(), client.stderr());
            }
        }
    }

    private static void run(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        p.getOutputStream().close();
        byte[] output = p.getInputStream().readAllBytes();
        assertTrue(p.waitFor(WAIT.toMillis(), TimeUnit.MILLISECONDS), String.join(" ", command));
        assertEquals(0, p.exitValue(), String.join(" ", command) + ": " + new String(output, StandardCharsets.UTF_8));
    }

    private static Optional<Path> onPath(String name) {
        for (String d : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(File.pathSeparator)) {
            Path p = Path.of(d, name);
            if (Files.isExecutable(p)) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }

    /**
     * {@code openssl s_client -quiet -no_ign_eof}: what is written to its stdin is sent, what it
     * receives comes out on its stdout; at the end of its stdin it sends close_notify and exits.
     */
    private static final class SClient implements AutoCloseable {
        private final Process process;
        private final OutputStream stdin;
        private final BufferedReader stdout;
        private final ByteArrayOutputStream stderr = new ByteArrayOutputStream();
        private final CompletableFuture<Void> stderrDone;

        private SClient(Process process) {
            this.process = process;
            this.stdin = process.getOutputStream();
            this.stdout = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
            InputStream err = process.getErrorStream();
            this.stderrDone = CompletableFuture.runAsync(() -> {
                try {
                    err.transferTo(stderr);
                } catch (IOException e) {
                    // The process is gone.
                }
            }, r -> Thread.ofVirtual().start(r));
        }

        static SClient start(EchoServer server, Path trust, String version, String... more) throws IOException {
            List<String> command = new ArrayList<>(List.of(openssl.toString(), "s_client",
                    "-connect", "127.0.0.1:" + server.port(), "-servername", "localhost",
                    "-CAfile", trust.toString(), "-verify_return_error", "-verify_hostname", "localhost",
                    version, "-quiet", "-no_ign_eof"));
            command.addAll(List.of(more));
            return new SClient(new ProcessBuilder(command).start());
        }

        /** Sends a line and waits for its echo on s_client's stdout. */
        void echo(String line) throws Exception {
            stdin.write((line + "\n").getBytes(StandardCharsets.UTF_8));
            stdin.flush();
            CompletableFuture<String> back = CompletableFuture.supplyAsync(() -> {
                try {
                    return stdout.readLine();
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }, r -> Thread.ofVirtual().start(r));
            try {
                assertEquals(line, back.get(WAIT.toMillis(), TimeUnit.MILLISECONDS), "the echo; stderr: " + stderr());
            } catch (TimeoutException e) {
                throw new AssertionError("no echo of '" + line + "' within " + WAIT + "; stderr: " + stderr());
            }
        }

        /** Ends s_client's input: it sends close_notify and exits. Returns its exit code. */
        int closeStdinAndWait() throws Exception {
            stdin.close();
            return awaitExit();
        }

        int awaitExit() throws Exception {
            if (!process.waitFor(WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new AssertionError("s_client did not exit within " + WAIT + "; stderr: " + stderr());
            }
            stderrDone.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
            return process.exitValue();
        }

        String stderr() {
            synchronized (stderr) {
                return stderr.toString(StandardCharsets.UTF_8);
            }
        }

        @Override
        public void close() {
            process.destroyForcibly();
        }
    }
}

package dev.closenotify.server.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.closenotify.spi.ShutdownProvider;
import dev.closenotify.spi.ShutdownProviders;
import dev.closenotify.spi.ShutdownResult;
import dev.closenotify.spi.TlsConfig;
import dev.closenotify.spi.TlsSocketConnection;
import dev.closenotify.tck.support.TestCertificates;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.jar.Attributes;
import java.util.jar.JarFile;
import java.util.regex.Matcher;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The executable jar that {@code ./mvnw package} makes: what is in it, and that {@code java -jar} serves. */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class JarIT {
    private static final Path JAR = Path.of(System.getProperty("server.jar", "target/closenotify-server.jar"));

    @TempDir
    Path dir;

    @Test
    void oneJarWithEveryProviderAndNoSignatures() throws Exception {
        assertTrue(Files.isRegularFile(JAR), JAR + " is built");
        try (JarFile jar = new JarFile(JAR.toFile())) {
            Attributes main = jar.getManifest().getMainAttributes();
            assertEquals(Main.class.getName(), main.getValue("Main-Class"));
            assertEquals("ALL-UNNAMED", main.getValue("Enable-Native-Access"));
            assertEquals("true", main.getValue("Multi-Release"));
            List<String> signatures = jar.stream().map(e -> e.getName())
                    .filter(n -> n.matches("META-INF/[^/]+\\.(SF|DSA|RSA|EC)")).toList();
            assertEquals(List.of(), signatures, "signature files of the merged jars are stripped");
            String services;
            try (InputStream in = jar.getInputStream(jar.getEntry("META-INF/services/" + ShutdownProvider.class.getName()))) {
                services = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
            assertEquals(Set.of("jsse", "conscrypt", "bc"), ShutdownProviders.candidates().stream()
                    .map(c -> c.provider().name()).collect(Collectors.toSet()), "the server depends on every provider");
            for (ShutdownProviders.Candidate c : ShutdownProviders.candidates()) {
                String type = c.provider().getClass().getName();
                assertTrue(services.contains(type), type + " is registered in the jar: " + services);
                assertTrue(jar.getEntry(type.replace('.', '/') + ".class") != null, type + " is in the jar");
            }
        }
    }

    @Test
    void javaDashJarServes() throws Exception {
        TestCertificates.PemFiles pem = TestCertificates.get().writePem(dir);
        try (ServerProcess server = ServerProcess.ofJar(JAR, "--port", "0", "--cert", pem.serverCertificate().toString(),
                "--key", pem.serverKey().toString())) {
            int port = server.awaitPort();
            Matcher line = ServerProcess.LISTENING.matcher(server.firstLine());
            assertTrue(line.matches(), server.firstLine());
            TlsSocketConnection c = ShutdownProviders.get(line.group(2)).newContext(TlsConfig.client()
                    .trustManager(TestCertificates.get().trustManager()).serverName("localhost").build())
                    .open(new Socket("127.0.0.1", port));
            byte[] ping = "ping".getBytes(StandardCharsets.US_ASCII);
            c.write(ping, 0, ping.length);
            byte[] back = new byte[ping.length];
            for (int n = 0; n < back.length; ) {
                n += c.read(back, n, back.length - n);
            }
            assertEquals("ping", new String(back, StandardCharsets.US_ASCII));
            assertEquals(ShutdownResult.SENT, c.shutdown());
            assertEquals(-1, c.read(back, 0, 1));
            assertEquals(ShutdownResult.COMPLETE, c.shutdown());
            c.close();

            assertEquals(143, server.terminate());
            assertEquals(1, server.stdout().size(), server.stdout().toString());
            assertTrue(server.stderr().contains("closes CLEAN=1;"), server.stderr());
            assertEquals("conscrypt", line.group(2), "the SPI's choice: the highest priority that loads");
            assertFalse(server.stderr().contains("restricted method"),
                    "Enable-Native-Access in the manifest: no JDK warning for Conscrypt's native library: " + server.stderr());
        }
    }
}

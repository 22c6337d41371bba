package dev.closenotify.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.closenotify.spi.ConnectionPolicy;
import dev.closenotify.spi.TlsConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The README's echo server sections: the embedding example is this code, and it runs. */
@Timeout(value = 30, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ReadmeTest {
    private static final Path README = Path.of("..", "README.md");

    @Test
    void theEmbeddingExampleIsThisCodeAndRuns() throws Exception {
        String example = codeBlockAfter("<!-- embedding-example -->");
        String source = Files.readString(Path.of("src/test/java/dev/closenotify/server/ReadmeTest.java"));
        String begin = "\n        // readme-begin\n";
        String body = source.substring(source.indexOf(begin) + begin.length(), source.indexOf("\n        // readme-end"));
        assertEquals(example, body.stripIndent() + "\n", "README.md must quote embedded() as it is (copy it over)");
        embedded();
    }

    @Test
    void theServerCommandIsOneLine() throws Exception {
        String command = codeBlockAfter("<!-- server-command -->");
        assertEquals(1, command.lines().count(), command);
        assertTrue(command.startsWith("./echo-server"), command);
        assertTrue(Files.isExecutable(Path.of("..", "echo-server")), "the script is executable");
    }

    private static void embedded() throws Exception {
        // readme-begin
        KeyMaterial keys = KeyMaterial.selfSigned(); // or KeyMaterial.fromPem(chain, key), KeyMaterial.fromPkcs12(file, password)
        TlsConfig tls = TlsConfig.server(keys.keyManager())
                .sessionCacheSize(1000)
                .sessionTimeout(Duration.ofHours(1))
                .policy(ConnectionPolicy.DEFAULT.withIdleReadTimeout(Duration.ofMinutes(5)))
                .build();
        EchoServerConfig config = EchoServerConfig.of(tls).withPort(0).withMaxConnections(100);
        try (EchoServer server = new EchoServer(config).start()) {
            int port = server.port(); // the ephemeral port taken for 0
            // ... clients connect to 127.0.0.1:port ...
            StopReport report = server.stop(Duration.ofSeconds(5));
            System.out.println(report.summary() + "; " + server.stats().summary());
        }
        // readme-end
    }

    /** The lines of the fenced block after {@code marker}, without the fences. */
    private static String codeBlockAfter(String marker) throws Exception {
        List<String> lines = Files.readAllLines(README);
        int at = lines.indexOf(marker);
        assertTrue(at >= 0, "README.md has " + marker);
        int open = at + 1;
        assertTrue(lines.get(open).startsWith("```"), "a code block follows " + marker);
        int close = open + 1;
        while (!lines.get(close).startsWith("```")) {
            close++;
        }
        return String.join("\n", lines.subList(open + 1, close)) + "\n";
    }
}

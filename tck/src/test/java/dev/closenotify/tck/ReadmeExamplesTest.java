package dev.closenotify.tck;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * tck/README.md shows the examples that the examples module builds: this keeps the two the same,
 * so what a reader copies is what the build proved.
 */
class ReadmeExamplesTest {
    private static final Path EXAMPLES = Path.of("..", "examples", "src", "it");

    @Test
    void readmeQuotesEachBuiltExampleVerbatim() throws IOException {
        String readme = Files.readString(Path.of("README.md"));
        for (Path example : List.of(
                EXAMPLES.resolve("tck-zero-code/pom.xml"),
                EXAMPLES.resolve("tck-subclass/pom.xml"),
                EXAMPLES.resolve("tck-subclass/src/test/java/com/example/MyProviderTckTest.java"))) {
            String text = Files.readString(example).strip();
            assertTrue(readme.contains(text), "tck/README.md must quote " + example + " as it is (copy it over)");
        }
    }
}

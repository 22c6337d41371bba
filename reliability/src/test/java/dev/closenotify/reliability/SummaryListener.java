package dev.closenotify.reliability;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestPlan;

/**
 * Prints {@link Tally#summary()} as one line when the run ends and, when the system property
 * {@code reliability.summary} names a file, writes it there too (docs/RELIABILITY.md quotes it).
 */
public final class SummaryListener implements TestExecutionListener {

    @Override
    public void testPlanExecutionFinished(TestPlan testPlan) {
        String line = Tally.summary();
        System.out.println(line);
        String file = System.getProperty("reliability.summary");
        if (file != null && !file.isBlank()) {
            try {
                Path path = Path.of(file);
                Files.createDirectories(path.toAbsolutePath().getParent());
                Files.writeString(path, line + System.lineSeparator(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                System.err.println("cannot write " + file + ": " + e);
            }
        }
    }
}

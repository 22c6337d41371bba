package dev.closenotify.reliability;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestPlan;

/**
 * Prints {@link Tally#summary()} as one line when the run ends; writes it to the file named by
 * {@code reliability.summary}; and with {@code -Dreliability.update=true} rewrites the figures
 * table of docs/RELIABILITY.md (between its {@value #BEGIN} and {@value #END} markers) from it.
 */
public final class SummaryListener implements TestExecutionListener {

    static final String BEGIN = "<!-- reliability-figures -->";
    static final String END = "<!-- /reliability-figures -->";

    @Override
    public void testPlanExecutionFinished(TestPlan testPlan) {
        String line = Tally.summary();
        System.out.println(line);
        String file = System.getProperty("reliability.summary", "");
        if (!file.isBlank()) {
            write(Path.of(file), line + System.lineSeparator());
        }
        String doc = System.getProperty("reliability.doc", "");
        if (Boolean.getBoolean("reliability.update") && !doc.isBlank()) {
            try {
                Path path = Path.of(doc);
                String text = Files.readString(path, StandardCharsets.UTF_8);
                int from = text.indexOf(BEGIN);
                int to = text.indexOf(END);
                if (from < 0 || to < from) {
                    System.err.println(doc + " has no " + BEGIN + " ... " + END + " section: not updated");
                    return;
                }
                String updated = text.substring(0, from + BEGIN.length()) + System.lineSeparator() + table(line)
                        + text.substring(to);
                write(path, updated);
                System.out.println("updated " + doc);
            } catch (IOException e) {
                System.err.println("cannot update " + doc + ": " + e);
            }
        }
    }

    private static String table(String line) {
        StringBuilder t = new StringBuilder();
        t.append("| Test class | Cases | Faults injected | Bytes verified |\n|---|---:|---:|---:|\n");
        long[] sum = new long[3];
        for (Map.Entry<String, long[]> e : Tally.byArea().entrySet()) {
            long[] v = e.getValue();
            t.append("| `").append(e.getKey()).append("` | ").append(v[0]).append(" | ").append(v[1]).append(" | ")
                    .append(v[2]).append(" |\n");
            for (int i = 0; i < 3; i++) {
                sum[i] += v[i];
            }
        }
        t.append("| **all** | **").append(sum[0]).append("** | **").append(sum[1]).append("** | **").append(sum[2])
                .append("** |\n\nThe run's summary line: `").append(line).append("`\n");
        return t.toString();
    }

    private static void write(Path path, String text) {
        try {
            Path dir = path.toAbsolutePath().getParent();
            if (dir != null) {
                Files.createDirectories(dir);
            }
            Files.writeString(path, text, StandardCharsets.UTF_8);
        } catch (IOException e) {
            System.err.println("cannot write " + path + ": " + e);
        }
    }
}

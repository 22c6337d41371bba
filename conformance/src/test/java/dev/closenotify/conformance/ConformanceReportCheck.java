package dev.closenotify.conformance;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The staleness check: the report this build wrote ({@code conformance/target/CONFORMANCE.md})
 * must equal its committed copy ({@code docs/CONFORMANCE.md}), so that a change of conformance is
 * always a reviewed change of that file. With {@code -Dconformance.update=true} it rewrites the
 * committed copy instead.
 *
 * <p>Run by a surefire execution of its own, after the one that runs the kit and writes the report
 * (its name matches none of surefire's default includes, so that one leaves it out).
 */
class ConformanceReportCheck {

    static final String COMMITTED_PROPERTY = "conformance.committed";
    static final String UPDATE_PROPERTY = "conformance.update";
    static final String UPDATE_HINT = "To accept the new report: ./mvnw -pl conformance -am verify"
            + " -Dconformance.update=true (or copy conformance/target/CONFORMANCE.md to docs/CONFORMANCE.md),"
            + " then review and commit docs/CONFORMANCE.md.";
    /** How many changed lines the failure shows. */
    private static final int SHOWN = 40;

    @Test
    void committedReportIsCurrent() throws IOException {
        Path generated = ConformanceListener.reportFile().toAbsolutePath().normalize();
        Path committed = Path.of(System.getProperty(COMMITTED_PROPERTY, "../docs/CONFORMANCE.md"))
                .toAbsolutePath().normalize();
        if (!Files.isRegularFile(generated)) {
            fail("no conformance report at " + generated + ": the conformance tests did not run in this build"
                    + " (a -Dtest filter leaves them out). Run ./mvnw -pl conformance -am verify without a filter,"
                    + " or skip this check with -Dconformance.skipCheck=true.");
        }
        String now = normalized(Files.readString(generated, StandardCharsets.UTF_8));

        if (Boolean.parseBoolean(System.getProperty(UPDATE_PROPERTY, "false"))) {
            String before = Files.isRegularFile(committed)
                    ? normalized(Files.readString(committed, StandardCharsets.UTF_8)) : null;
            if (now.equals(before)) {
                System.out.println("[conformance] " + committed + " is already current");
                return;
            }
            Files.createDirectories(committed.getParent());
            Files.writeString(committed, now, StandardCharsets.UTF_8);
            System.out.println("[conformance] updated " + committed + " from " + generated + ": review and commit it");
            return;
        }

        if (!Files.isRegularFile(committed)) {
            fail("docs/CONFORMANCE.md is missing (" + committed + "). " + UPDATE_HINT);
        }
        String before = normalized(Files.readString(committed, StandardCharsets.UTF_8));
        if (now.equals(before)) {
            return;
        }
        List<TextDiff.Change> changes = TextDiff.lines(before, now);
        StringBuilder msg = new StringBuilder()
                .append("docs/CONFORMANCE.md is out of date: the conformance report of this build differs from it in ")
                .append(changes.size()).append(" line(s).\n")
                .append("  committed: ").append(committed).append('\n')
                .append("  generated: ").append(generated).append('\n')
                .append(UPDATE_HINT).append('\n')
                .append("(A build that ran only some tests, with -Dtest, makes a partial report:"
                        + " skip this check with -Dconformance.skipCheck=true.)\n")
                .append("Changes (- committed, + generated; line numbers of the committed file):\n");
        changes.stream().limit(SHOWN).forEach(c -> msg.append("  ").append(c).append('\n'));
        if (changes.size() > SHOWN) {
            msg.append("  ... and ").append(changes.size() - SHOWN).append(" more\n");
        }
        fail(msg.toString());
    }

    /** Line ends as LF, so that a checkout with CRLF compares equal. */
    private static String normalized(String text) {
        return text.replace("\r\n", "\n");
    }
}

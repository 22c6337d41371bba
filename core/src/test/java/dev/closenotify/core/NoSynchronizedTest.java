package dev.closenotify.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.spi.ToolProvider;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * SEMANTICS.md §7: no {@code synchronized} in the core. A virtual thread blocked in a read inside a
 * monitor pins its carrier on JDK 21–23, and JDK 24+ no longer shows it, so this is checked on the
 * bytecode: no method has ACC_SYNCHRONIZED and no method body has a monitorenter.
 */
class NoSynchronizedTest {

    @Test
    void coreClassesHoldNoMonitor() throws IOException, URISyntaxException {
        Path classes = Path.of(EngineConnection.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        List<String> files;
        try (Stream<Path> s = Files.walk(classes)) {
            files = s.filter(p -> p.toString().endsWith(".class")).map(Path::toString).toList();
        }
        assertTrue(files.size() >= 8, "expected the core's classes under " + classes + ", found " + files);

        ToolProvider javap = ToolProvider.findFirst("javap").orElseThrow();
        List<String> args = new ArrayList<>(List.of("-c", "-p", "-v"));
        args.addAll(files);
        StringWriter out = new StringWriter();
        int rc = javap.run(new PrintWriter(out), new PrintWriter(out), args.toArray(String[]::new));
        assertEquals(0, rc, out.toString());

        List<String> offenders = new ArrayList<>();
        String currentClass = "?";
        String currentMethod = "?";
        for (String line : out.toString().split("\n")) {
            String t = line.trim();
            if (t.startsWith("Classfile ")) {
                currentClass = t;
            } else if (line.startsWith("  ") && !line.startsWith("   ") && t.endsWith(";") && t.contains("(")) {
                currentMethod = t;
            }
            if (t.startsWith("flags:") && t.contains("ACC_SYNCHRONIZED")) {
                offenders.add(currentClass + " " + currentMethod + " is synchronized");
            }
            if (t.matches("\\d+: monitorenter.*")) {
                offenders.add(currentClass + " " + currentMethod + " has a synchronized block");
            }
        }
        assertTrue(out.toString().contains("EngineConnection"), "javap did not read the core's classes");
        assertEquals(List.of(), offenders);
    }
}

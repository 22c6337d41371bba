package dev.closenotify.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The CI smoke: every server starts once in its own JVM, every mode runs once, seconds long, and
 * each produces its machine-readable line with sane fields. It never asserts a timing: the
 * machine is shared, and the numbers of a smoke mean nothing.
 */
class BenchSmokeTest {
    private static final Set<String> SUITES = Set.of(BenchKeys.TLS13_SUITE, BenchKeys.TLS12_SUITE);

    @Test
    @Timeout(value = 170, unit = TimeUnit.SECONDS)
    void everyServerAndModeProducesItsLine() throws Exception {
        Path work = Path.of("target", "bench-smoke");
        Map<String, String> opts = new LinkedHashMap<>();
        opts.put("smoke", "true");
        opts.put("work", work.toString());
        opts.put("out", work.resolve("PERFORMANCE.md").toString());
        opts.put("modes", "echo,handshake,close,idle,floor,jmh");
        opts.put("pairs", "closenotify-conscrypt:echo,closenotify-jsse:handshake,netty-openssl:close,"
                + "netty-jdk:idle,jdk-threads:echo");
        List<Line> lines = Launcher.run(opts);

        List<Line> echo = mode(lines, "echo");
        assertEquals(4, echo.size(), "2 sizes on 2 servers: " + echo);
        for (Line l : echo) {
            assertTrue(SUITES.contains(l.get("suite")), l.toString());
            assertEquals("TLSv1.3", l.get("protocol"), l.toString());
            assertTrue(l.number("msgs") >= 0 && l.number("msgsPerSec") >= 0, l.toString());
            assertEquals(l.number("msgsPerSec") * l.number("size") * 2 / 1e6, l.number("mbPerSec"),
                    l.number("mbPerSec") * 0.01 + 0.001, "MB/s follows from msg/s and size: " + l);
            assertEquals(0, l.number("errors"), l.toString());
        }
        assertEquals(Set.of("closenotify-conscrypt", "jdk-threads"),
                Set.copyOf(echo.stream().map(l -> l.get("server")).toList()));

        List<Line> hs = mode(lines, "handshake");
        assertEquals(4, hs.size(), "full and resumed, TLS 1.3 and 1.2: " + hs);
        for (Line l : hs) {
            assertTrue(SUITES.contains(l.get("suite")) || l.number("conns") == 0, l.toString());
            double fraction = l.number("conns") == 0 ? 0 : l.number("resumed") / l.number("conns");
            // Resumption is read off every connection: a full row must have none, a resumed row all.
            assertEquals(l.get("kind").equals("resumed") && l.number("conns") > 0 ? 1.0 : 0.0, fraction, 1e-9,
                    l.toString());
        }

        Line close = single(lines, "close");
        assertEquals(20, close.number("clean") + close.number("truncated") + close.number("reset")
                + close.number("timeout") + close.number("other"), "every close classified: " + close);
        assertEquals(20, close.number("clean"), "netty-openssl answers close_notify: " + close);

        Line idle = single(lines, "idle");
        assertEquals(50, idle.number("conns"), "the server holds every idle connection: " + idle);
        assertEquals("closenotify-conscrypt", idle.get("client"), idle.toString());
        assertEquals(50, idle.number("clientReady"), idle.toString());
        assertTrue(idle.number("clientResumed") >= 0 && idle.number("clientResumed") < 50,
                "the first connection of each session key is a full handshake: " + idle);
        assertTrue(idle.number("rssAfter") > 0 && idle.number("heapAfter") > 0, idle.toString());
        Line stop = single(lines, "stop");
        assertEquals(50, stop.number("open"), stop.toString());
        assertEquals(50, stop.number("clean") + stop.number("forced"), stop.toString());
        assertEquals(50, stop.number("clientClean") + stop.number("clientTruncated") + stop.number("clientReset")
                + stop.number("clientTimeout") + stop.number("clientOther"), stop.toString());

        List<Line> floor = mode(lines, "floor");
        assertEquals(Set.copyOf(TransportFloor.KINDS), Set.copyOf(floor.stream().map(l -> l.get("kind")).toList()),
                floor.toString());
        for (Line l : floor) {
            assertTrue(l.number("msgs") > 0 && l.number("roundTrips") >= l.number("msgs"), l.toString());
            assertEquals(0, l.number("errors"), l.toString());
            // Every message woke the server at least once, whichever way it waits.
            assertTrue(l.number("csPerMsg") >= 0.3, l.toString());
        }

        List<Line> jmh = mode(lines, "jmh");
        assertEquals(Set.of("bare", "core"), Set.copyOf(jmh.stream().map(l -> l.get("benchmark")).toList()),
                jmh.toString());
        for (Line l : jmh) {
            assertTrue(l.number("scoreNs") > 0, l.toString());
            assertEquals(1, l.number("round"), "JMH runs in rounds, the smoke in one: " + l);
        }

        String report = Files.readString(work.resolve("PERFORMANCE.md"));
        assertTrue(report.contains("## Targets") && report.contains("### JMH"), report);
        byte[] png = Files.readAllBytes(work.resolve(Report.CHART_FILE));
        assertTrue(png.length > 1000 && Arrays.equals(Arrays.copyOf(png, 4), new byte[] {(byte) 0x89, 'P', 'N', 'G'}),
                "the chart is a PNG");
    }

    private static List<Line> mode(List<Line> lines, String mode) {
        return lines.stream().filter(l -> l.get("mode").equals(mode)).toList();
    }

    private static Line single(List<Line> lines, String mode) {
        List<Line> m = mode(lines, mode);
        assertEquals(1, m.size(), mode + ": " + m);
        assertFalse(m.getFirst().fields().isEmpty());
        return m.getFirst();
    }
}

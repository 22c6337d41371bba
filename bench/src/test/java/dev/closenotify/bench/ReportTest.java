package dev.closenotify.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The arithmetic of the report: medians, per-round ratios, their orientation, the warm-up round. */
class ReportTest {

    private static Line echo(String server, int round, double msgs) {
        return Line.parse("RESULT", "RESULT mode=echo server=" + server + " client=c suite=S size=64 conns=4"
                + " msgsPerSec=" + msgs + " mbPerSec=1 p50us=1 p99us=2 errors=0 round=" + round).orElseThrow();
    }

    private static Line close(String server, int round, double p50) {
        return Line.parse("RESULT", "RESULT mode=close server=" + server + " client=c suite=S protocol=TLSv1.3"
                + " p50us=" + p50 + " p99us=9 clean=1 truncated=0 reset=0 timeout=0 other=0 round=" + round)
                .orElseThrow();
    }

    private static Report report(List<Line> lines) {
        return new Report(lines, 4, Map.of(), "0", "0", 1);
    }

    @Test
    void advantageIsPerRoundAndLeavesOutTheWarmUp() {
        Report r = report(List.of(
                echo("closenotify-conscrypt", 0, 1), echo("netty-openssl", 0, 1000), // warm-up: ignored
                echo("closenotify-conscrypt", 1, 200), echo("netty-openssl", 1, 100),
                echo("closenotify-conscrypt", 2, 300), echo("netty-openssl", 2, 300),
                echo("closenotify-conscrypt", 3, 50), echo("netty-openssl", 3, 100)));
        String row = "echo 64 B, 4 conns";
        assertEquals(List.of(2.0, 1.0, 0.5), r.advantages(row, ServerKind.CLOSENOTIFY_CONSCRYPT));
        assertEquals(200, r.medianValue(row, ServerKind.CLOSENOTIFY_CONSCRYPT));
        assertEquals(List.of(), r.advantages(row, ServerKind.NETTY_OPENSSL), "a baseline has no ratio");
    }

    @Test
    void lowerIsBetterRowsInvertTheRatio() {
        Report r = report(List.of(close("closenotify-conscrypt", 1, 50), close("netty-openssl", 1, 100)));
        assertEquals(List.of(2.0), r.advantages("close_notify round trip TLSv1.3", ServerKind.CLOSENOTIFY_CONSCRYPT));
        assertTrue(r.markdown().contains("| close_notify round trip p50: closenotify-conscrypt ≤ netty-openssl | 50.0 µs vs 100.0 µs | yes |"),
                r.markdown());
    }

    private static Line floor(String kind, int round, double msgs, double cs) {
        return Line.parse("RESULT", "RESULT mode=floor kind=" + kind + " conns=1 size=16384 msgs=9 roundTrips=12"
                + " msgsPerSec=" + msgs + " p50us=" + (1e6 / msgs) + " p99us=99 errors=0 csPerMsg=" + cs
                + " round=" + round).orElseThrow();
    }

    @Test
    void theFloorTableHasMediansOfTheMeasuredRoundsPerKind() {
        Report r = report(List.of(
                floor("vthreads", 0, 1, 9), // warm-up: ignored
                floor("vthreads", 1, 8_000, 3), floor("vthreads", 2, 9_000, 3.2), floor("vthreads", 3, 7_000, 2.8),
                floor("selector", 1, 20_000, 1.1), echo("netty-openssl", 1, 100)));
        String t = r.floorTable();
        assertTrue(t.contains("| 1 | vthreads | 16384 | 8,000 (7,000...9,000) | 125.0 (111.1...142.9) | 99.0 | 3.000 (2.800...3.200) |"), t);
        assertTrue(t.contains("| 1 | selector | 16384 | 20,000 (20,000...20,000) |"), t);
        assertTrue(r.markdown().contains(t), "the report holds the table");
        assertEquals("", report(List.of(echo("netty-openssl", 1, 100))).floorTable(), "no floor lines, no table");
    }

    private static Line jmh(String benchmark, int round, double ns) {
        return Line.parse("RESULT", "RESULT mode=jmh benchmark=" + benchmark + " provider=conscrypt size=64"
                + " scoreNs=" + ns + " errorNs=5 samples=2 round=" + round).orElseThrow();
    }

    @Test
    void jmhRatiosArePerRoundAndTheTargetTakesTheirMedian() {
        // Per-round core / bare: 1.10, 1.02, 1.04 -> median 1.04, while the medians of the scores
        // alone (1000 and 1100) would say 1.10: the pairing is what the row reports.
        Report r = report(List.of(
                jmh("bare", 1, 1000), jmh("core", 1, 1100),
                jmh("bare", 2, 1100), jmh("core", 2, 1122),
                jmh("bare", 3, 900), jmh("core", 3, 936)));
        String md = r.markdown();
        assertTrue(md.contains("| conscrypt, 64 B | 1,000 (900.0...1,100) | 1,100 (936.0...1,122) | 1.040 (1.020...1.100) | 3 |"), md);
        assertTrue(md.contains("| JMH per payload, conscrypt, 64 B: core ≤ 1.05× bare SSLEngine (median of rounds) | 1.040× | yes |"), md);
    }

    @Test
    void medianOfEvenAndOdd() {
        assertEquals(2.0, Report.median(List.of(3.0, 1.0, 2.0)));
        assertEquals(2.5, Report.median(List.of(4.0, 1.0, 2.0, 3.0)));
        assertTrue(Double.isNaN(Report.median(List.of())));
    }

    @Test
    void linesRoundTripAndRejectGarbage() {
        Line l = Line.of("RESULT").with("mode", "echo").with("suite", "a b");
        assertEquals("RESULT mode=echo suite=a_b", l.toString());
        assertEquals(l, Line.parse("RESULT", l.toString()).orElseThrow());
        assertTrue(Line.parse("RESULT", "RESULTS x=1").isEmpty());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Line.parse("RESULT", "RESULT novalue"));
        assertTrue(e.getMessage().contains("novalue"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ServerKind.byId("tomcat"));
    }
}

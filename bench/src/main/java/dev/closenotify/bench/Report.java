package dev.closenotify.bench;

import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.ValueMarker;
import org.jfree.data.category.DefaultCategoryDataset;

/**
 * Turns a run's result lines into {@code docs/PERFORMANCE.md}: per row and server the median over
 * the measured rounds with min..max, the per-round advantage over the baseline, the targets, the
 * JMH table, and a JFreeChart bar chart of the median advantages.
 *
 * <p>"Advantage" is always oriented so that above 1.0 means better than the baseline: the ratio
 * for throughput (closenotify / baseline), the inverse for latency, memory and time
 * (baseline / closenotify). It is taken per round (same round, same machine state), then the
 * median and range of those per-round ratios are shown.
 */
final class Report {
    static final String CHART_FILE = "performance-ratios.png";

    /** One measured value: a row of the table, for one server, in one round. */
    record Metric(String row, ServerKind server, String client, String suite, int round, double value,
                  boolean higherBetter, String unit, Map<String, Double> extras) {
    }

    private final List<Line> lines;
    private final int rounds;
    private final Map<String, String> opts;
    private final String loadBefore;
    private final String loadAfter;
    private final double minutes;
    private final List<Metric> metrics = new ArrayList<>();
    private List<String> serverJvm = List.of("?");

    Report serverJvm(List<String> args) {
        this.serverJvm = List.copyOf(args);
        return this;
    }

    Report(List<Line> lines, int rounds, Map<String, String> opts, String loadBefore, String loadAfter,
           double minutes) {
        this.lines = lines;
        this.rounds = rounds;
        this.opts = opts;
        this.loadBefore = loadBefore;
        this.loadAfter = loadAfter;
        this.minutes = minutes;
        for (Line l : lines) {
            metric(l).ifPresent(m -> {
                if (rounds == 1 || m.round() > 0) { // round 0 is the warm-up
                    metrics.add(m);
                }
            });
        }
    }

    static Optional<Metric> metric(Line l) {
        String mode = l.get("mode");
        if (mode.equals("jmh") || mode.equals("floor")) { // tables of their own
            return Optional.empty();
        }
        ServerKind server = ServerKind.byId(l.get("server"));
        int round = (int) l.number("round");
        Map<String, Double> x = new LinkedHashMap<>();
        Function<String, Double> n = l::number;
        return Optional.of(switch (mode) {
            case "echo" -> {
                x.put("MB/s", n.apply("mbPerSec"));
                x.put("p50 µs", n.apply("p50us"));
                x.put("p99 µs", n.apply("p99us"));
                // Older runs have neither: NaN, shown as such.
                x.put("conns served", l.find("connsServed").map(Double::parseDouble).orElse(Double.NaN));
                x.put("fairness", l.find("fairness").map(Double::parseDouble).orElse(Double.NaN));
                x.put("errors", n.apply("errors"));
                yield new Metric("echo " + l.get("size") + " B, " + l.get("conns") + " conns", server, l.get("client"),
                        l.get("suite"), round, n.apply("msgsPerSec"), true, "msg/s", x);
            }
            case "handshake" -> {
                x.put("resumed fraction", n.apply("resumedFraction"));
                x.put("p50 µs", n.apply("p50us"));
                x.put("errors", n.apply("errors"));
                yield new Metric("handshake " + l.get("protocol") + " " + l.get("kind"), server, l.get("client"),
                        l.get("suite"), round, n.apply("perSec"), true, "conn/s", x);
            }
            case "close" -> {
                x.put("p99 µs", n.apply("p99us"));
                x.put("p50 µs to close_notify", l.find("p50NotifyUs").map(Double::parseDouble).orElse(Double.NaN));
                for (String k : List.of("clean", "truncated", "reset", "timeout", "other")) {
                    x.put(k, n.apply(k));
                }
                yield new Metric("close_notify round trip " + l.get("protocol"), server, l.get("client"),
                        l.get("suite"), round, n.apply("p50us"), false, "µs p50", x);
            }
            case "idle" -> {
                x.put("heap B/conn", n.apply("heapPerConn"));
                x.put("native B/conn", n.apply("nativePerConn"));
                x.put("conns", n.apply("conns"));
                x.put("asked", l.find("asked").map(Double::parseDouble).orElse(Double.NaN));
                x.put("fds/conn", l.find("fdsAfter").map(v -> (Double.parseDouble(v)
                        - Double.parseDouble(l.get("fdsBefore"))) / n.apply("conns")).orElse(Double.NaN));
                yield new Metric("idle memory, " + l.get("clientReady") + " conns", server, l.get("client"),
                        l.get("suite"), round, n.apply("totalPerConn"), false, "B/conn", x);
            }
            case "stop" -> {
                x.put("open", n.apply("open"));
                x.put("clean (server)", n.apply("clean"));
                x.put("forced", n.apply("forced"));
                x.put("clean (client)", l.find("clientClean").map(Double::parseDouble).orElse(Double.NaN));
                yield new Metric("graceful stop, " + l.get("conns") + " conns", server, l.get("client"),
                        l.get("suite"), round, n.apply("ms"), false, "ms", x);
            }
            default -> throw new IllegalArgumentException("unknown mode in " + l);
        });
    }

    static double median(List<Double> v) {
        double[] a = v.stream().mapToDouble(Double::doubleValue).filter(d -> !Double.isNaN(d)).sorted().toArray();
        if (a.length == 0) {
            return Double.NaN;
        }
        return a.length % 2 == 1 ? a[a.length / 2] : (a[a.length / 2 - 1] + a[a.length / 2]) / 2;
    }

    private static String num(double v) {
        if (Double.isNaN(v)) {
            return "–";
        }
        if (Math.abs(v) >= 1000) {
            return String.format(Locale.ROOT, "%,.0f", v);
        }
        if (Math.abs(v) >= 10) {
            return String.format(Locale.ROOT, "%.1f", v);
        }
        return String.format(Locale.ROOT, "%.3f", v);
    }

    private static String range(List<Double> v) {
        double[] a = v.stream().mapToDouble(Double::doubleValue).filter(d -> !Double.isNaN(d)).sorted().toArray();
        if (a.length == 0) {
            return "–";
        }
        return num(median(v)) + " (" + num(a[0]) + "..." + num(a[a.length - 1]) + ")";
    }

    private List<String> rows() {
        Set<String> rows = new LinkedHashSet<>();
        metrics.forEach(m -> rows.add(m.row()));
        return new ArrayList<>(rows);
    }

    /** Those of {@code servers} measured on {@code row} (idle rows hold different servers by count). */
    private List<ServerKind> inRow(String row, ServerKind... servers) {
        return Arrays.stream(servers).filter(s -> !of(row, s).isEmpty()).toList();
    }

    private List<Metric> of(String row, ServerKind s) {
        return metrics.stream().filter(m -> m.row().equals(row) && m.server() == s).toList();
    }

    /** Per-round advantages of {@code s} over its baseline on {@code row}. */
    List<Double> advantages(String row, ServerKind s) {
        Optional<ServerKind> base = s.baseline();
        if (base.isEmpty()) {
            return List.of();
        }
        List<Double> out = new ArrayList<>();
        for (Metric m : of(row, s)) {
            of(row, base.get()).stream().filter(b -> b.round() == m.round()).findFirst().ifPresent(b ->
                    out.add(m.higherBetter() ? m.value() / b.value() : b.value() / m.value()));
        }
        return out;
    }

    double medianValue(String row, ServerKind s) {
        return median(of(row, s).stream().map(Metric::value).toList());
    }

    void write(Path out) throws IOException {
        Path dir = out.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        chart(dir.resolve(CHART_FILE));
        Files.writeString(out, markdown(), StandardCharsets.UTF_8);
    }

    String markdown() {
        StringBuilder b = new StringBuilder();
        b.append("# Performance\n\n");
        b.append("Generated by the bench module (`bench/run`, see [bench/README.md](../bench/README.md)); do not edit by hand.\n\n");
        b.append("## The run\n\n");
        b.append("- Machine: ").append(Machine.describe()).append(".\n");
        b.append("- Load average (`/proc/loadavg`, as `uptime` prints it) at the start: ").append(loadBefore)
                .append("; at the end: ").append(loadAfter).append(". The machine is shared: other builds may have run"
                        + " during this run, which lowers and spreads the numbers; ratios are taken within a round to"
                        + " limit that.\n");
        b.append("- Command: `bench/run");
        opts.forEach((k, v) -> b.append(' ').append(k).append('=').append(v));
        b.append("`; ").append(String.format(Locale.ROOT, "%.1f", minutes)).append(" minutes.\n");
        b.append("- Rounds: ").append(rounds).append(rounds > 1 ? " (round 0 is a warm-up and is left out: medians over "
                + (rounds - 1) + " rounds)" : " (smoke: no warm-up round left out)")
                .append("; the order of the servers is reversed every other round. Each server runs in its own JVM"
                        + " (`").append(String.join(" ", serverJvm)).append("`); echo, handshake and close share one"
                        + " client JVM for the whole run, warm from server to server; the idle row has client JVMs of"
                        + " its own (the clients: see each row). Idle memory: a fresh server JVM per round, heap"
                        + " after three `System.gc()`, native = growth of VmRSS (the heap is pre-touched, so"
                        + " that growth is not heap); the warm-up round skips it.\n");
        b.append("- Pinned suites: ").append(BenchKeys.TLS13_SUITE).append(" (TLS 1.3), ").append(BenchKeys.TLS12_SUITE)
                .append(" (TLS 1.2), EC P-256 certificate; the negotiated suite is in every row.\n");
        b.append("- Baselines: closenotify-conscrypt against netty-openssl (Netty ")
                .append(io.netty.util.Version.identify().getOrDefault("netty-handler",
                        null) == null ? "4.1" : io.netty.util.Version.identify().get("netty-handler").artifactVersion())
                .append(", netty-tcnative-boringssl-static 2.0.84.Final, epoll); closenotify-jsse and jdk-threads against"
                        + " netty-jdk (Netty with the JDK's SSLEngine, epoll).\n");
        b.append("- Advantage: above 1.0 means better than the baseline (throughput ratio; for latency, memory"
                + " and time the inverse ratio). Taken per round, then median (min...max).\n\n");

        b.append("## Targets\n\n");
        b.append(targets());
        b.append("\n![Advantage over the baseline, median per row](").append(CHART_FILE).append(")\n\n");

        b.append("## Results\n\n");
        for (String row : rows()) {
            Metric first = metrics.stream().filter(m -> m.row().equals(row)).findFirst().orElseThrow();
            b.append("### ").append(row).append("\n\n");
            b.append("| Server | Client | Suite | ").append(first.unit()).append(", median (min...max) | Advantage over baseline |");
            List<String> extras = new ArrayList<>(first.extras().keySet());
            extras.forEach(e -> b.append(' ').append(e).append(" |"));
            b.append("\n|---|---|---|---|---|");
            extras.forEach(e -> b.append("---|"));
            b.append('\n');
            for (ServerKind s : ServerKind.values()) {
                List<Metric> ms = of(row, s);
                if (ms.isEmpty()) {
                    continue;
                }
                List<Double> adv = advantages(row, s);
                b.append("| ").append(s.id()).append(" | ").append(ms.getFirst().client()).append(" | ")
                        .append(String.join(", ", ms.stream().map(Metric::suite).distinct().toList())).append(" | ")
                        .append(range(ms.stream().map(Metric::value).toList())).append(" | ")
                        .append(adv.isEmpty() ? (s.floor() ? "floor" : s.baseline().isEmpty() ? "baseline" : "–")
                                : range(adv) + " vs " + s.baseline().get().id()).append(" |");
                for (String e : extras) {
                    b.append(' ').append(num(median(ms.stream().map(m -> m.extras().getOrDefault(e, Double.NaN)).toList())))
                            .append(" |");
                }
                b.append('\n');
            }
            b.append('\n');
        }
        b.append(jmhTable());
        b.append(floorTable());
        b.append("## Raw lines\n\nEvery line of the run is in `bench/target/bench-run/results.txt` (not committed).\n");
        Path notes = Path.of("bench", "FINDINGS.md");
        if (Files.exists(notes)) {
            try {
                b.append("\n").append(Files.readString(notes));
            } catch (IOException e) {
                b.append("\n(").append(notes).append(" unreadable: ").append(e.getMessage()).append(")\n");
            }
        }
        return b.toString();
    }

    private String targets() {
        StringBuilder b = new StringBuilder("| Target | Measured | Met? |\n|---|---|---|\n");
        for (String row : rows()) {
            boolean bulk = row.startsWith("echo 16384 B");
            boolean hs13 = row.startsWith("handshake TLSv1.3");
            if (bulk || hs13) {
                for (ServerKind s : List.of(ServerKind.CLOSENOTIFY_CONSCRYPT, ServerKind.CLOSENOTIFY_JSSE)) {
                    double a = median(advantages(row, s));
                    target(b, row + ": " + s.id() + " ≥ 1.0× " + s.baseline().get().id(), num(a) + "×", a >= 1.0, a);
                }
            }
            if (row.startsWith("close_notify")) {
                double a = median(advantages(row, ServerKind.CLOSENOTIFY_CONSCRYPT));
                target(b, "close_notify round trip p50: closenotify-conscrypt ≤ netty-openssl",
                        num(medianValue(row, ServerKind.CLOSENOTIFY_CONSCRYPT)) + " µs vs "
                                + num(medianValue(row, ServerKind.NETTY_OPENSSL)) + " µs", a >= 1.0, a);
            }
            if (row.startsWith("idle memory")) {
                for (ServerKind s : inRow(row, ServerKind.CLOSENOTIFY_CONSCRYPT, ServerKind.CLOSENOTIFY_JSSE)) {
                    double v = medianValue(row, s);
                    target(b, row + ": " + s.id() + " ≤ 8 KiB/conn (heap + native)", num(v) + " B/conn",
                            v <= 8192, 8192 / v);
                }
            }
            if (row.startsWith("graceful stop")) {
                for (ServerKind s : inRow(row, ServerKind.CLOSENOTIFY_CONSCRYPT, ServerKind.CLOSENOTIFY_JSSE)) {
                    double v = medianValue(row, s);
                    double forced = median(of(row, s).stream().map(m -> m.extras().get("forced")).toList());
                    target(b, row + ": " + s.id() + " ≤ 2 s, all close_notify exchanged",
                            num(v) + " ms, forced " + num(forced), v <= 2000 && forced == 0, 2000 / v);
                }
            }
        }
        for (Map.Entry<String, List<double[]>> e : jmh().entrySet()) {
            double r = median(coreOverBare(e.getValue()));
            target(b, "JMH per payload, " + e.getKey() + ": core ≤ 1.05× bare SSLEngine (median of rounds)",
                    num(r) + "×", r <= 1.05, 1.05 / r);
        }
        return b.toString();
    }

    /**
     * One row of the targets table; {@code factor} is how far the measurement is from the target,
     * as a ratio that is at least 1.0 when the target is met (advantage, or limit / value).
     */
    private static void target(StringBuilder b, String what, String measured, boolean met, double factor) {
        b.append("| ").append(what).append(" | ").append(measured).append(" | ");
        if (Double.isNaN(factor)) {
            b.append("not measured");
        } else if (met) {
            b.append("yes");
        } else if (what.contains("≥")) {
            b.append("**no**: ").append(String.format(Locale.ROOT, "%.0f%% short of the baseline", (1 - factor) * 100));
        } else {
            b.append("**no**: ").append(String.format(Locale.ROOT, "%.2f× the limit", 1 / factor));
        }
        b.append(" |\n");
    }

    /** provider/size → per JMH round, {bare ns, core ns}, in round order. */
    private Map<String, List<double[]>> jmh() {
        Map<String, Map<Integer, double[]>> m = new TreeMap<>();
        for (Line l : lines) {
            if (!l.get("mode").equals("jmh")) {
                continue;
            }
            double[] v = m.computeIfAbsent(l.get("provider") + ", " + l.get("size") + " B", k -> new TreeMap<>())
                    .computeIfAbsent(l.find("round").map(Integer::parseInt).orElse(0),
                            r -> new double[] {Double.NaN, Double.NaN});
            v[l.get("benchmark").equals("bare") ? 0 : 1] = l.number("scoreNs");
        }
        Map<String, List<double[]>> out = new TreeMap<>();
        m.forEach((k, rounds) -> out.put(k, new ArrayList<>(rounds.values())));
        return out;
    }

    /** Each round's core / bare. */
    private static List<Double> coreOverBare(List<double[]> rounds) {
        return rounds.stream().map(v -> v[1] / v[0]).toList();
    }

    private String jmhTable() {
        Map<String, List<double[]>> m = jmh();
        if (m.isEmpty()) {
            return "";
        }
        StringBuilder b = new StringBuilder("### JMH: one TLS 1.3 payload, client to server\n\n"
                + "`CoreRecordBenchmark`: closenotify's buffer connection (`write`, hand over, `read`) against bare"
                + " `SSLEngine.wrap`/`unwrap` on the same data, same provider, TLS_AES_128_GCM_SHA256; average time"
                + " per payload (one record at 64 B; JSSE may cut 16 KiB into two), ns/op. Each round is one fork of"
                + " each, back to back; medians over the rounds (min...max), and the median of the per-round"
                + " ratios.\n\n"
                + "| Provider, payload | bare SSLEngine ns | closenotify core ns | core / bare | rounds |\n|---|---|---|---|---|\n");
        m.forEach((k, rounds) -> b.append("| ").append(k).append(" | ")
                .append(range(rounds.stream().map(v -> v[0]).toList())).append(" | ")
                .append(range(rounds.stream().map(v -> v[1]).toList())).append(" | ")
                .append(range(coreOverBare(rounds))).append(" | ").append(rounds.size()).append(" |\n"));
        return b.append('\n').toString();
    }

    /** {@code modes=floor}: the plain TCP echo under the echo rows, by how the server waits ({@link TransportFloor}). */
    String floorTable() {
        Map<String, List<Line>> cells = new java.util.TreeMap<>();
        for (Line l : lines) {
            if (l.get("mode").equals("floor") && (rounds == 1 || l.number("round") > 0)) {
                cells.computeIfAbsent(String.format(java.util.Locale.ROOT, "%05d %s", (int) l.number("conns"),
                        l.get("kind")), k -> new ArrayList<>()).add(l);
            }
        }
        if (cells.isEmpty()) {
            return "";
        }
        StringBuilder b = new StringBuilder("### Floor: plain TCP echo, by how the server waits for bytes\n\n"
                + "`TransportFloor` (`modes=floor`): no TLS; the server in its own JVM reads in a virtual thread per"
                + " connection (as closenotify's server), a selector thread (as an event loop) or a platform thread"
                + " per connection; the client closed-loop on platform threads. Context switches are the server"
                + " JVM's, all threads, per round trip. Medians over the measured rounds (min...max).\n\n"
                + "| Conns | Server waits in | Size B | msg/s | p50 µs | p99 µs | context switches / msg |\n|---|---|---|---|---|---|---|\n");
        cells.forEach((k, ls) -> {
            Function<String, List<Double>> v = key -> ls.stream().map(l -> l.number(key)).toList();
            b.append("| ").append((int) ls.getFirst().number("conns")).append(" | ").append(ls.getFirst().get("kind"))
                    .append(" | ").append((int) ls.getFirst().number("size")).append(" | ").append(range(v.apply("msgsPerSec")))
                    .append(" | ").append(range(v.apply("p50us"))).append(" | ").append(num(median(v.apply("p99us"))))
                    .append(" | ").append(range(v.apply("csPerMsg"))).append(" |\n");
        });
        return b.append('\n').toString();
    }

    private void chart(Path png) throws IOException {
        DefaultCategoryDataset data = new DefaultCategoryDataset();
        for (String row : rows()) {
            for (ServerKind s : ServerKind.values()) {
                List<Double> adv = advantages(row, s);
                double m = median(adv);
                if (Double.isFinite(m)) {
                    data.addValue(m, s.id() + " vs " + s.baseline().get().id(), row);
                }
            }
        }
        for (Map.Entry<String, List<double[]>> e : jmh().entrySet()) {
            double r = 1 / median(coreOverBare(e.getValue()));
            if (!Double.isFinite(r)) {
                continue;
            }
            data.addValue(r, "closenotify core vs bare SSLEngine (JMH)",
                    "JMH record " + e.getKey());
        }
        JFreeChart chart = ChartFactory.createBarChart("closenotify: advantage over the baseline (> 1 is better)",
                null, "advantage (median of per-round ratios)", data, PlotOrientation.HORIZONTAL, true, false, false);
        CategoryPlot plot = chart.getCategoryPlot();
        ValueMarker one = new ValueMarker(1.0, Color.RED, new BasicStroke(2f));
        plot.addRangeMarker(one);
        plot.setBackgroundPaint(Color.WHITE);
        plot.setRangeGridlinePaint(Color.GRAY);
        chart.setBackgroundPaint(Color.WHITE);
        int height = 160 + 28 * Math.max(1, data.getColumnCount()) * Math.max(1, Math.min(3, data.getRowCount()));
        ChartUtils.saveChartAsPNG(png.toFile(), chart, 1100, Math.min(height, 4000));
    }

}

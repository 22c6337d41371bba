package dev.closenotify.bench;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs the whole benchmark: for each round, each server in its own JVM (the order reversed every
 * other round), each mode's client in another JVM; then the JMH microbenchmarks; then writes the
 * report. Round 0 is a warm-up and is left out of the report when there are more rounds.
 *
 * <p>Options ({@code key=value}): {@code rounds} (4), {@code servers} (all), {@code modes}
 * ({@code echo,handshake,close,idle,floor,jmh}), {@code idleConns} (10000), {@code out} (the report,
 * {@code docs/PERFORMANCE.md}), {@code work} ({@code bench/target/bench-run}), {@code smoke=true}
 * (seconds-long runs of every mode, for CI), and the client's own options, passed on
 * ({@code echoMeasureMs}, {@code hsMeasureMs}, {@code closeCount} ...); {@code histogram=true} writes
 * a class histogram and a thread dump of each loaded idle server into the logs, {@code jfr=true} a flight recording
 * (profile settings) of every server JVM. JMH: {@code jmhRounds} (3), {@code jmhProviders},
 * {@code jmhSizes}, {@code jmhWarmups}, {@code jmhIterations} (see {@link #jmh}).
 */
public final class Launcher {
    /** Every line of a run, as it arrived, with the round and server: the input of {@link Report}. */
    static final String RESULTS_FILE = "results.txt";

    private final Map<String, String> opts;
    private final Path work;
    private final PrintWriter results;
    private final List<Line> lines = new ArrayList<>();
    private final boolean smoke;

    private Launcher(Map<String, String> opts, Path work) throws IOException {
        this.opts = opts;
        this.work = work;
        this.smoke = Boolean.parseBoolean(opts.getOrDefault("smoke", "false"));
        Files.createDirectories(work.resolve("logs"));
        this.results = new PrintWriter(Files.newBufferedWriter(work.resolve(RESULTS_FILE), StandardCharsets.UTF_8,
                StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING), true);
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> opts = new LinkedHashMap<>();
        for (String a : args) {
            String[] kv = a.split("=", 2);
            if (kv.length != 2) {
                System.err.println("not key=value: " + a + " (see the Javadoc of Launcher or bench/README.md)");
                System.exit(2);
            }
            opts.put(kv[0], kv[1]);
        }
        if (opts.containsKey("render")) {
            render(opts);
            return;
        }
        List<Line> lines = run(opts);
        System.err.println("bench: " + lines.size() + " result lines");
    }

    /**
     * Writes the report again from a run's files ({@code render=DIR}, the run's {@code work}
     * directory): after editing {@code bench/FINDINGS.md}, or to render another machine's run.
     */
    static void render(Map<String, String> opts) throws IOException {
        Path dir = Path.of(opts.get("render"));
        List<Line> lines = new ArrayList<>();
        for (String l : Files.readAllLines(dir.resolve(RESULTS_FILE))) {
            Line.parse("RESULT", l).ifPresent(lines::add);
        }
        Line run = Line.parse("RUN", Files.readString(dir.resolve(RUN_FILE)).trim())
                .orElseThrow(() -> new IOException(dir.resolve(RUN_FILE) + " holds no RUN line"));
        Map<String, String> original = new LinkedHashMap<>();
        for (String kv : run.get("options").split(";")) {
            if (!kv.isEmpty()) {
                String[] p = kv.split("=", 2);
                original.put(p[0], p[1]);
            }
        }
        Path out = Path.of(opts.getOrDefault("out", "docs/PERFORMANCE.md"));
        new Report(lines, (int) run.number("rounds"), original, run.get("loadBefore").replace('_', ' '),
                run.get("loadAfter").replace('_', ' '), run.number("minutes"))
                .serverJvm(List.of(run.get("serverJvm").split(","))).write(out);
        System.err.println("bench: wrote " + out + " from " + dir);
    }

    /** What a run was: options, rounds, load, duration; {@link #render} reads it back. */
    static final String RUN_FILE = "run.txt";

    /** Runs what {@code opts} ask for and returns every result line; writes the report unless {@code report=false}. */
    static List<Line> run(Map<String, String> opts) throws Exception {
        Path work = Path.of(opts.getOrDefault("work", "bench/target/bench-run"));
        Launcher l = new Launcher(opts, work);
        String loadBefore = Machine.loadAverage();
        long t0 = System.nanoTime();
        try {
            l.runAll();
        } finally {
            l.results.close();
        }
        double minutes = (System.nanoTime() - t0) / 60e9;
        String loadAfter = Machine.loadAverage();
        StringBuilder o = new StringBuilder();
        opts.forEach((k, v) -> o.append(o.isEmpty() ? "" : ";").append(k).append('=').append(v));
        Files.writeString(work.resolve(RUN_FILE), Line.of("RUN").with("rounds", l.rounds()).with("options", o)
                .with("loadBefore", loadBefore).with("loadAfter", loadAfter)
                .with("minutes", String.format(java.util.Locale.ROOT, "%.2f", minutes))
                .with("serverJvm", String.join(",", l.serverJvm())) + "\n");
        if (Boolean.parseBoolean(opts.getOrDefault("report", "true"))) {
            Path out = Path.of(opts.getOrDefault("out", "docs/PERFORMANCE.md"));
            new Report(l.lines, l.rounds(), opts, loadBefore, loadAfter, minutes)
                    .serverJvm(l.serverJvm()).write(out);
            System.err.println("bench: wrote " + out + " after " + String.format("%.1f", minutes) + " min");
        }
        return l.lines;
    }

    int rounds() {
        return Integer.parseInt(opts.getOrDefault("rounds", smoke ? "1" : "4"));
    }

    private List<ServerKind> servers() {
        String s = opts.get("servers");
        return s == null ? Arrays.stream(ServerKind.values()).filter(k -> !k.floor()).toList() : Arrays.stream(s.split(",")).map(ServerKind::byId).toList();
    }

    private List<String> modes() {
        return List.of(opts.getOrDefault("modes", "echo,handshake,close,idle,floor,jmh").split(","));
    }

    private void runAll() throws Exception {
        BenchKeys.generate(work.resolve("keys"));
        try {
            runRounds();
        } finally {
            if (trafficClient != null) {
                trafficClient.close();
            }
        }
    }

    private void runRounds() throws Exception {
        List<String> modes = modes();
        if (opts.containsKey("pairs")) {
            // server:mode pairs, one JVM each: how the CI smoke starts every server and every mode once.
            for (String pair : opts.get("pairs").split(",")) {
                String[] sm = pair.split(":", 2);
                ServerKind s = ServerKind.byId(sm[0]);
                if (sm[1].equals("idle")) {
                    idle(0, s);
                } else {
                    traffic(0, s, List.of(sm[1]));
                }
            }
        } else {
            for (int r = 0; r < rounds(); r++) {
                for (ServerKind s : inRoundOrder(servers(), r)) {
                    List<String> traffic = modes.stream()
                            .filter(m -> List.of("echo", "handshake", "close").contains(m)).toList();
                    if (!traffic.isEmpty()) {
                        traffic(r, s, traffic);
                    }
                    // Idle memory is taken on a fresh server JVM every round, so there is nothing to
                    // warm up: the warm-up round skips it (10,000 handshakes per server) to save time.
                    if (modes.contains("idle") && (r > 0 || rounds() == 1)) {
                        idle(r, s);
                    }
                }
            }
        }
        if (modes.contains("floor")) {
            floor();
        }
        if (modes.contains("jmh")) {
            jmh();
        }
    }

    /** {@code items} as round {@code round} takes them: reversed every other round, so no one always goes first. */
    static <T> List<T> inRoundOrder(List<T> items, int round) {
        return round % 2 == 1 ? items.reversed() : items;
    }

    private void record(int round, Line line) {
        Line l = line.with("round", round);
        lines.add(l);
        results.println(l);
        System.err.println("bench: " + l);
    }

    private List<String> serverJvm() {
        // A fixed, pre-touched heap: its pages are resident from the start, so the growth of the
        // resident set under load is native memory (buffers, engines, thread stacks), not heap.
        String heap = smoke ? "256m" : "2g";
        List<String> jvm = new ArrayList<>(List.of("-Xms" + heap, "-Xmx" + heap, "-XX:+AlwaysPreTouch",
                "--enable-native-access=ALL-UNNAMED", "-Djava.awt.headless=true"));
        // Extra options for every server JVM (e.g. a scheduler setting to compare), recorded in the report.
        String extra = opts.getOrDefault("serverJvmArgs", "");
        if (!extra.isBlank()) {
            jvm.addAll(List.of(extra.split(",")));
        }
        return List.copyOf(jvm);
    }

    private static List<String> clientJvm() {
        return List.of("-Xmx2g", "--enable-native-access=ALL-UNNAMED");
    }

    private Child server(int round, ServerKind s, String what) throws IOException {
        List<String> jvm = new ArrayList<>(serverJvm());
        if (Boolean.parseBoolean(opts.getOrDefault("jfr", "false"))) {
            // A profile of each server JVM, for the findings: jfr view hot-methods FILE.
            jvm.add("-XX:StartFlightRecording=settings=profile,filename="
                    + work.resolve("logs").resolve("r" + round + "-" + s.id() + "-" + what + ".jfr").toAbsolutePath());
        }
        return Child.start(s.id() + "-server", jvm, ServerMain.class.getName(),
                List.of(s.id(), work.resolve("keys").toString()),
                work.resolve("logs").resolve("r" + round + "-" + s.id() + "-" + what + "-server.log"));
    }

    /** A client JVM of its own for {@code mode}; {@code suffix} tells apart the logs of several running it at once. */
    private Child client(int round, ServerKind s, int port, String mode, List<String> args, String suffix)
            throws IOException {
        List<String> all = new ArrayList<>(List.of(s.id(), String.valueOf(port), work.resolve("keys").toString(), mode));
        all.addAll(args);
        return Child.start(s.id() + "-" + mode + "-client" + suffix, clientJvm(), ClientMain.class.getName(), all,
                work.resolve("logs").resolve("r" + round + "-" + s.id() + "-" + mode + "-client" + suffix + ".log"));
    }

    private String opt(String key, String normal, String smokeValue) {
        return opts.getOrDefault(key, smoke ? smokeValue : normal);
    }

    /**
     * The client's options for {@code mode}. The warm-up round measures windows (and close counts)
     * a third as long: every round starts fresh server and client JVMs, so what it warms is the
     * machine, not a JIT, and its results are thrown away.
     */
    private List<String> clientArgs(String mode, int round) {
        int shrink = round == 0 && !smoke && rounds() > 1 ? 3 : 1;
        return switch (mode) {
            case "echo" -> List.of("sizes=" + opt("echoSizes", "64,1024,16384", "64,16384"),
                    "conns=" + opt("echoConns", "4,32,1000", "4"),
                    "warmupMs=" + opt("echoWarmupMs", "200", "50"),
                    "measureMs=" + shrunk(opt("echoMeasureMs", "600", "200"), shrink, 100));
            case "handshake" -> List.of("protocols=" + opt("hsProtocols", "TLSv1.3,TLSv1.2", "TLSv1.3,TLSv1.2"),
                    "workers=" + opt("hsWorkers", "4", "2"),
                    "warmupMs=" + opt("hsWarmupMs", "200", "50"),
                    "measureMs=" + shrunk(opt("hsMeasureMs", "800", "300"), shrink, 100));
            case "close" -> List.of("count=" + shrunk(opt("closeCount", "300", "20"), shrink, 20),
                    "workers=" + opt("closeWorkers", "4", "2"));
            default -> throw new IllegalArgumentException("unknown mode " + mode);
        };
    }

    /** {@code value} divided by {@code shrink}, but not below {@code floor}; as it is when {@code shrink} is 1. */
    private static long shrunk(String value, int shrink, long floor) {
        long v = Long.parseLong(value);
        return shrink == 1 ? v : Math.max(floor, v / shrink);
    }

    /** Conscrypt holds a pipe per engine (its AppData) besides the socket: three descriptors per connection. */
    static final int FDS_PER_CONNECTION = 3;

    private int askedIdleConns() {
        return Integer.parseInt(opt("idleConns", "10000", "50"));
    }

    /**
     * The idle connections server {@code s} holds: as asked, unless the hard limit on open files
     * (which a container may forbid raising) cannot hold that many. closenotify over Conscrypt
     * needs three descriptors a connection; it and its baseline (Netty with OpenSSL) then hold the
     * number that fits, and the other servers all that were asked for, so a row (named by its
     * connection count) always holds a server with its baseline.
     */
    private int idleConns(ServerKind s) {
        boolean conscryptPair = s == ServerKind.CLOSENOTIFY_CONSCRYPT || s == ServerKind.NETTY_OPENSSL
                || s == ServerKind.BARE_CONSCRYPT;
        long fit = (Machine.hardFileLimit() - 1_000) / (conscryptPair ? FDS_PER_CONNECTION : 1);
        return (int) Math.min(askedIdleConns(), fit);
    }

    /** The one client JVM of every traffic mode ({@link ClientMain#commands}), started by the first. */
    private Child trafficClient;

    private void traffic(int round, ServerKind s, List<String> modes) throws Exception {
        if (trafficClient == null) {
            trafficClient = Child.start("traffic-client", clientJvm(), ClientMain.class.getName(),
                    List.of(work.resolve("keys").toString()), work.resolve("logs").resolve("traffic-client.log"));
        }
        try (Child server = server(round, s, "traffic")) {
            int port = (int) server.await("LISTENING", 60_000).number("port");
            for (String mode : modes) {
                trafficClient.send(s.id() + " " + port + " " + mode + " " + String.join(" ", clientArgs(mode, round)));
                for (Line l : trafficClient.collectUntil("RESULT", "DONE", 600_000)) {
                    record(round, l);
                }
            }
        }
    }

    /** The idle row's client stack ({@code idleClient=}): closenotify's client over Conscrypt, or over JSSE. */
    private String idleClient() {
        String stack = opts.getOrDefault("idleClient", "conscrypt");
        if (!List.of("conscrypt", "jsse").contains(stack)) {
            throw new IllegalArgumentException("idleClient must be conscrypt or jsse, not " + stack);
        }
        return stack;
    }

    /**
     * How {@code conns} idle connections are shared among client JVMs: as few as the file limit
     * allows, each JVM holding its descriptors (three a connection on Conscrypt) under it.
     */
    static List<Integer> clientShares(int conns, String stack, long fileLimit) {
        int perConn = stack.equals("conscrypt") ? FDS_PER_CONNECTION : 1;
        long fit = Math.max(1, (fileLimit - 1_000) / perConn);
        int jvms = (int) Math.max(1, (conns + fit - 1) / fit);
        List<Integer> shares = new ArrayList<>();
        for (int i = 0; i < jvms; i++) {
            shares.add(conns / jvms + (i < conns % jvms ? 1 : 0));
        }
        return shares;
    }

    private void idle(int round, ServerKind s) throws Exception {
        int conns = idleConns(s);
        String stack = idleClient();
        String clientName = "closenotify-" + stack;
        try (Child server = server(round, s, "idle")) {
            int port = (int) server.await("LISTENING", 60_000).number("port");
            server.send("mem");
            Line before = server.await("MEM", 60_000);
            List<Child> clients = new ArrayList<>();
            try {
                List<Integer> shares = clientShares(conns, stack, Machine.hardFileLimit());
                for (int i = 0; i < shares.size(); i++) {
                    clients.add(client(round, s, port, "idle", List.of("conns=" + shares.get(i), "stack=" + stack),
                            shares.size() == 1 ? "" : "-" + i));
                }
                int ready = 0;
                long resumed = 0;
                double setup = 0;
                String suite = "none";
                for (Child c : clients) {
                    Line r = c.await("READY", 600_000);
                    ready += (int) r.number("conns");
                    resumed += (long) r.number("resumed");
                    setup = Math.max(setup, r.number("setupSeconds"));
                    suite = suite.equals("none") ? r.get("suite") : suite;
                }
                server.send("mem");
                Line after = server.await("MEM", 120_000);
                int held = (int) after.number("conns");
                if (Boolean.parseBoolean(opts.getOrDefault("histogram", "false"))) {
                    histogram(server.pid(), work.resolve("logs").resolve("r" + round + "-" + s.id() + "-idle-histogram.txt"));
                    threadDump(server.pid(), work.resolve("logs").resolve("r" + round + "-" + s.id() + "-idle-threads.txt"));
                }
                double n = Math.max(1, held);
                double heap = (after.number("heap") - before.number("heap")) / n;
                double rss = (after.number("rss") - before.number("rss")) / n;
                record(round, Line.of("RESULT").with("mode", "idle").with("server", s.id())
                        .with("client", clientName).with("protocol", ClientMain.PROTOCOL_TLS13)
                        .with("suite", suite).with("conns", held).with("clientReady", ready)
                        .with("clientResumed", resumed)
                        .with("clientJvms", clients.size()).with("setupSeconds", ClientMain.fmt(setup))
                        .with("asked", askedIdleConns()).with("fdLimit", Machine.hardFileLimit())
                        .with("fdsBefore", before.get("fds")).with("fdsAfter", after.get("fds"))
                        .with("heapPerConn", ClientMain.fmt(heap)).with("nativePerConn", ClientMain.fmt(rss))
                        .with("totalPerConn", ClientMain.fmt(heap + rss))
                        .with("heapBefore", before.get("heap")).with("heapAfter", after.get("heap"))
                        .with("rssBefore", before.get("rss")).with("rssAfter", after.get("rss"))
                        .with("threadsAfter", after.get("threads")).with("serverPid", server.pid()));
                server.send("stop " + opt("stopGraceMs", "10000", "5000"));
                Line stopped = server.await("STOPPED", 120_000);
                Line stop = Line.of("RESULT").with("mode", "stop").with("server", s.id())
                        .with("client", clientName).with("protocol", ClientMain.PROTOCOL_TLS13)
                        .with("suite", suite).with("conns", held);
                for (var e : stopped.fields().entrySet()) {
                    stop = stop.with(e.getKey(), e.getValue());
                }
                // Every client JVM's classification of its closes, summed.
                Map<String, Long> sums = new LinkedHashMap<>();
                for (Child c : clients) {
                    for (Line r : c.collect("RESULT", 600_000)) {
                        for (ClientMain.CloseClass cls : ClientMain.CloseClass.values()) {
                            String k = cls.name().toLowerCase(java.util.Locale.ROOT);
                            sums.merge(k, (long) r.number(k), Long::sum);
                        }
                    }
                }
                for (var e : sums.entrySet()) {
                    String k = e.getKey();
                    stop = stop.with("client" + Character.toUpperCase(k.charAt(0)) + k.substring(1), e.getValue());
                }
                record(round, stop);
            } finally {
                for (Child c : clients) {
                    c.close();
                }
            }
        }
    }

    /** What holds the idle connections' heap: {@code jcmd PID GC.class_histogram}, into {@code file}. */
    private static void histogram(long pid, Path file) throws IOException, InterruptedException {
        Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
        Process p = new ProcessBuilder(jcmd.toString(), String.valueOf(pid), "GC.class_histogram")
                .redirectErrorStream(true).redirectOutput(file.toFile()).start();
        if (!p.waitFor(120, java.util.concurrent.TimeUnit.SECONDS)) {
            p.destroyForcibly();
        }
    }

    /**
     * Where the idle connections' threads wait, virtual threads included: {@code jcmd PID
     * Thread.dump_to_file}, into {@code file}; the frames below a parked read are what its stack
     * chunk holds. One file per run of the same server: an older one is replaced.
     */
    private static void threadDump(long pid, Path file) throws IOException, InterruptedException {
        java.nio.file.Files.deleteIfExists(file);
        Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
        Process p = new ProcessBuilder(jcmd.toString(), String.valueOf(pid), "Thread.dump_to_file",
                file.toAbsolutePath().toString()).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        if (!p.waitFor(120, java.util.concurrent.TimeUnit.SECONDS)) {
            p.destroyForcibly();
        }
    }

    /**
     * {@link TransportFloor}: plain TCP echo, the server in its own JVM waiting for bytes in a
     * virtual thread, a selector or a platform thread; rounds as the other modes (round 0 a
     * warm-up), the order alternating. Each line adds the server's context switches per message.
     */
    private void floor() throws Exception {
        List<String> conns = List.of(opt("floorConns", "1,4", "1").split(","));
        int size = Integer.parseInt(opt("floorSize", "16384", "16384"));
        for (int r = 0; r < rounds(); r++) {
            for (String kind : inRoundOrder(TransportFloor.KINDS, r)) {
                Path log = work.resolve("logs").resolve("r" + r + "-floor-" + kind + "-server.log");
                try (Child server = Child.start("floor-" + kind, List.of("-Xmx512m"), TransportFloor.class.getName(),
                        List.of("server", kind), log)) {
                    Line listening = server.await("LISTENING", 60_000);
                    long pid = (long) listening.number("pid");
                    for (String c : conns) {
                        long before = Machine.contextSwitches(pid);
                        Line result;
                        try (Child client = Child.start("floor-client", clientJvm(), TransportFloor.class.getName(),
                                List.of("client", listening.get("port"), c, String.valueOf(size),
                                        opt("echoWarmupMs", "200", "50"), opt("echoMeasureMs", "600", "200")),
                                work.resolve("logs").resolve("r" + r + "-floor-" + kind + "-client.log"))) {
                            result = client.await("RESULT", 120_000);
                        }
                        long after = Machine.contextSwitches(pid);
                        double msgs = Math.max(1, result.number("roundTrips")); // the warm-up's switch too
                        record(r, result.with("kind", kind).with("csPerMsg",
                                before < 0 || after < 0 ? "NaN" : ClientMain.fmt((after - before) / msgs)));
                    }
                }
            }
        }
    }

    /**
     * JMH in rounds ({@code jmhRounds}, 3): in each, one JMH run per provider and size with one fork
     * of {@code bare} and then one of {@code core}, back to back, so that each round's ratio compares
     * two forks measured seconds apart. The spread between forks (what each JIT made of the stack)
     * is as large as the core's cost at 64 B, and the rounds show it.
     */
    private void jmh() throws Exception {
        List<String> providers = List.of(opt("jmhProviders", "jsse,conscrypt", "jsse").split(","));
        List<String> sizes = List.of(opt("jmhSizes", "64,16384", "1024").split(","));
        int rounds = Integer.parseInt(opt("jmhRounds", "3", "1"));
        for (int round = 1; round <= rounds; round++) {
            for (String provider : providers) {
                for (String size : sizes) {
                    String cell = "r" + round + "-" + provider + "-" + size;
                    Path csv = work.resolve("logs").resolve("jmh-" + cell + ".csv");
                    List<String> args = new ArrayList<>(List.of(CoreRecordBenchmark.class.getName() + ".*",
                            "-p", "provider=" + provider, "-p", "size=" + size, "-rf", "csv", "-rff", csv.toString(),
                            "-o", work.resolve("logs").resolve("jmh-" + cell + "-output.txt").toString()));
                    if (smoke) {
                        args.addAll(List.of("-f", "0", "-wi", "0", "-i", "1", "-r", "100ms"));
                    } else {
                        // Warm-up seconds: after one, SunJSSE's record path is still being compiled (its
                        // iterations fell from 19.6 to 2.8 µs within one fork at a load average of 7);
                        // Conscrypt's Java side is small and steady after two.
                        String warmups = opts.getOrDefault("jmhWarmups", provider.equals("conscrypt") ? "3" : "5");
                        args.addAll(List.of("-f", "1", "-wi", warmups, "-w", "1s",
                                "-i", opts.getOrDefault("jmhIterations", "2"), "-r", "1s"));
                    }
                    try (Child jmh = Child.start("jmh-" + cell, List.of("--enable-native-access=ALL-UNNAMED"),
                            "org.openjdk.jmh.Main", args, work.resolve("logs").resolve("jmh-" + cell + ".log"))) {
                        jmh.collect("RESULT", 600_000);
                    }
                    for (Line l : CoreRecordBenchmark.parseCsv(Files.readAllLines(csv))) {
                        record(round, l);
                    }
                }
            }
        }
    }
}

package dev.closenotify.cluster;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.closenotify.tck.support.TestCertificates;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Echo server nodes (the server's executable jar, one process each, one shared key pair) behind
 * HAProxy running {@code deploy/haproxy/haproxy.cfg} as it is, everything on 127.0.0.1 on ports
 * picked at start. {@link #close()} stops every process by its id.
 */
final class Cluster implements AutoCloseable {
    static final String BACKEND = "echo";
    static final List<String> NODES = List.of("n1", "n2", "n3");
    static final Duration WAIT = Duration.ofSeconds(30);
    /** The server's graceful stop: how long peers may take to answer its close_notify. */
    static final Duration GRACE = Duration.ofSeconds(10);
    static final List<String> NODE_JVM_OPTIONS = List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC");
    private static final Pattern STOPPED = Pattern.compile(
            "closenotify echo server \\S+ stopped: .* bytes in=(\\d+) out=(\\d+) echoed=(\\d+) discarded=(\\d+) unread=(\\d+)");

    /**
     * What one node process reported at its graceful stop.
     *
     * @param node the node
     * @param line the whole stop line
     * @param echoed application bytes echoed over the process' life
     * @param discarded application bytes read after its close_notify and discarded
     * @param unread TLS bytes dropped undecrypted after its close_notify (a READ_AFTER_SENT-gap node)
     */
    record StopLine(String node, String line, long echoed, long discarded, long unread) {}

    final String provider;
    final Path dir;
    final InetSocketAddress frontend;
    final Map<String, Integer> nodePorts;
    final NodeProcesses processes;
    final HaproxyAdmin admin;
    /** Application bytes the clients got back, and bytes they wrote that a stopping node discarded. */
    final AtomicLong echoedToClients = new AtomicLong();
    final AtomicLong discardedFromClients = new AtomicLong();
    private Process haproxy;

    private Cluster(String provider, Path dir, InetSocketAddress frontend, Map<String, Integer> nodePorts,
            NodeProcesses processes, HaproxyAdmin admin) {
        this.provider = provider;
        this.dir = dir;
        this.frontend = frontend;
        this.nodePorts = nodePorts;
        this.processes = processes;
        this.admin = admin;
    }

    /** The server jar the nodes run. */
    static Path serverJar() {
        Path jar = Path.of(System.getProperty("cluster.serverJar", "../server/target/closenotify-server.jar"));
        assertTrue(Files.isRegularFile(jar), jar + " is missing: build it with ./mvnw -pl server -am package -DskipTests");
        return jar;
    }

    static Path haproxyConfig() {
        Path config = Path.of(System.getProperty("cluster.haproxyConfig", "../deploy/haproxy/haproxy.cfg"));
        assertTrue(Files.isRegularFile(config), config + " is missing");
        return config;
    }

    static String haproxyBinary() {
        for (String candidate : List.of("/usr/sbin/haproxy", "/usr/local/sbin/haproxy", "/usr/bin/haproxy")) {
            if (Files.isExecutable(Path.of(candidate))) {
                return candidate;
            }
        }
        throw new AssertionError("haproxy is not installed: apt-get install -y haproxy (.ci/run installs it)");
    }

    /** Starts three nodes of {@code provider} and HAProxy in front of them; everything's files go to {@code dir}. */
    static Cluster start(String provider, Path dir) throws Exception {
        TestCertificates.PemFiles pem = TestCertificates.get().writePem(dir.resolve("pem"));
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        // C1 only and the serial collector: a node starts in about half the CPU time, which matters
        // on a small shared CI machine more than peak throughput does.
        String template = java + " " + String.join(" ", NODE_JVM_OPTIONS) + " -jar " + serverJar() + " --provider " + provider + " --host {host} --port {port}"
                + " --cert " + pem.serverCertificate() + " --key " + pem.serverKey() + " --grace " + GRACE.toSeconds() + "s";
        Path run = dir.resolve("run");
        NodeProcesses processes = new NodeProcesses(run, template, WAIT, GRACE.plusSeconds(15));
        Map<String, Integer> ports = new LinkedHashMap<>();
        for (String node : NODES) {
            ports.put(node, freePort());
        }
        InetSocketAddress frontend = new InetSocketAddress(InetAddress.getLoopbackAddress(), freePort());
        // A short path: UNIX socket paths are limited to 107 bytes, and @TempDir paths can be long.
        Path socket = Files.createTempDirectory(Path.of("/tmp"), "cn-haproxy").resolve("admin.sock");
        Cluster cluster = new Cluster(provider, dir, frontend, ports, processes, new HaproxyAdmin(socket, Duration.ofSeconds(10)));
        try {
            List<CompletableFuture<Long>> starting = new ArrayList<>();
            for (String node : NODES) {
                starting.add(CompletableFuture.supplyAsync(() -> {
                    try {
                        return processes.start(node, "127.0.0.1", ports.get(node));
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                }, r -> Thread.ofVirtual().start(r)));
            }
            for (CompletableFuture<Long> f : starting) {
                f.get(WAIT.toMillis() + 5_000, TimeUnit.MILLISECONDS);
            }
            cluster.startHaproxy();
        } catch (Throwable t) {
            cluster.close();
            throw t;
        }
        return cluster;
    }

    private void startHaproxy() throws Exception {
        Path config = haproxyConfig();
        ProcessBuilder pb = new ProcessBuilder(haproxyBinary(), "-db", "-f", config.toString())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("haproxy.log").toFile());
        Map<String, String> env = pb.environment();
        env.put("CN_FRONTEND", "127.0.0.1:" + frontend.getPort());
        env.put("CN_ADMIN_SOCKET", admin.socket().toString());
        for (int i = 0; i < NODES.size(); i++) {
            env.put("CN_NODE" + (i + 1), "127.0.0.1:" + nodePorts.get(NODES.get(i)));
        }
        haproxy = pb.start();
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (true) {
            if (!haproxy.isAlive()) {
                throw new AssertionError("haproxy ended with " + haproxy.exitValue() + ": " + haproxyLog());
            }
            try {
                if (admin.stats(BACKEND).stream().allMatch(HaproxyAdmin.ServerStat::up)) {
                    return;
                }
            } catch (IOException notYet) {
                // The socket is not there yet.
            }
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("haproxy did not report every node UP within " + WAIT + ": " + haproxyLog());
            }
            haproxy.waitFor(50, TimeUnit.MILLISECONDS);
        }
    }

    String haproxyLog() {
        try {
            return Files.readString(dir.resolve("haproxy.log"), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(no haproxy.log)";
        }
    }

    /** Connections HAProxy has sent to each node so far ({@code stot}), by node. */
    Map<String, Long> totals() throws IOException {
        Map<String, Long> totals = new LinkedHashMap<>();
        for (HaproxyAdmin.ServerStat s : admin.stats(BACKEND)) {
            totals.put(s.name(), s.total());
        }
        return totals;
    }

    /** The live process of each node, from the pid files. */
    Map<String, Long> pids() throws IOException {
        Map<String, Long> pids = new LinkedHashMap<>();
        for (String node : NODES) {
            processes.pid(node).ifPresent(pid -> pids.put(node, pid));
        }
        return pids;
    }

    /** Stops every node gracefully (SIGTERM) and returns the node whose process did not end on its own, if any. */
    List<String> stopNodes() throws Exception {
        List<CompletableFuture<Boolean>> stops = new ArrayList<>();
        for (String node : NODES) {
            stops.add(CompletableFuture.supplyAsync(() -> {
                try {
                    return processes.stop(node).map(NodeProcesses.Stopped::graceful).orElse(true);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }, r -> Thread.ofVirtual().start(r)));
        }
        List<String> forced = new ArrayList<>();
        for (int i = 0; i < NODES.size(); i++) {
            if (!stops.get(i).get(GRACE.toMillis() + 30_000, TimeUnit.MILLISECONDS)) {
                forced.add(NODES.get(i));
            }
        }
        return forced;
    }

    /** The stop lines every node process wrote so far (one per process that stopped gracefully). */
    List<StopLine> stopLines() throws IOException {
        List<StopLine> lines = new ArrayList<>();
        for (String node : NODES) {
            Path log = processes.log(node);
            if (!Files.exists(log)) {
                continue;
            }
            for (String line : Files.readAllLines(log, StandardCharsets.UTF_8)) {
                Matcher m = STOPPED.matcher(line);
                if (m.find()) {
                    lines.add(new StopLine(node, line, Long.parseLong(m.group(3)), Long.parseLong(m.group(4)),
                            Long.parseLong(m.group(5))));
                }
            }
        }
        return lines;
    }

    /** The whole stderr of {@code node}, across its restarts. */
    String nodeLog(String node) {
        try {
            return Files.readString(processes.log(node), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(no log)";
        }
    }

    @Override
    public void close() {
        // The nodes first, by their process ids (SIGTERM to all, then wait; kill what is left); HAProxy after.
        List<ProcessHandle> nodes = new ArrayList<>();
        for (String node : NODES) {
            try {
                processes.pid(node).flatMap(ProcessHandle::of).ifPresent(nodes::add);
            } catch (IOException e) {
                // A pid file that cannot be read names no process of ours.
            }
        }
        nodes.forEach(ProcessHandle::destroy);
        for (ProcessHandle p : nodes) {
            try {
                p.onExit().get(GRACE.toMillis() + 5_000, TimeUnit.MILLISECONDS);
            } catch (Exception e) {
                p.destroyForcibly();
            }
        }
        if (haproxy != null) {
            haproxy.destroy();
            try {
                if (!haproxy.waitFor(10, TimeUnit.SECONDS)) {
                    haproxy.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                haproxy.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
        try {
            Files.deleteIfExists(admin.socket());
            Files.deleteIfExists(admin.socket().getParent());
        } catch (IOException e) {
            // Only a leftover in /tmp.
        }
    }

    /** A port free now on 127.0.0.1 (bound to port 0, read, closed). */
    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            return s.getLocalPort();
        }
    }
}

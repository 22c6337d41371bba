package dev.closenotify.cluster;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Restarts the echo server nodes behind HAProxy one at a time, through HAProxy's runtime API, so
 * that no client loses a byte (docs/CLUSTER.md). For each node: {@code set server B/N state drain}
 * (no new connections; open ones go on), wait until its current sessions reach 0 or the drain
 * deadline, stop it gracefully (SIGTERM: the server echoes what it read, sends close_notify to
 * every connection and waits for the answers), start it again, wait for its {@code listening on}
 * line, {@code set server B/N state ready}, and wait until HAProxy reports it {@code UP}.
 *
 * <pre>
 * java -cp closenotify-cluster.jar dev.closenotify.cluster.RollingRestart \
 *     --socket /run/cn/admin.sock --backend echo --run-dir /run/cn \
 *     --start 'java -jar closenotify-server.jar --port {port} --cert c.pem --key k.pem'
 * </pre>
 *
 * <p>Exit codes: 0 when every node was restarted and is up, 1 when a step failed (the message says
 * which; the nodes after it are left alone), 2 for a bad command line.
 */
public final class RollingRestart {
    static final String USAGE = """
            Usage: java -cp closenotify-cluster.jar dev.closenotify.cluster.RollingRestart [options]

            Restarts the echo server nodes of an HAProxy backend one at a time: drain, wait until
            the node's sessions reach 0 (or --drain-timeout), stop it with SIGTERM (graceful:
            close_notify to every connection), start it again, mark it ready, wait until it is UP.

              --socket FILE          HAProxy's runtime API socket (stats socket ... level admin)
              --backend NAME         the backend of the nodes (default echo)
              --run-dir DIR          where the nodes' NAME.pid, NAME.out and NAME.log are
              --start COMMAND        how a node starts, run by /bin/sh -c "exec COMMAND"; {name},
                                     {host} and {port} are replaced by the node's, from HAProxy
              --nodes A,B,...        the nodes to restart, in order (default: every server of
                                     the backend, in configuration order)
              --drain-timeout TIME   longest wait for a drained node's sessions to end (default 30s)
              --stop-timeout TIME    longest wait for a node to end after SIGTERM before it is
                                     killed; keep it above the server's --grace (default 30s)
              --start-timeout TIME   longest wait for a node's listening line (default 60s)
              --up-timeout TIME      longest wait for HAProxy to report a ready node UP (default 30s)
              --help                 this text

            TIME: 500ms, 10s, 5m, or a plain number of seconds.
            Exit codes: 0 all nodes restarted and up, 1 a step failed, 2 a bad command line.
            """;

    static final Duration DEFAULT_DRAIN_TIMEOUT = Duration.ofSeconds(30);
    static final Duration DEFAULT_STOP_TIMEOUT = Duration.ofSeconds(30);
    static final Duration DEFAULT_START_TIMEOUT = Duration.ofSeconds(60);
    static final Duration DEFAULT_UP_TIMEOUT = Duration.ofSeconds(30);
    static final Duration POLL = Duration.ofMillis(100);
    private static final Duration ADMIN_TIMEOUT = Duration.ofSeconds(10);
    private static final Pattern TIME = Pattern.compile("(\\d+)(ms|s|m|h)?");

    /**
     * What the restart of one node did.
     *
     * @param node the server's name in the backend
     * @param sessionsAtDrain HAProxy's current sessions of the node when it was drained
     * @param sessionsAtStop its current sessions when it was stopped (0 unless the drain deadline expired)
     * @param drained how long the drain waited
     * @param stopped how the old process ended; empty if none was running
     * @param newPid the new process
     * @param upAfter from the start of the new process until HAProxy reported it UP
     */
    record NodeRestart(String node, int sessionsAtDrain, int sessionsAtStop, Duration drained,
                       Optional<NodeProcesses.Stopped> stopped, long newPid, Duration upAfter) {
        String summary() {
            return node + ": drained " + sessionsAtDrain + " -> " + sessionsAtStop + " session(s) in "
                    + drained.toMillis() + " ms; "
                    + stopped.map(s -> "stopped pid " + s.pid() + (s.graceful() ? " gracefully" : " BY FORCE")
                    + " in " + s.took().toMillis() + " ms").orElse("was not running")
                    + "; started pid " + newPid + ", UP after " + upAfter.toMillis() + " ms";
        }
    }

    /**
     * The settings of one run.
     *
     * @param backend the backend of the nodes
     * @param nodes the nodes to restart, in order; empty for every server of the backend
     * @param drainTimeout longest wait for a drained node's sessions to end
     * @param upTimeout longest wait for HAProxy to report a ready node UP
     */
    record Settings(String backend, List<String> nodes, Duration drainTimeout, Duration upTimeout) {
        Settings {
            Objects.requireNonNull(backend, "backend");
            nodes = List.copyOf(nodes);
            Objects.requireNonNull(drainTimeout, "drainTimeout");
            Objects.requireNonNull(upTimeout, "upTimeout");
        }
    }

    private RollingRestart() {
    }

    /** Runs the tool; see {@link RollingRestart} and {@code --help}. */
    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /** The command line: progress to {@code out}, errors to {@code err}; returns the exit code. */
    static int run(String[] args, PrintStream out, PrintStream err) {
        Path socket = null;
        Path runDir = null;
        String start = null;
        String backend = "echo";
        List<String> nodes = List.of();
        Duration drain = DEFAULT_DRAIN_TIMEOUT;
        Duration stop = DEFAULT_STOP_TIMEOUT;
        Duration startTimeout = DEFAULT_START_TIMEOUT;
        Duration up = DEFAULT_UP_TIMEOUT;
        try {
            for (int i = 0; i < args.length; i++) {
                String name = args[i];
                String value = null;
                int eq = name.indexOf('=');
                if (name.startsWith("--") && eq > 0) {
                    value = name.substring(eq + 1);
                    name = name.substring(0, eq);
                }
                if (name.equals("--help")) {
                    out.print(USAGE);
                    return 0;
                }
                if (value == null) {
                    if (i + 1 >= args.length) {
                        throw new IllegalArgumentException(name + " needs a value");
                    }
                    value = args[++i];
                }
                switch (name) {
                    case "--socket" -> socket = Path.of(value);
                    case "--run-dir" -> runDir = Path.of(value);
                    case "--start" -> start = value;
                    case "--backend" -> backend = value;
                    case "--nodes" -> nodes = Arrays.stream(value.split(",")).map(String::strip).filter(s -> !s.isEmpty()).toList();
                    case "--drain-timeout" -> drain = time(name, value);
                    case "--stop-timeout" -> stop = time(name, value);
                    case "--start-timeout" -> startTimeout = time(name, value);
                    case "--up-timeout" -> up = time(name, value);
                    default -> throw new IllegalArgumentException("unknown option '" + name + "' (see --help)");
                }
            }
            if (socket == null || runDir == null || start == null) {
                throw new IllegalArgumentException("--socket, --run-dir and --start are required (see --help)");
            }
        } catch (IllegalArgumentException e) {
            err.println("rolling-restart: " + e.getMessage());
            return 2;
        }
        HaproxyAdmin admin = new HaproxyAdmin(socket, ADMIN_TIMEOUT);
        NodeProcesses processes = new NodeProcesses(runDir, start, startTimeout, stop);
        try {
            List<NodeRestart> done = restart(admin, processes, new Settings(backend, nodes, drain, up), out::println);
            out.println("rolling-restart: " + done.size() + " node(s) restarted");
            return 0;
        } catch (IOException e) {
            err.println("rolling-restart: FAILED: " + e.getMessage());
            return 1;
        }
    }

    /**
     * Restarts the nodes of {@code settings} one after the other; {@code progress} gets one line
     * per step. Stops at the first failure, leaving the nodes after it alone.
     */
    static List<NodeRestart> restart(HaproxyAdmin admin, NodeProcesses processes, Settings settings,
            Consumer<String> progress) throws IOException {
        String backend = settings.backend();
        List<HaproxyAdmin.ServerAddress> addresses = admin.addresses(backend);
        List<String> order = settings.nodes().isEmpty()
                ? addresses.stream().map(HaproxyAdmin.ServerAddress::name).toList() : settings.nodes();
        for (String node : order) {
            if (addresses.stream().noneMatch(a -> a.name().equals(node))) {
                throw new IOException("no server '" + node + "' in backend '" + backend + "' (servers: "
                        + addresses.stream().map(HaproxyAdmin.ServerAddress::name).toList() + ")");
            }
        }
        List<NodeRestart> done = new ArrayList<>();
        for (String node : order) {
            HaproxyAdmin.ServerAddress where = addresses.stream().filter(a -> a.name().equals(node)).findFirst().orElseThrow();
            // Draining the only node that is up would leave the clients with nowhere to go.
            List<HaproxyAdmin.ServerStat> stats = admin.stats(backend);
            if (stats.size() > 1 && stats.stream().noneMatch(s -> !s.name().equals(node) && s.up())) {
                throw new IOException("not restarting " + node + ": no other server of '" + backend + "' is UP " + stats);
            }
            int atDrain = admin.stat(backend, node).sessions();
            admin.setState(backend, node, HaproxyAdmin.State.DRAIN);
            progress.accept(node + ": drain, " + atDrain + " session(s)");
            long drainStart = System.nanoTime();
            int sessions = atDrain;
            while (sessions > 0 && System.nanoTime() - drainStart < settings.drainTimeout().toNanos()) {
                pause();
                sessions = admin.stat(backend, node).sessions();
            }
            Duration drained = Duration.ofNanos(System.nanoTime() - drainStart);
            progress.accept(node + ": " + sessions + " session(s) left after " + drained.toMillis() + " ms; stopping");
            Optional<NodeProcesses.Stopped> stopped = processes.stop(node);
            long started = System.nanoTime();
            long pid = processes.start(node, where.host(), where.port());
            progress.accept(node + ": started pid " + pid + " on " + where.host() + ":" + where.port());
            admin.setState(backend, node, HaproxyAdmin.State.READY);
            HaproxyAdmin.ServerStat now = admin.stat(backend, node);
            while (!now.up()) {
                if (System.nanoTime() - started > settings.upTimeout().toNanos()) {
                    throw new IOException(node + " is not UP " + settings.upTimeout() + " after its start: " + now);
                }
                pause();
                now = admin.stat(backend, node);
            }
            NodeRestart r = new NodeRestart(node, atDrain, sessions, drained, stopped, pid,
                    Duration.ofNanos(System.nanoTime() - started));
            progress.accept(r.summary());
            done.add(r);
        }
        return done;
    }

    private static void pause() throws IOException {
        try {
            Thread.sleep(POLL);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    static Duration time(String option, String value) {
        Matcher m = TIME.matcher(value.strip());
        if (!m.matches()) {
            throw new IllegalArgumentException(option + ": '" + value + "' is not a time (500ms, 10s, 5m, 1h)");
        }
        long n = Long.parseLong(m.group(1));
        String unit = m.group(2) == null ? "s" : m.group(2);
        return switch (unit) {
            case "ms" -> Duration.ofMillis(n);
            case "m" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            default -> Duration.ofSeconds(n);
        };
    }
}

package dev.closenotify.cluster;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.closenotify.spi.SessionFacts;
import dev.closenotify.spi.TlsContext;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.AfterParameterizedClassInvocation;
import org.junit.jupiter.params.BeforeParameterizedClassInvocation;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Three echo server nodes of one provider behind HAProxy, one cluster per provider (a cluster
 * start costs seconds of CPU), its tests in order: sticky resumption, a drained node's client
 * moving, rolling restarts under load, and last the nodes' own counters against the clients'.
 * Which providers and protocols run comes from {@code cluster.matrix} ({@link Matrix}).
 */
@ParameterizedClass(name = "nodes=clients={0}")
@MethodSource("dev.closenotify.cluster.Matrix#providers")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 150, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ClusterTest {
    static final int STICKY_CLIENTS = 6;
    static final int LOAD_CLIENTS = 6;
    static final Duration PACE = Duration.ofMillis(15);
    static final long MAX_MESSAGES = 20_000;
    static final Duration MAX_TIME = Duration.ofSeconds(90);
    /** Short on purpose: some connections outlive it and get the node's close_notify mid-stream. */
    static final Duration DRAIN = Duration.ofMillis(1500);
    static final Duration WAIT = Duration.ofSeconds(30);

    @Parameter
    String provider;

    Cluster cluster;
    /** Node processes started so far: each must write one stop report. */
    int nodeProcesses = Cluster.NODES.size();
    /** Loopback addresses handed out so far: each simulated client has its own. */
    int nextSource = 20;

    @BeforeParameterizedClassInvocation(injectArguments = false)
    void startCluster(@TempDir Path dir) throws Exception {
        // One instance serves every invocation of the class (PER_CLASS): the state starts afresh here.
        nodeProcesses = Cluster.NODES.size();
        nextSource = 20;
        cluster = null;
        cluster = Cluster.start(provider, dir.resolve(provider));
    }

    @AfterParameterizedClassInvocation
    void stopCluster() {
        if (cluster != null) {
            cluster.close();
            cluster = null;
        }
    }

    @Test
    @Order(1)
    void reconnectsResumeOnTheNodeThatIssuedTheSession() throws Exception {
        List<Executable> checks = new ArrayList<>();
        for (String protocol : Matrix.PROTOCOLS) {
            int resumed = 0;
            Set<String> nodes = new HashSet<>();
            List<String> seen = new ArrayList<>();
            for (int i = 0; i < STICKY_CLIENTS; i++) {
                InetAddress source = Clients.loopback(nextSource++);
                TlsContext context = Clients.context(provider, protocol);
                Map<String, Long> before = cluster.totals();
                SessionFacts first = Clients.roundTrip(cluster, context, source);
                String firstNode = newConnectionOn(before, cluster.totals());
                before = cluster.totals();
                SessionFacts second = Clients.roundTrip(cluster, context, source);
                String secondNode = newConnectionOn(before, cluster.totals());
                seen.add(source.getHostAddress() + " " + firstNode + (first.resumed() ? "(resumed)" : "(full)")
                        + " -> " + secondNode + (second.resumed() ? "(resumed)" : "(full)"));
                assertEquals(firstNode, secondNode, protocol + ": sticky: " + seen);
                assertFalse(first.resumed(), protocol + ": a new client's first handshake is full: " + seen);
                assertEquals(protocol, second.protocol());
                nodes.add(firstNode);
                if (second.resumed()) {
                    resumed++;
                }
            }
            int r = resumed;
            System.out.println("sticky " + provider + " " + protocol + ": " + r + "/" + STICKY_CLIENTS + " resumed: " + seen);
            checks.add(() -> assertTrue(nodes.size() >= 2,
                    protocol + ": " + STICKY_CLIENTS + " client addresses are spread over the nodes: " + seen));
            if (!Clients.resumesTls13(provider) && protocol.equals("TLSv1.3")) {
                // Declared gap RESUMPTION_TLS13 (bctls has none): every handshake is full.
                checks.add(() -> assertEquals(0, r, protocol + ": RESUMPTION_TLS13 gap: full handshakes only: " + seen));
            } else {
                checks.add(() -> assertTrue(r >= STICKY_CLIENTS - 1, protocol + ": at least " + (STICKY_CLIENTS - 1)
                        + " of " + STICKY_CLIENTS + " reconnects resumed: " + seen));
            }
        }
        assertAll(provider, checks);
    }

    @Test
    @Order(2)
    void aDrainedNodesClientMovesAndMakesAFullHandshake() throws Exception {
        for (String protocol : Matrix.PROTOCOLS) {
            InetAddress from = Clients.loopback(nextSource++);
            TlsContext context = Clients.context(provider, protocol);
            Map<String, Long> before = cluster.totals();
            Clients.roundTrip(cluster, context, from);
            String home = newConnectionOn(before, cluster.totals());

            cluster.admin.setState(Cluster.BACKEND, home, HaproxyAdmin.State.DRAIN);
            before = cluster.totals();
            SessionFacts moved = Clients.roundTrip(cluster, context, from);
            String other = newConnectionOn(before, cluster.totals());
            assertNotEquals(home, other, protocol + ": a drained node gets no new connection");
            assertFalse(moved.resumed(), protocol + ": " + other + " cannot resume a session of " + home);
            // On its new node (the home node still drained) the client's next connections resume
            // there at once: the refused session is forgotten after the full handshake (Conscrypt's
            // client cache would offer it forever otherwise; see provider-conscrypt's README).
            List<Boolean> next = new ArrayList<>();
            for (int k = 0; k < 4; k++) {
                before = cluster.totals();
                next.add(Clients.roundTrip(cluster, context, from).resumed());
                assertEquals(other, newConnectionOn(before, cluster.totals()), protocol + ": sticky to the new node");
            }
            String seen = protocol + ": " + home + " -> " + other + ", then resumed " + next;
            System.out.println("moved " + provider + " " + seen);
            if (!Clients.resumesTls13(provider) && protocol.equals("TLSv1.3")) {
                assertEquals(List.of(false, false, false, false), next, seen + " (RESUMPTION_TLS13 gap)");
            } else {
                assertEquals(List.of(true, true, true, true), next, seen);
            }

            // Back to ready: consistent hashing brings the client home again.
            cluster.admin.setState(Cluster.BACKEND, home, HaproxyAdmin.State.READY);
            before = cluster.totals();
            Clients.roundTrip(cluster, context, from);
            assertEquals(home, newConnectionOn(before, cluster.totals()), protocol + ": home again after ready");
        }
    }

    @Test
    @Order(2)
    void whatHaproxyRefusesIsNamed() throws Exception {
        IOException refused = assertThrows(IOException.class,
                () -> cluster.admin.setState(Cluster.BACKEND, "n9", HaproxyAdmin.State.DRAIN));
        assertEquals("HAProxy refused 'set server echo/n9 state drain': No such server.", refused.getMessage());

        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit = RollingRestart.run(new String[] {"--socket", cluster.admin.socket().toString(), "--run-dir",
                cluster.processes.runDir().toString(), "--start", "true", "--nodes", "n1,n9"},
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        assertEquals(1, exit);
        assertEquals("rolling-restart: FAILED: no server 'n9' in backend 'echo' (servers: [n1, n2, n3])\n",
                err.toString(StandardCharsets.UTF_8), "checked before any node is touched");
        assertTrue(cluster.admin.stats(Cluster.BACKEND).stream().allMatch(HaproxyAdmin.ServerStat::up), "every node still UP");
    }

    @Test
    @Order(2)
    void theToolDoesNotDrainTheLastNodeThatIsUp() throws Exception {
        cluster.admin.setState(Cluster.BACKEND, "n2", HaproxyAdmin.State.MAINT);
        cluster.admin.setState(Cluster.BACKEND, "n3", HaproxyAdmin.State.MAINT);
        try {
            Map<String, Long> pids = cluster.pids();
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            int exit = RollingRestart.run(new String[] {"--socket", cluster.admin.socket().toString(), "--run-dir",
                    cluster.processes.runDir().toString(), "--start", cluster.processes.template(), "--nodes", "n1"},
                    new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
                    new PrintStream(err, true, StandardCharsets.UTF_8));
            assertEquals(1, exit);
            assertTrue(err.toString(StandardCharsets.UTF_8).startsWith(
                    "rolling-restart: FAILED: not restarting n1: no other server of 'echo' is UP"), err.toString(StandardCharsets.UTF_8));
            assertEquals(pids, cluster.pids(), "no node was touched");
            assertEquals("UP", cluster.admin.stat(Cluster.BACKEND, "n1").status());
        } finally {
            cluster.admin.setState(Cluster.BACKEND, "n2", HaproxyAdmin.State.READY);
            cluster.admin.setState(Cluster.BACKEND, "n3", HaproxyAdmin.State.READY);
        }
        await().atMost(WAIT).alias("every node UP again").until(
                () -> cluster.admin.stats(Cluster.BACKEND).stream().allMatch(HaproxyAdmin.ServerStat::up));
    }

    Stream<Arguments> rollingProtocols() {
        return Matrix.rollingProtocols(provider).stream().map(Arguments::of);
    }

    @ParameterizedTest(name = "{0}", allowZeroInvocations = true)
    @MethodSource("rollingProtocols")
    @Order(3)
    void rollingRestartUnderLoadLosesNothing(String protocol) throws Exception {
        List<LoadClient> clients = new ArrayList<>();
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < LOAD_CLIENTS; i++) {
            clients.add(new LoadClient(i, Clients.loopback(nextSource++), Clients.context(provider, protocol),
                    cluster.frontend, PACE, MAX_MESSAGES, MAX_TIME, i == 0));
        }
        List<String> progress = new CopyOnWriteArrayList<>();
        int exit = -1;
        int newProcesses = 0;
        try {
            for (LoadClient c : clients) {
                threads.add(Thread.ofVirtual().name("load-client-" + c.id).start(c));
            }
            await().atMost(WAIT).alias("every client is under way").until(
                    () -> clients.stream().allMatch(c -> c.echoed.get() >= 5 || !c.failures.isEmpty()));
            // The tool as a user runs it: its command line, against HAProxy's admin socket.
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            Map<String, Long> before = cluster.pids();
            exit = RollingRestart.run(new String[] {
                    "--socket", cluster.admin.socket().toString(), "--backend", Cluster.BACKEND,
                    "--run-dir", cluster.processes.runDir().toString(), "--start", cluster.processes.template(),
                    "--drain-timeout", DRAIN.toMillis() + "ms", "--stop-timeout", cluster.processes.stopTimeout().toSeconds() + "s",
                    "--up-timeout", WAIT.toSeconds() + "s"},
                    new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
            progress.addAll(out.toString(StandardCharsets.UTF_8).lines().toList());
            progress.addAll(err.toString(StandardCharsets.UTF_8).lines().toList());
            Map<String, Long> after = cluster.pids();
            for (String node : Cluster.NODES) {
                if (after.containsKey(node) && !after.get(node).equals(before.get(node))) {
                    newProcesses++;
                }
            }
            nodeProcesses += newProcesses;
            // The restarted cluster serves everyone again.
            List<Long> echoedAfterRestart = clients.stream().map(c -> c.echoed.get()).toList();
            await().atMost(WAIT).alias("every client goes on after the restart").until(() -> {
                for (int i = 0; i < clients.size(); i++) {
                    LoadClient c = clients.get(i);
                    if (c.echoed.get() < echoedAfterRestart.get(i) + 5 && c.failures.isEmpty()) {
                        return false;
                    }
                }
                return true;
            });
        } finally {
            clients.forEach(LoadClient::stop);
            for (Thread t : threads) {
                t.join(WAIT.toMillis());
            }
            for (LoadClient c : clients) {
                cluster.echoedToClients.addAndGet(c.echoedBytes.get());
                cluster.discardedFromClients.addAndGet(c.unechoedBytes.get());
            }
        }
        String report = "\n  " + String.join("\n  ", progress) + "\n  "
                + clients.stream().map(LoadClient::summary).collect(Collectors.joining("\n  "));
        System.out.println("rolling restart " + provider + " " + protocol + ":" + report);

        List<Executable> checks = new ArrayList<>();
        int code = exit;
        int fresh = newProcesses;
        checks.add(() -> assertEquals(0, code, "the rolling restart's exit code" + report));
        checks.add(() -> assertEquals(Cluster.NODES.size(), fresh, "every node runs a new process (pid files)" + report));
        for (String node : Cluster.NODES) {
            // "n1: drained 2 -> 1 session(s) in 1556 ms; stopped pid 26131 gracefully in 358 ms; started pid 26464, UP after 2606 ms"
            Pattern done = Pattern.compile(Pattern.quote(node) + ": drained \\d+ -> \\d+ session\\(s\\) in \\d+ ms; "
                    + "stopped pid (\\d+) gracefully in \\d+ ms; started pid (\\d+), UP after \\d+ ms");
            checks.add(() -> {
                Matcher m = progress.stream().map(done::matcher).filter(Matcher::matches).findFirst()
                        .orElseThrow(() -> new AssertionError(node + " drained, stopped gracefully, started, UP" + report));
                assertNotEquals(m.group(1), m.group(2), node + " runs a new process" + report);
            });
        }
        for (Thread t : threads) {
            checks.add(() -> assertFalse(t.isAlive(), t.getName() + " ended" + report));
        }
        // Client 0 never ends a connection on its own: whichever node it is on, the drain deadline
        // expires under it, so the resend path surely ran.
        checks.add(() -> assertTrue(clients.get(0).closedByNode.get() >= 1,
                "a node's close_notify reached a client before an echo, and the client sent again" + report));
        List<String> failures = clients.stream().flatMap(c -> c.failures.stream()).map(Throwable::getMessage).toList();
        checks.add(() -> assertEquals(List.of(), failures, "no truncation, reset or wrong echo" + report));
        for (LoadClient c : clients) {
            checks.add(() -> assertEquals(c.messages.get(), c.echoed.get(),
                    "every message of client " + c.id + " echoed exactly once" + report));
            checks.add(() -> assertEquals(c.connections.get(), c.clean.get(),
                    "every connection of client " + c.id + " ended as the contract says" + report));
        }
        assertAll(provider + " " + protocol, checks);
    }

    /**
     * Last: every node stopped gracefully, and the nodes' own counters (one stop report per
     * process) agree with the clients' to the byte: what the nodes echoed is what the clients got
     * back, what they discarded after their close_notify is what the clients sent again. Nothing
     * was lost or doubled on any node, including across the restarts. A node that cannot read after
     * its close_notify (READ_AFTER_SENT gap) decrypts nothing then: it discards no application byte,
     * and the TLS bytes it drops unread carry at least what the clients sent again.
     */
    @Test
    @Order(4)
    void theNodesEchoedExactlyWhatTheClientsGotBack() throws Exception {
        List<String> forced = cluster.stopNodes();
        List<Cluster.StopLine> stops = cluster.stopLines();
        String report = "\n  " + stops.stream().map(s -> s.node() + ": " + s.line()).collect(Collectors.joining("\n  "));
        System.out.println("stop reports " + provider + ":" + report);
        long nodeEchoed = stops.stream().mapToLong(Cluster.StopLine::echoed).sum();
        long nodeDiscarded = stops.stream().mapToLong(Cluster.StopLine::discarded).sum();
        long nodeUnread = stops.stream().mapToLong(Cluster.StopLine::unread).sum();
        long resent = cluster.discardedFromClients.get();
        Executable afterCloseNotify = Clients.readsAfterSent(provider)
                ? () -> assertEquals(resent, nodeDiscarded,
                        "bytes the nodes discarded after their close_notify = bytes the clients sent again" + report)
                : () -> assertAll(
                        () -> assertEquals(0, nodeDiscarded, "READ_AFTER_SENT gap: nothing decrypted after" + report),
                        () -> assertTrue(nodeUnread >= resent, "READ_AFTER_SENT gap: the TLS bytes dropped unread ("
                                + nodeUnread + ") carry what the clients sent again (" + resent + ")" + report));
        assertAll(provider,
                () -> assertEquals(List.of(), forced, "the final stop is graceful" + report),
                () -> assertEquals(nodeProcesses, stops.size(), "one stop report per node process" + report),
                () -> assertEquals(cluster.echoedToClients.get(), nodeEchoed,
                        "bytes echoed by the nodes = bytes the clients got back" + report),
                afterCloseNotify);
    }

    /** The one node whose connection total grew, by one. */
    static String newConnectionOn(Map<String, Long> before, Map<String, Long> after) {
        List<String> grew = new ArrayList<>();
        for (Map.Entry<String, Long> e : after.entrySet()) {
            long delta = e.getValue() - before.getOrDefault(e.getKey(), 0L);
            if (delta != 0) {
                grew.add(e.getKey() + "+" + delta);
            }
        }
        assertEquals(1, grew.size(), "exactly one node got the connection: " + grew);
        assertTrue(grew.get(0).endsWith("+1"), "one connection: " + grew);
        return grew.get(0).substring(0, grew.get(0).indexOf('+'));
    }
}

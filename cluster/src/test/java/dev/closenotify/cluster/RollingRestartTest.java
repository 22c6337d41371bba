package dev.closenotify.cluster;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every node restarted by {@link RollingRestart} while clients keep sending: no client sees a
 * truncation or a reset, every message is echoed exactly once, and the nodes' own counters agree
 * with the clients' (nothing lost, nothing doubled).
 */
@Timeout(value = 150, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class RollingRestartTest {
    static final int CLIENTS = 6;
    static final Duration PACE = Duration.ofMillis(15);
    static final long MAX_MESSAGES = 20_000;
    static final Duration MAX_TIME = Duration.ofSeconds(90);
    /** Short on purpose: some connections outlive it and get the node's close_notify mid-stream. */
    static final Duration DRAIN = Duration.ofMillis(1500);
    static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    @ParameterizedTest(name = "nodes=clients={0} {1}")
    @MethodSource("dev.closenotify.cluster.Matrix#rolling")
    void rollingRestartUnderLoadLosesNothing(String provider, String protocol) throws Exception {
        try (Cluster cluster = Cluster.start(provider, dir)) {
            List<LoadClient> clients = new ArrayList<>();
            List<Thread> threads = new ArrayList<>();
            for (int i = 0; i < CLIENTS; i++) {
                LoadClient c = new LoadClient(i, Clients.loopback(60 + i), Clients.context(provider, protocol),
                        cluster.frontend, PACE, MAX_MESSAGES, MAX_TIME);
                clients.add(c);
            }
            List<String> progress = new ArrayList<>();
            List<RollingRestart.NodeRestart> restarts;
            List<Long> echoedAfterRestart = new ArrayList<>();
            try {
                for (LoadClient c : clients) {
                    threads.add(Thread.ofVirtual().name("load-client-" + c.id).start(c));
                }
                await().atMost(WAIT).alias("every client is under way").until(
                        () -> clients.stream().allMatch(c -> c.echoed.get() >= 5 || !c.failures.isEmpty()));

                restarts = RollingRestart.restart(cluster.admin, cluster.processes,
                        new RollingRestart.Settings(Cluster.BACKEND, List.of(), DRAIN, WAIT), line -> {
                            synchronized (progress) {
                                progress.add(line);
                            }
                        });

                // The restarted cluster serves everyone again.
                for (LoadClient c : clients) {
                    echoedAfterRestart.add(c.echoed.get());
                }
                await().atMost(WAIT).alias("every client goes on after the restart").until(() -> {
                    for (int i = 0; i < CLIENTS; i++) {
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
            }
            for (Thread t : threads) {
                assertTrue(!t.isAlive(), t.getName() + " ended");
            }
            List<String> forced = cluster.stopNodes();
            List<Cluster.StopLine> stops = cluster.stopLines();

            String report = "\n  " + String.join("\n  ", progress) + "\n  "
                    + clients.stream().map(LoadClient::summary).collect(Collectors.joining("\n  ")) + "\n  "
                    + stops.stream().map(s -> s.node() + ": " + s.line()).collect(Collectors.joining("\n  "));
            System.out.println("rolling restart " + provider + " " + protocol + ":" + report);

            List<Throwable> failures = clients.stream().flatMap(c -> c.failures.stream()).toList();
            long echoed = clients.stream().mapToLong(c -> c.echoedBytes.get()).sum();
            long unechoed = clients.stream().mapToLong(c -> c.unechoedBytes.get()).sum();
            long nodeEchoed = stops.stream().mapToLong(Cluster.StopLine::echoed).sum();
            long nodeDiscarded = stops.stream().mapToLong(Cluster.StopLine::discarded).sum();
            List<Executable> checks = new ArrayList<>();
            checks.add(() -> assertEquals(List.of(), failures.stream().map(Throwable::getMessage).toList(),
                    "no truncation, reset or wrong echo" + report));
            for (LoadClient c : clients) {
                checks.add(() -> assertEquals(c.messages.get(), c.echoed.get(),
                        "every message of client " + c.id + " echoed exactly once" + report));
                checks.add(() -> assertEquals(c.connections.get(), c.clean.get(),
                        "every connection of client " + c.id + " ended CLEAN" + report));
            }
            checks.add(() -> assertEquals(Cluster.NODES.size(), restarts.size(), "every node restarted" + report));
            for (RollingRestart.NodeRestart r : restarts) {
                checks.add(() -> assertTrue(r.stopped().isPresent() && r.stopped().get().graceful(),
                        r.node() + " stopped gracefully" + report));
                checks.add(() -> assertNotEquals(r.stopped().map(s -> s.pid()).orElse(-1L), r.newPid(),
                        r.node() + " runs a new process" + report));
            }
            checks.add(() -> assertEquals(List.of(), forced, "the final stop is graceful too" + report));
            checks.add(() -> assertEquals(2 * Cluster.NODES.size(), stops.size(),
                    "one stop report per node process (3 before, 3 after the restart)" + report));
            // The nodes' side of the same story: what they echoed is exactly what the clients got
            // back, what they discarded (read after their close_notify) exactly what was resent.
            checks.add(() -> assertEquals(echoed, nodeEchoed, "bytes echoed by the nodes = bytes the clients got back" + report));
            checks.add(() -> assertEquals(unechoed, nodeDiscarded,
                    "bytes the nodes discarded after their close_notify = bytes the clients sent again" + report));
            assertAll(provider + " " + protocol, checks);
        }
    }
}

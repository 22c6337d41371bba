package dev.closenotify.cluster;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.closenotify.spi.SessionFacts;
import dev.closenotify.spi.TlsContext;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Through HAProxy ({@code balance source}, {@code hash-type consistent}), a client's reconnect
 * reaches the node that issued its session and resumes; a reconnect that lands on another node
 * makes a full handshake, because no stack shares its ticket keys or session cache between
 * processes (docs/CLUSTER.md).
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class StickyResumptionTest {
    static final int CLIENTS = 6;

    @TempDir
    Path dir;

    @ParameterizedTest(name = "nodes=clients={0}")
    @MethodSource("dev.closenotify.cluster.Matrix#sticky")
    void reconnectsResumeOnTheNodeThatIssuedTheSession(String provider) throws Exception {
        try (Cluster cluster = Cluster.start(provider, dir)) {
            List<Executable> checks = new ArrayList<>();
            int base = 20;
            for (String protocol : Matrix.PROTOCOLS) {
                boolean gap = provider.equals("bc") && protocol.equals("TLSv1.3");
                int resumed = 0;
                Set<String> nodes = new HashSet<>();
                List<String> seen = new ArrayList<>();
                for (int i = 0; i < CLIENTS; i++) {
                    InetAddress source = Clients.loopback(base + i);
                    TlsContext context = Clients.context(provider, protocol);
                    Map<String, Long> before = cluster.totals();
                    SessionFacts first = Clients.roundTrip(context, cluster.frontend, source);
                    String firstNode = newConnectionOn(before, cluster.totals());
                    before = cluster.totals();
                    SessionFacts second = Clients.roundTrip(context, cluster.frontend, source);
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
                base += CLIENTS;
                int r = resumed;
                System.out.println("sticky " + provider + " " + protocol + ": " + r + "/" + CLIENTS + " resumed: " + seen);
                checks.add(() -> assertTrue(nodes.size() >= 2,
                        protocol + ": " + CLIENTS + " client addresses are spread over the nodes: " + seen));
                if (gap) {
                    // Declared gap RESUMPTION_TLS13: bctls has no TLS 1.3 resumption, so every handshake is full.
                    checks.add(() -> assertEquals(0, r, protocol + ": BC (RESUMPTION_TLS13 gap): full handshakes only: " + seen));
                } else {
                    checks.add(() -> assertTrue(r >= CLIENTS - 1,
                            protocol + ": at least " + (CLIENTS - 1) + " of " + CLIENTS + " reconnects resumed: " + seen));
                }
            }
            // On the same cluster (a cluster start costs seconds): what happens when the home node is drained.
            checks.add(() -> aDrainedNodesClientMovesAndMakesAFullHandshake(cluster, provider));
            assertAll(provider, checks);
        }
    }

    /** A drained node's client goes to another node, which cannot resume its session; after ready it comes home. */
    private static void aDrainedNodesClientMovesAndMakesAFullHandshake(Cluster cluster, String provider) throws Exception {
        int source = 40;
        for (String protocol : Matrix.PROTOCOLS) {
            InetAddress from = Clients.loopback(source++);
            TlsContext context = Clients.context(provider, protocol);
            Map<String, Long> before = cluster.totals();
            Clients.roundTrip(context, cluster.frontend, from);
            String home = newConnectionOn(before, cluster.totals());

            cluster.admin.setState(Cluster.BACKEND, home, HaproxyAdmin.State.DRAIN);
            before = cluster.totals();
            SessionFacts moved = Clients.roundTrip(context, cluster.frontend, from);
            String other = newConnectionOn(before, cluster.totals());
            assertNotEquals(home, other, protocol + ": a drained node gets no new connection");
            assertFalse(moved.resumed(), protocol + ": " + other + " cannot resume a session of " + home);

            // Back to ready: consistent hashing brings the client home again.
            cluster.admin.setState(Cluster.BACKEND, home, HaproxyAdmin.State.READY);
            before = cluster.totals();
            Clients.roundTrip(context, cluster.frontend, from);
            assertEquals(home, newConnectionOn(before, cluster.totals()), protocol + ": home again after ready");
        }
    }

    /** The one node whose connection total grew by one. */
    static String newConnectionOn(Map<String, Long> before, Map<String, Long> after) throws IOException {
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

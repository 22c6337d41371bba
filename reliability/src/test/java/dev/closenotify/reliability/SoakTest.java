package dev.closenotify.reliability;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.closenotify.server.EchoServer;
import dev.closenotify.server.ServerStats;
import dev.closenotify.server.StopReport;
import dev.closenotify.spi.CloseOutcome;
import dev.closenotify.spi.CloseReason;
import dev.closenotify.spi.ConnectionPolicy;
import dev.closenotify.spi.ShutdownProvider;
import dev.closenotify.spi.ShutdownProviders;
import dev.closenotify.spi.ShutdownResult;
import dev.closenotify.spi.TlsConfig;
import dev.closenotify.spi.TlsContext;
import dev.closenotify.spi.TlsException;
import dev.closenotify.spi.TlsSocketConnection;
import dev.closenotify.tck.support.TestCertificates;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.zip.CRC32;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The server soak: {@value #CLIENTS} clients (closenotify over the {@code jsse} provider) echo
 * random, checksummed data of random sizes through the echo server while it is gracefully stopped
 * and restarted, again and again, for {@code -Dreliability.soak} (default a few seconds per server
 * provider; e.g. {@code -Dreliability.soak=PT2M} for a long run). Every exchange that completed is
 * verified byte for byte; every interrupted one received only a prefix of what it sent and ended
 * with a close reason; and the counts add up: attempts = completed + interrupted + refused, every
 * connection a server accepted ended, and every CLEAN close a client saw is a CLEAN close its server
 * counted.
 *
 * <p>A server with the READ_AFTER_SENT gap (bc) cannot read its client's answer to a stop's
 * close_notify: it ends SENT_ONLY (and lingers until the client closes its end), while the client
 * ends CLEAN. There every CLEAN close a client saw is a CLEAN or a SENT_ONLY close of its server.
 */
@Timeout(value = 30, unit = TimeUnit.MINUTES, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class SoakTest {

    static final int CLIENTS = 8;
    private static final int MIN_RESTARTS = 3;
    private static final int MAX_RESTARTS = 1000;
    private static final int MAX_MESSAGE = 48 * 1024;
    private static final Duration GRACE = Duration.ofSeconds(8);

    private static Duration soak() {
        return Duration.parse(System.getProperty("reliability.soak", "PT3S"));
    }

    @ParameterizedTest(name = "{0} server")
    @MethodSource("dev.closenotify.reliability.ServerHostilePeersTest#servers")
    void echoWhileTheServerStopsAndRestarts(ShutdownProvider p) throws Exception {
        Duration length = soak();
        // Deadlines that bound a stuck connection but do not fire on a loaded 2-core machine.
        ConnectionPolicy policy = ConnectionPolicy.DEFAULT.withHandshakeTimeout(Duration.ofSeconds(10))
                .withIdleReadTimeout(Duration.ofSeconds(8)).withPeerCloseTimeout(Duration.ofSeconds(8));
        ConnectionPolicy clientPolicy = ConnectionPolicy.DEFAULT.withHandshakeTimeout(Duration.ofSeconds(10))
                .withIdleReadTimeout(Duration.ofSeconds(10)).withPeerCloseTimeout(Duration.ofSeconds(10));
        TlsContext clients = ShutdownProviders.get("jsse").newContext(TlsConfig.client()
                .trustManager(TestCertificates.get().trustManager()).serverName("localhost").policy(clientPolicy).build());

        AtomicReference<InetSocketAddress> target = new AtomicReference<>();
        // Opened when the next server listens: a refused client waits on it instead of spinning.
        AtomicReference<java.util.concurrent.CountDownLatch> nextServer =
                new AtomicReference<>(new java.util.concurrent.CountDownLatch(1));
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicLong attempts = new AtomicLong();
        AtomicLong completed = new AtomicLong();
        AtomicLong interrupted = new AtomicLong();
        AtomicLong refused = new AtomicLong();
        AtomicLong verified = new AtomicLong();
        Map<CloseReason, AtomicLong> clientReasons = new ConcurrentHashMap<>();
        List<Throwable> problems = java.util.Collections.synchronizedList(new ArrayList<>());

        List<ServerStats> finished = new ArrayList<>();
        List<StopReport> reports = new ArrayList<>();
        EchoServer server = Servers.start(Servers.config(p.name(), policy));
        target.set(Servers.loopback(server.port()));

        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < CLIENTS; i++) {
            long seed = 1000L * i + p.name().hashCode();
            threads.add(Thread.ofVirtual().name("soak-client-" + i).start(() -> {
                Random random = new Random(seed);
                while (running.get()) {
                    attempts.incrementAndGet();
                    java.util.concurrent.CountDownLatch next = nextServer.get();
                    try {
                        Result r = exchange(clients, target.get(), random, verified);
                        (r.complete ? completed : interrupted).incrementAndGet();
                        r.reason.ifPresent(reason -> clientReasons.computeIfAbsent(reason, k -> new AtomicLong())
                                .incrementAndGet());
                    } catch (ConnectException e) {
                        refused.incrementAndGet(); // the listener of a stopped server
                        try {
                            next.await(30, TimeUnit.SECONDS);
                        } catch (InterruptedException ie) {
                            return;
                        }
                    } catch (Throwable t) {
                        problems.add(t);
                        return;
                    }
                }
            }));
        }

        long end = System.nanoTime() + length.toNanos();
        int restarts = 0;
        try {
            while (restarts < MAX_RESTARTS && (restarts < MIN_RESTARTS || System.nanoTime() < end) && problems.isEmpty()) {
                long before = completed.get();
                // Let real traffic happen on this incarnation before stopping it.
                await().atMost(Duration.ofSeconds(60)).until(() -> completed.get() >= before + CLIENTS || !problems.isEmpty());
                StopReport report = server.stop(GRACE);
                reports.add(report);
                finished.add(settled(server, p));
                Tally.fault();
                server = Servers.start(Servers.config(p.name(), policy));
                target.set(Servers.loopback(server.port()));
                nextServer.getAndSet(new java.util.concurrent.CountDownLatch(1)).countDown();
                restarts++;
            }
        } finally {
            running.set(false);
            nextServer.get().countDown();
            for (Thread t : threads) {
                t.join(Duration.ofSeconds(60));
            }
            reports.add(server.stop(GRACE));
            finished.add(settled(server, p));
            server.close();
        }
        if (!problems.isEmpty()) {
            AssertionError failure = new AssertionError(p.name() + ": " + problems.size() + " client(s) failed: " + problems.get(0));
            problems.forEach(failure::addSuppressed);
            throw failure;
        }
        for (Thread t : threads) {
            assertTrue(!t.isAlive(), p.name() + ": client " + t.getName() + " did not end");
        }

        long accepted = finished.stream().mapToLong(ServerStats::accepted).sum();
        long ended = finished.stream().mapToLong(ServerStats::ended).sum();
        long serverClean = finished.stream().mapToLong(s -> s.closes(CloseReason.CLEAN)).sum();
        long echoed = finished.stream().mapToLong(ServerStats::bytesEchoed).sum();
        Map<CloseReason, Long> serverReasons = new EnumMap<>(CloseReason.class);
        for (ServerStats s : finished) {
            s.closes().forEach((k, v) -> serverReasons.merge(k, v, Long::sum));
        }
        long clientClean = clientReasons.getOrDefault(CloseReason.CLEAN, new AtomicLong()).get();
        String summary = "reliability soak: " + p.name() + " server, " + length + ", " + restarts + " restarts, "
                + CLIENTS + " clients: attempts=" + attempts + " completed=" + completed + " interrupted=" + interrupted
                + " refused=" + refused + " bytesVerified=" + verified + "; client closes " + clientReasons
                + "; server accepted=" + accepted + " ended=" + ended + " closes " + serverReasons + " echoed=" + echoed
                + "; stops " + reports.stream().map(StopReport::summary).toList();
        System.out.println(summary);

        assertEquals(attempts.get(), completed.get() + interrupted.get() + refused.get(), summary);
        assertTrue(restarts >= MIN_RESTARTS, summary);
        assertTrue(completed.get() >= (long) CLIENTS * restarts, summary);
        long serverSentOnly = serverReasons.getOrDefault(CloseReason.SENT_ONLY, 0L);
        assertEquals(accepted, ended, "every accepted connection ended, by a reason: " + summary);
        if (p.supports(dev.closenotify.spi.Capability.READ_AFTER_SENT)) {
            assertEquals(clientClean, serverClean, "every CLEAN close a client saw, its server counted: " + summary);
        } else {
            assertEquals(serverClean + serverSentOnly, clientClean,
                    "READ_AFTER_SENT gap: the client's CLEAN closes are the server's CLEAN ones plus its SENT_ONLY"
                            + " stops: " + summary);
        }
        assertTrue(echoed >= verified.get(), summary);
        Tally.verified(verified.get());
        Tally.caseRun();
    }

    /** The stats of a stopped server once every connection it accepted is counted as ended (bounded). */
    private static ServerStats settled(EchoServer server, ShutdownProvider p) {
        await().atMost(Duration.ofSeconds(15)).until(() -> server.stats().ended() == server.stats().accepted());
        ServerStats st = server.stats();
        assertEquals(0, st.active(), p.name() + ": nothing active after a stop: " + st.summary());
        return st;
    }

    /** How one exchange ended. */
    private record Result(boolean complete, java.util.Optional<CloseReason> reason) {}

    private static Result exchange(TlsContext ctx, InetSocketAddress to, Random random, AtomicLong verified)
            throws Exception {
        Socket socket = new Socket();
        try {
            socket.connect(to, 5_000);
        } catch (ConnectException e) {
            socket.close();
            throw e;
        }
        byte[] data = new byte[1 + random.nextInt(MAX_MESSAGE)];
        random.nextBytes(data);
        CRC32 crc = new CRC32();
        crc.update(data);
        byte[] got = new byte[data.length];
        int have = 0;
        boolean complete = false;
        TlsSocketConnection c = ctx.open(socket);
        try {
            try {
                c.handshake();
                c.write(data, 0, data.length);
                while (have < data.length) {
                    int n = c.read(got, have, data.length - have);
                    if (n < 0) {
                        break; // the server's close_notify (a stop) before the whole echo
                    }
                    have += n;
                }
                if (have == data.length) {
                    CRC32 back = new CRC32();
                    back.update(got);
                    assertEquals(crc.getValue(), back.getValue(), "the echo's checksum");
                    assertArrayEquals(data, got, "the echo, byte for byte");
                    assertEquals(ShutdownResult.SENT, c.shutdown());
                    assertEquals(ShutdownResult.COMPLETE, c.shutdown(Duration.ofSeconds(10)));
                    complete = true;
                } else {
                    assertPrefix(data, got, have);
                    c.shutdown(Duration.ofSeconds(10)); // the peer closed first: our answer
                }
            } catch (TlsException e) {
                assertPrefix(data, got, have); // interrupted: what came is still exactly what was sent
            }
        } finally {
            c.close();
        }
        verified.addAndGet(have);
        CloseOutcome o = c.outcome().orElseThrow(() -> new AssertionError("a closed connection has an outcome"));
        return new Result(complete, java.util.Optional.of(o.reason()));
    }

    private static void assertPrefix(byte[] sent, byte[] got, int have) {
        assertArrayEquals(Arrays.copyOf(sent, have), Arrays.copyOf(got, have), "an interrupted echo is a prefix");
    }

}

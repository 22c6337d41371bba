package dev.closenotify.server;

import static dev.closenotify.server.Fixtures.connect;
import static dev.closenotify.server.Fixtures.echo;
import static dev.closenotify.server.Fixtures.readToEnd;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.closenotify.spi.Capability;
import dev.closenotify.spi.CloseOutcome;
import dev.closenotify.spi.CloseReason;
import dev.closenotify.spi.ConnectionPolicy;
import dev.closenotify.spi.ShutdownProvider;
import dev.closenotify.spi.ShutdownResult;
import dev.closenotify.spi.TlsContext;
import dev.closenotify.spi.TlsException;
import dev.closenotify.spi.TlsSocketConnection;
import dev.closenotify.tck.support.Peer;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The graceful stop: close_notify to every connection, peers that answer end cleanly within the
 * grace period, the rest is forced after it, and no byte the server read before the stop goes
 * un-echoed.
 */
@Timeout(value = 30, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class StopTest {
    private static final byte[] PING = "ping".getBytes(StandardCharsets.US_ASCII);
    private static final Duration LONG_GRACE = Duration.ofSeconds(10);
    private static final Duration SHORT_GRACE = Duration.ofMillis(400);

    @ParameterizedTest(name = "{0} {1} {2}")
    @MethodSource("dev.closenotify.server.Fixtures#star")
    void idleConnectionsCloseCleanlyWithinTheGracePeriod(ShutdownProvider server, ShutdownProvider client,
                                                         String protocol) throws Exception {
        EchoServer s = Fixtures.start(Fixtures.config(server));
        TlsContext ctx = Fixtures.client(client, protocol);
        List<CompletableFuture<CloseOutcome>> peers = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            TlsSocketConnection c = connect(ctx, s);
            echo(c, PING);
            peers.add(Peer.call(() -> answerTheServersCloseNotify(c)));
        }
        StopReport report = s.stop(LONG_GRACE);

        assertEquals(Counts.answered(server, 3), Counts.of(report), report.summary());
        assertTrue(report.took().compareTo(Duration.ofSeconds(5)) < 0, "peers that answer do not wait for the grace: " + report);
        for (CompletableFuture<CloseOutcome> p : peers) {
            assertEquals(CloseReason.CLEAN, p.get().reason());
        }
        assertFalse(s.isRunning());
        assertEquals(3, s.stats().closes(Counts.answeredReason(server)), s.stats().summary());
    }

    /**
     * Clients that write and read all the time: at the stop each gets the echo of everything the
     * server read from it, in order, then the server's close_notify; what it sent after that close_notify
     * is not echoed (and counted as discarded).
     */
    @ParameterizedTest(name = "{0} {1} {2}")
    @MethodSource("dev.closenotify.server.Fixtures#star")
    void busyConnectionsGetEveryByteReadBeforeTheStop(ShutdownProvider server, ShutdownProvider client,
                                                       String protocol) throws Exception {
        EchoServer s = Fixtures.start(Fixtures.config(server));
        TlsContext ctx = Fixtures.client(client, protocol);
        List<BusyClient> busy = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            busy.add(new BusyClient(connect(ctx, s), i));
        }
        for (BusyClient b : busy) {
            await().atMost(Fixtures.WAIT).until(() -> b.received.get() > 256 * 1024);
        }
        StopReport report = s.stop(LONG_GRACE);

        long received = 0;
        for (BusyClient b : busy) {
            assertEquals(CloseReason.CLEAN, b.result.get().reason());
            received += b.received.get();
        }
        assertEquals(Counts.answered(server, 3), Counts.of(report), report.summary());
        ServerStats stats = s.stats();
        assertEquals(received, stats.bytesEchoed(), "every byte the server echoed reached its client: " + stats.summary());
        // After its close_notify a server decrypts what still comes (discarded), or cannot and drops it unread.
        assertEquals(0, server.supports(Capability.READ_AFTER_SENT) ? stats.bytesUnread() : stats.bytesDiscarded(),
                stats.summary());
    }

    @ParameterizedTest(name = "{0} {1} {2}")
    @MethodSource("dev.closenotify.server.Fixtures#star")
    void peersThatDoNotAnswerAreForcedAfterTheGracePeriod(ShutdownProvider server, ShutdownProvider client,
                                                           String protocol) throws Exception {
        EchoServer s = Fixtures.start(Fixtures.config(server));
        TlsContext ctx = Fixtures.client(client, protocol);
        TlsSocketConnection polite = connect(ctx, s);
        echo(polite, PING);
        CompletableFuture<CloseOutcome> politePeer = Peer.call(() -> answerTheServersCloseNotify(polite));
        TlsSocketConnection silent = connect(ctx, s); // reads nothing, answers nothing
        echo(silent, PING);
        TlsSocketConnection flooding = connect(ctx, s); // writes and never reads: the server cannot even close
        CompletableFuture<Void> flood = Peer.run(() -> {
            byte[] chunk = new byte[64 * 1024];
            for (int i = 0; i < 256; i++) { // 16 MiB at most: more than the server and the sockets hold
                flooding.write(chunk, 0, chunk.length);
            }
        });
        Socket handshaking = Fixtures.socket(s); // never sends its ClientHello
        Fixtures.awaitStats(s, st -> st.accepted() == 4);
        try {
            StopReport report = s.stop(SHORT_GRACE);

            boolean waits = server.supports(Capability.READ_AFTER_SENT);
            assertEquals(new Counts(4, waits ? 1 : 0, 3, 0, waits ? 0 : 1), Counts.of(report), report.summary());
            assertTrue(report.took().compareTo(SHORT_GRACE) >= 0, "forced only after the grace period: " + report);
            assertEquals(CloseReason.CLEAN, politePeer.get().reason());
            // The silent peer got our close_notify (SENT_ONLY), and so did the polite one on a server that
            // cannot read its answer; the one that never completed its handshake ended ABORTED. The flooding
            // one ended ABORTED, or SENT_ONLY when the server caught up with everything it read in the socket
            // buffers before the grace ran out (which depends on the stacks' record and buffer sizes).
            int sentOnly = report.reasons().getOrDefault(CloseReason.SENT_ONLY, 0);
            int aborted = report.reasons().getOrDefault(CloseReason.ABORTED, 0);
            int answered = waits ? 1 : 2;
            assertTrue(sentOnly == answered && aborted == 2 || sentOnly == answered + 1 && aborted == 1,
                    "SENT_ONLY " + answered + " (+1 if the flooding peer got our close_notify), the rest ABORTED: "
                    + report.reasons());
            assertEquals(1, s.stats().failedHandshakes(), s.stats().summary());
        } finally {
            silent.close();
            flooding.close();
            handshaking.close();
            flood.handle((ok, failure) -> null).get(); // ends either way once the server closed its socket
        }
    }

    @ParameterizedTest(name = "{0} {1} {2}")
    @MethodSource("dev.closenotify.server.Fixtures#star")
    void aSilentPeerEndsAtThePeerCloseDeadline(ShutdownProvider server, ShutdownProvider client, String protocol)
            throws Exception {
        Duration peerClose = Duration.ofMillis(300);
        EchoServer s = Fixtures.start(Fixtures.config(server)
                .withPolicy(ConnectionPolicy.DEFAULT.withPeerCloseTimeout(peerClose)));
        TlsSocketConnection silent = connect(Fixtures.client(client, protocol), s);
        try {
            echo(silent, PING);
            StopReport report = s.stop(LONG_GRACE);

            assertEquals(new Counts(1, 0, 0, 0, 1), Counts.of(report), report.summary());
            assertEquals(1, (int) report.reasons().get(CloseReason.TIMEOUT), report.summary());
            assertTrue(report.took().compareTo(Duration.ofSeconds(5)) < 0, "the deadline, not the grace: " + report);
            assertEquals(1, s.stats().deadlines(Deadline.PEER_CLOSE), s.stats().summary());
        } finally {
            silent.close();
        }
    }

    /** A connection in its handshake when the stop begins gets its close_notify once the handshake completes. */
    @ParameterizedTest(name = "{0} {1} {2}")
    @MethodSource("dev.closenotify.server.Fixtures#star")
    void aHandshakeUnderWayAtTheStopEndsCleanly(ShutdownProvider server, ShutdownProvider client, String protocol)
            throws Exception {
        EchoServer s = Fixtures.start(Fixtures.config(server));
        Socket socket = Fixtures.socket(s);
        Fixtures.awaitStats(s, st -> st.accepted() == 1);
        CompletableFuture<StopReport> stop = Peer.call(() -> s.stop(LONG_GRACE));
        await().atMost(Fixtures.WAIT).until(() -> !s.isRunning());

        TlsSocketConnection c = Fixtures.client(client, protocol).open(socket);
        c.handshake();
        assertEquals(CloseReason.CLEAN, answerTheServersCloseNotify(c).reason());
        StopReport report = stop.get();
        assertEquals(Counts.answered(server, 1), Counts.of(report), report.summary());
    }

    /** Reads to the server's close_notify (no data expected), answers it, and says how the connection ended. */
    private static CloseOutcome answerTheServersCloseNotify(TlsSocketConnection c) throws TlsException {
        byte[] rest = readToEnd(c);
        assertEquals(0, rest.length, "no data after the echo");
        assertEquals(ShutdownResult.COMPLETE, c.shutdown());
        c.close();
        return c.outcome().orElseThrow();
    }

    /** The report's counts, compared as one value so that a failure shows all of them. */
    private record Counts(int open, int clean, int forced, int truncated, int otherwise) {
        static Counts of(StopReport r) {
            return new Counts(r.open(), r.closedCleanly(), r.forced(), r.truncated(), r.otherwise());
        }

        /**
         * {@code n} connections whose peers all answered the stop's close_notify: CLEAN, or on a server
         * with the {@code READ_AFTER_SENT} gap, which cannot read that answer, SENT_ONLY ("otherwise").
         */
        static Counts answered(ShutdownProvider server, int n) {
            return server.supports(Capability.READ_AFTER_SENT) ? new Counts(n, n, 0, 0, 0) : new Counts(n, 0, 0, 0, n);
        }

        static CloseReason answeredReason(ShutdownProvider server) {
            return server.supports(Capability.READ_AFTER_SENT) ? CloseReason.CLEAN : CloseReason.SENT_ONLY;
        }
    }

    /**
     * A client that writes a known byte stream on one thread and reads its echo on another,
     * checking every byte, until the server's close_notify; then it answers it. The writer keeps at
     * most {@link #WINDOW} bytes on their way. Two threads on purpose: the writer is often inside
     * write() when the reader decrypts the server's close_notify, and then on TLS 1.2 the client's
     * stack produces its own close_notify inside that write; the core must keep it for shutdown()
     * (which then sends it), or the server records TRUNCATED. That write fails with
     * WRITE_AFTER_PEER_CLOSE, or succeeds where TLS 1.3 half-close lets it (the server drops it).
     */
    private static final class BusyClient {
        private static final long MAX_BYTES = 512L * 1024 * 1024; // a bound on the loop, never reached
        private static final int WINDOW = 256 * 1024;
        private static final int CHUNK = 8 * 1024;
        final AtomicLong received = new AtomicLong();
        final CompletableFuture<CloseOutcome> result;
        private final Semaphore window = new Semaphore(WINDOW);
        private volatile boolean done;

        BusyClient(TlsSocketConnection c, int seed) {
            result = Peer.call(() -> {
                CompletableFuture<Void> writer = Peer.run(() -> write(c, seed));
                try {
                    read(c, seed);
                } catch (Throwable t) {
                    done = true;
                    window.release(WINDOW);
                    Peer.suppressInto(t, writer);
                    throw t;
                }
                done = true;
                window.release(WINDOW); // wake a writer waiting for room: it sees done
                writer.get();
                assertEquals(ShutdownResult.COMPLETE, c.shutdown());
                c.close();
                return c.outcome().orElseThrow();
            });
        }

        private void write(TlsSocketConnection c, int seed) throws Exception {
            byte[] chunk = new byte[CHUNK];
            for (long sent = 0; sent < MAX_BYTES; sent += CHUNK) {
                window.acquire(CHUNK);
                if (done) {
                    return;
                }
                for (int i = 0; i < CHUNK; i++) {
                    chunk[i] = expected(seed, sent + i);
                }
                try {
                    c.write(chunk, 0, CHUNK);
                } catch (TlsException e) {
                    if (e.kind() == TlsException.Kind.WRITE_AFTER_PEER_CLOSE) {
                        // The reader is decrypting the server's close_notify (its read returns -1, or soon
                        // will): this write is the one that raced it.
                        return;
                    }
                    throw e;
                }
            }
        }

        private void read(TlsSocketConnection c, int seed) throws TlsException {
            byte[] buffer = new byte[16 * 1024];
            long at = 0;
            int n;
            while ((n = c.read(buffer, 0, buffer.length)) != -1) {
                for (int i = 0; i < n; i++) {
                    if (buffer[i] != expected(seed, at + i)) {
                        throw new AssertionError("echo byte " + (at + i) + " differs");
                    }
                }
                at += n;
                received.set(at);
                window.release(n);
            }
        }

        static byte expected(int seed, long position) {
            return (byte) (position * 31 + (position >>> 11) + seed);
        }
    }
}

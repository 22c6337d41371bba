package dev.closenotify.tck;

import static dev.closenotify.tck.Sockets.readExactly;
import static dev.closenotify.tck.Sockets.readToEnd;
import static dev.closenotify.spi.ShutdownFlag.RECEIVED;
import static dev.closenotify.spi.ShutdownFlag.SENT;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.closenotify.tck.support.ContextPair;
import dev.closenotify.tck.support.Cut;
import dev.closenotify.tck.support.FaultyProxy;
import dev.closenotify.tck.support.TlsRecords;
import dev.closenotify.tck.support.TlsRecords.TlsRecord;
import dev.closenotify.spi.Capability;
import dev.closenotify.spi.CloseOutcome;
import dev.closenotify.spi.CloseReason;
import dev.closenotify.spi.ConnectionPolicy;
import dev.closenotify.spi.Role;
import dev.closenotify.spi.SessionFacts;
import dev.closenotify.spi.ShutdownProvider;
import dev.closenotify.spi.ShutdownResult;
import dev.closenotify.spi.TlsException;
import dev.closenotify.spi.TlsException.Kind;
import dev.closenotify.spi.TlsSocketConnection;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.ByteChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The connection-level rules of SEMANTICS.md on the blocking socket transport, for one provider,
 * over TLS 1.3 and TLS 1.2. A provider's test extends this class and returns its provider from
 * {@link #provider()}; every test names the rule it enforces.
 *
 * <p>Where a rule depends on a §9 capability ({@link Capability#HALF_CLOSE_TLS13},
 * {@link Capability#READ_AFTER_SENT}), a provider that declares the gap gets the documented other
 * behaviour asserted instead: the test never skips.
 *
 * <p>Wire claims ("nothing was sent", "exactly one close_notify") are proven on the bytes a
 * {@link FaultyProxy} recorded between the peers, never by waiting and hoping. Times are measured,
 * never slept. A test that hangs (a broken provider never answering) fails after 30 s: it runs in a
 * thread of its own that is abandoned, and closing its connections afterwards releases it.
 */
@Timeout(value = 30, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
public abstract class BlockingShutdownContract {

    /** Both protocols the contract covers; the invocation is named after the rule and the protocol. */
    @Target(ElementType.METHOD)
    @Retention(RetentionPolicy.RUNTIME)
    @ParameterizedTest(name = "{displayName} [{0}]")
    @ValueSource(strings = {"TLSv1.3", "TLSv1.2"})
    public @interface BothProtocols {
    }

    private static final Duration WAIT = Duration.ofSeconds(10);
    /** How much later than its bound a deadline may fire on a loaded 2-core machine. */
    private static final Duration SLACK = Duration.ofSeconds(2);
    /** How much earlier than its bound a deadline may fire (millisecond rounding of SO_TIMEOUT). */
    private static final Duration EARLY = Duration.ofMillis(50);
    /** A deadline short enough to keep the suite fast, long enough to be measurable. */
    private static final Duration SHORT = Duration.ofMillis(500);
    /** An encrypted TLS 1.3 alert: 2 bytes of alert, 1 of content type, a 16-byte tag (and padding). */
    private static final int MAX_TLS13_ALERT_FRAGMENT = 64;
    private static final ConnectionPolicy DEFAULT = ConnectionPolicy.DEFAULT;
    /** What a READ_AFTER_SENT gap branch expects; a provider that can wait after all fails with it. */
    private static final String NO_READ_AFTER_SENT = "READ_AFTER_SENT declared as a gap: shutdown() after SENT"
            + " reports how the connection ended instead of waiting (if it waits, the gap is gone: stop declaring it)";

    private final Deque<AutoCloseable> resources = new ArrayDeque<>();
    private ShutdownProvider provider;

    /** The provider under test: a new instance, or a shared one. */
    protected abstract ShutdownProvider provider();

    /**
     * Whether the provider reports the TLS alert description of a received fatal alert
     * (SEMANTICS.md §6: "where the stack exposes it").
     *
     * @implSpec returns {@code true}.
     */
    protected boolean reportsAlertDescriptions() {
        return true;
    }

    @AfterEach
    void closeResources() {
        while (!resources.isEmpty()) {
            try {
                resources.pop().close();
            } catch (Exception ignored) {
                // cleanup after the test; its verdict is already made
            }
        }
    }

    // ================================================================== §2.1 first to close

    @BothProtocols
    @DisplayName("§2.1 first to close: SENT, flags {SENT}, one close_notify on the wire, the peer reads end-of-stream")
    void firstToCloseSendsCloseNotify(String protocol) throws Exception {
        ContextPair ctx = contexts(protocol);
        FaultyProxy proxy = proxy(ctx);
        Pair p = handshaken(ctx, proxy.address(), DEFAULT, DEFAULT);
        long before = p.client.bytesOut();
        assertEquals(Set.of(), p.client.flags());

        assertEquals(ShutdownResult.SENT, p.client.shutdown());
        assertEquals(Set.of(SENT), p.client.flags());
        assertTrue(p.client.outcome().isEmpty(), "after SENT only the connection has not ended: " + p.client.outcome());
        // SENT means the close_notify went out now: judge the wire before the peer reads, so that a
        // missing close_notify fails here, by name, instead of leaving the peer blocked.
        FaultyProxy.Connection conn = proxy.awaitConnection(0, WAIT);
        conn.awaitBytes(proxy.clientToServer(), p.client.bytesOut(), WAIT);
        assertOneAlert(conn.clientToServer(), before, protocol, "shutdown() returned SENT: our close_notify");

        assertEquals(-1, p.server.read(new byte[64], 0, 64), "the peer reads our close_notify as end-of-stream");
        assertEquals(Set.of(RECEIVED), p.server.flags());

        p.client.close();
        byte[] wire = clientWire(proxy);
        assertEquals(p.client.bytesOut(), wire.length, "bytesOut() counts what reached the transport");
        assertOneAlert(wire, before, protocol, "our close_notify");
    }

    @BothProtocols
    @DisplayName("§2.1 first to close: a later write fails WRITE_AFTER_SHUTDOWN and puts zero bytes on the wire")
    void writeAfterShutdownSendsNothing(String protocol) throws Exception {
        ContextPair ctx = contexts(protocol);
        FaultyProxy proxy = proxy(ctx);
        Pair p = handshaken(ctx, proxy.address(), DEFAULT, DEFAULT);
        long before = p.client.bytesOut();
        assertEquals(ShutdownResult.SENT, p.client.shutdown());
        long afterCloseNotify = p.client.bytesOut();

        byte[] data = pattern(500, 1);
        TlsException e = expect(Kind.WRITE_AFTER_SHUTDOWN, () -> p.client.write(data, 0, data.length));
        assertMessageMentions(e, "write");
        expect(Kind.WRITE_AFTER_SHUTDOWN, () -> p.client.write(ByteBuffer.wrap(data)));
        expect(Kind.WRITE_AFTER_SHUTDOWN, () -> p.client.outputStream().write(data));
        assertEquals(afterCloseNotify, p.client.bytesOut(), "a refused write hands nothing to the transport");
        assertEquals(Set.of(SENT), p.client.flags());

        p.client.close();
        byte[] wire = clientWire(proxy);
        assertEquals(afterCloseNotify, wire.length, "nothing after our close_notify reached the wire");
        assertOneAlert(wire, before, protocol, "our close_notify, and nothing after it");
    }

    @BothProtocols
    @DisplayName("§2.1 first to close: the read direction stays open, the peer's data sent after our close_notify is readable")
    @GapAware(Capability.READ_AFTER_SENT)
    void readDirectionStaysOpenAfterSent(String protocol) throws Exception {
        ContextPair ctx = contexts(protocol);
        FaultyProxy proxy = proxy(ctx);
        Pair p = handshaken(ctx, proxy.address(), DEFAULT, DEFAULT);
        assertEquals(ShutdownResult.SENT, p.client.shutdown());
        // Our close_notify is on the wire before the peer writes.
        proxy.awaitConnection(0, WAIT).awaitBytes(proxy.clientToServer(), p.client.bytesOut(), WAIT);

        byte[] late = pattern(3000, 2);
        p.server.write(late, 0, late.length);
        assertEquals(-1, p.server.read(new byte[64], 0, 64));
        assertEquals(ShutdownResult.COMPLETE, p.server.shutdown());

        if (!provider0().supports(Capability.READ_AFTER_SENT)) {
            byte[] buf = new byte[late.length];
            GapAssertions.assertReadAfterShutdown(p.client, () -> p.client.read(buf, 0, buf.length), "read()");
            assertUnread(p, "the peer's data and close_notify");
            return;
        }
        assertArrayEquals(late, readExactly(p.client, late.length));
        assertEquals(-1, p.client.read(new byte[64], 0, 64));
        assertEquals(Set.of(SENT, RECEIVED), p.client.flags());
        assertEquals(ShutdownResult.COMPLETE, p.client.shutdown());
        assertEquals(CloseReason.CLEAN, reason(p.client));
    }

    // ================================================================== §2.2 peer closed first

    @BothProtocols
    @DisplayName("§2.2 peer closed first: read returns -1, flags {RECEIVED}; then shutdown() sends ours and returns COMPLETE")
    @GapAware(Capability.READ_AFTER_SENT)
    void peerClosedFirst(String protocol) throws Exception {
        ContextPair ctx = contexts(protocol);
        FaultyProxy proxy = proxy(ctx);
        Pair p = handshaken(ctx, proxy.address(), DEFAULT, DEFAULT);
        assertEquals(ShutdownResult.SENT, p.server.shutdown());

        assertEquals(-1, p.client.read(new byte[64], 0, 64));
        assertEquals(Set.of(RECEIVED), p.client.flags());
        assertEquals(-1, p.client.read(new byte[64], 0, 64), "end-of-stream stays end-of-stream");
        assertTrue(p.client.outcome().isEmpty(), "RECEIVED only: the connection has not ended");

        long before = p.client.bytesOut();
        assertEquals(ShutdownResult.COMPLETE, p.client.shutdown());
        assertEquals(Set.of(SENT, RECEIVED), p.client.flags());
        assertEquals(CloseReason.CLEAN, reason(p.client));

        if (provider0().supports(Capability.READ_AFTER_SENT)) {
            assertEquals(ShutdownResult.COMPLETE, p.server.shutdown(), "the peer receives our close_notify");
            assertEquals(CloseReason.CLEAN, reason(p.server));
        } else {
            GapAssertions.assertReadAfterShutdown(p.server, p.server::shutdown, "the peer's shutdown() after SENT");
        }

        p.client.close();
        assertOneAlert(clientWire(proxy), before, protocol, "our close_notify, sent by the shutdown() call");
    }

    // ================================================================== §2.3 wait for the peer

    @BothProtocols
    @DisplayName("§2.3 wait for the peer: shutdown() again after SENT waits, and returns COMPLETE once the peer answers")
    @GapAware(Capability.READ_AFTER_SENT)
    void secondShutdownWaitsForThePeer(String protocol) throws Exception {
        ContextPair ctx = contexts(protocol);
        Pair p = handshaken(ctx, ctx.address(), DEFAULT, DEFAULT);
        assertEquals(ShutdownResult.SENT, p.client.shutdown());

        Task<ShutdownResult> second = spawn("second-shutdown", p.client::shutdown);
        if (!provider0().supports(Capability.READ_AFTER_SENT)) {
            // It answers without waiting for the peer, who does nothing here.
            expect(Kind.READ_AFTER_SHUTDOWN, second::join);
            GapAssertions.assertReadAfterShutdown(p.client, p.client::shutdown, "shutdown() after SENT");
            return;
        }
        awaitParked(second.thread());
        assertFalse(second.future().isDone(), () -> "shutdown() after SENT must wait while the peer has not answered,"
                + " but it " + outcomeOf(second.future()));

        assertEquals(-1, p.server.read(new byte[64], 0, 64));
        assertEquals(ShutdownResult.COMPLETE, p.server.shutdown());
        assertEquals(ShutdownResult.COMPLETE, second.join());
        assertEquals(Set.of(SENT, RECEIVED), p.client.flags());
        assertEquals(CloseReason.CLEAN, reason(p.client));
    }

    @BothProtocols
    @DisplayName("§2.3 wait for the peer: data arriving first fails PENDING_DATA, stays readable intact; after reading to -1 shutdown() returns COMPLETE")
    @GapAware(Capability.READ_AFTER_SENT)
    void pendingDataIsNotDiscarded(String protocol) throws Exception {
        ContextPair ctx = contexts(protocol);
        Pair p = handshaken(ctx, ctx.address(), DEFAULT, DEFAULT);
        assertEquals(ShutdownResult.SENT, p.client.shutdown());

        byte[] data = pattern(40_000, 3); // several records
        p.server.write(data, 0, data.length);
        assertEquals(-1, p.server.read(new byte[64], 0, 64));
        assertEquals(ShutdownResult.COMPLETE, p.server.shutdown());

        if (!provider0().supports(Capability.READ_AFTER_SENT)) {
            GapAssertions.assertReadAfterShutdown(p.client, p.client::shutdown, "shutdown() after SENT, data pending");
            assertUnread(p, "the pending data and the peer's close_notify");
            return;
        }
        TlsException pending = expect(Kind.PENDING_DATA, p.client::shutdown);
        assertMessageMentions(pending, "data");
        expect(Kind.PENDING_DATA, p.client::shutdown); // calling again discards nothing either
        assertEquals(Set.of(SENT), p.client.flags());

        assertArrayEquals(data, readToEnd(p.client), "every byte of the pending data, in order, then end-of-stream");
        assertEquals(Set.of(SENT, RECEIVED), p.client.flags());
        assertEquals(ShutdownResult.COMPLETE, p.client.shutdown());
        assertEquals(CloseReason.CLEAN, reason(p.client));
    }

    @BothProtocols
    @DisplayName("§2.3 shutdown(Duration): the whole bidirectional close in one call returns COMPLETE, from no flags and after SENT")
    @GapAware(Capability.READ_AFTER_SENT)
    void shutdownWithDeadlineDoesTheWholeClose(String protocol) throws Exception {
        ContextPair ctx = contexts(protocol);
        for (boolean sentFirst : new boolean[] {false, true}) {
            Pair p = handshaken(ctx, ctx.address(), DEFAULT, DEFAULT);
            if (sentFirst) {
                assertEquals(ShutdownResult.SENT, p.client.shutdown());
            }
            Task<ShutdownResult> peer = spawn("peer", () -> {
                assertEquals(-1, p.server.read(new byte[64], 0, 64));
                return p.server.shutdown();
            });
            if (!provider0().supports(Capability.READ_AFTER_SENT)) {
                // Our close_notify goes out (the peer reads it), then the wait is refused at once.
                expect(Kind.READ_AFTER_SHUTDOWN, () -> p.client.shutdown(WAIT));
                assertEquals(ShutdownResult.COMPLETE, peer.join(), "sent first: " + sentFirst);
                GapAssertions.assertReadAfterShutdown(p.client, () -> p.client.shutdown(WAIT), "shutdown(Duration)");
                continue;
            }
            assertEquals(ShutdownResult.COMPLETE, p.client.shutdown(WAIT), "sent first: " + sentFirst);
            assertEquals(Set.of(SENT, RECEIVED), p.client.flags());
            assertEquals(CloseReason.CLEAN, reason(p.client));
            assertEquals(ShutdownResult.COMPLETE, peer.join());
        }
    }

    // ================================================================== §2.4 idempotence

    @BothProtocols
    @DisplayName("§2.4 idempotence: after COMPLETE, shutdown() and shutdown(Duration) return COMPLETE and put zero bytes on the wire")
    @GapAware(Capability.READ_AFTER_SENT)
    void completeIsIdempotent(String protocol) throws Exception {
        ContextPair ctx = contexts(protocol);
        FaultyProxy proxy = proxy(ctx);
        Pair p = handshaken(ctx, proxy.address(), DEFAULT, DEFAULT);
        long clientBefore = p.client.bytesOut();
        long serverBefore = p.server.bytesOut();
        List<TlsSocketConnection> complete = List.of(p.client, p.server);
        if (provider0().supports(Capability.READ_AFTER_SENT)) {
            closeCleanly(p);
        } else {
            // The client cannot wait for the server's close_notify: only the server is COMPLETE.
            assertEquals(ShutdownResult.SENT, p.client.shutdown());
            assertEquals(-1, p.server.read(new byte[64], 0, 64));
            assertEquals(ShutdownResult.COMPLETE, p.server.shutdown());
            GapAssertions.assertReadAfterShutdown(p.client, p.client::shutdown, "shutdown() after SENT");
            complete = List.of(p.server);
        }

        for (TlsSocketConnection c : complete) {
            long out = c.bytesOut();
            CloseOutcome outcome = c.outcome().orElseThrow();
            assertEquals(CloseReason.CLEAN, outcome.reason());
            for (int i = 0; i < 3; i++) {
                assertEquals(ShutdownResult.COMPLETE, c.shutdown(), c.role() + " shutdown() #" + i);
                assertEquals(ShutdownResult.COMPLETE, c.shutdown(Duration.ofSeconds(1)), c.role() + " shutdown(Duration) #" + i);
            }
            assertEquals(out, c.bytesOut(), c.role() + ": nothing handed to the transport after COMPLETE");
            assertEquals(Set.of(SENT, RECEIVED), c.flags());
            assertEquals(outcome, c.outcome().orElseThrow(), "the outcome does not change");
        }

        p.client.close();
        p.server.close();
        FaultyProxy.Connection conn = proxy.awaitConnection(0, WAIT);
        conn.awaitEnd(proxy.clientToServer(), WAIT);
        conn.awaitEnd(proxy.serverToClient(), WAIT);
        assertEquals(p.client.bytesOut(), conn.clientToServer().length);
        assertEquals(p.server.bytesOut(), conn.serverToClient().length);
        assertOneAlert(conn.clientToServer(), clientBefore, protocol, "the client's close_notify, once");
        assertOneAlert(conn.serverToClient(), serverBefore, protocol, "the server's close_notify, once");
    }

    @BothProtocols
    @DisplayName("§2.4 idempotence: calling shutdown() again after SENT never sends a second close_notify")
    @GapAware(Capability.READ_AFTER_SENT)
    void noSecondCloseNotifyAfterSent(String protocol) throws Exception {
        ContextPair ctx = contexts(protocol);
        FaultyProxy proxy = proxy(ctx);
        Pair p = handshaken(ctx, proxy.address(), DEFAULT, DEFAULT);
        byte[] data = pattern(200, 4);
        p.client.write(data, 0, data.length);
        assertArrayEquals(data, readExactly(p.server, data.length));
        long before = p.client.bytesOut();

        assertEquals(ShutdownResult.SENT, p.client.shutdown());
        Task<ShutdownResult> second = spawn("second-shutdown", p.client::shutdown);
        if (provider0().supports(Capability.READ_AFTER_SENT)) {
            awaitParked(second.thread());
        }
        assertEquals(-1, p.server.read(new byte[64], 0, 64));
        assertEquals(ShutdownResult.COMPLETE, p.server.shutdown());
        if (provider0().supports(Capability.READ_AFTER_SENT)) {
            assertEquals(ShutdownResult.COMPLETE, second.join());
            assertEquals(ShutdownResult.COMPLETE, p.client.shutdown());
        } else {
            expect(Kind.READ_AFTER_SHUTDOWN, second::join);
            GapAssertions.assertEndedSentOnly(p.client, "shutdown() after SENT");
        }

        p.client.close();
        byte[] wire = clientWire(proxy);
        List<TlsRecord> afterData = TlsRecords.parse(wire, (int) before, wire.length).records();
        long alerts = afterData.stream().filter(r -> alertSized(r, protocol)).count();
        assertEquals(1, alerts, "alert-sized records after the last application data: " + afterData);
        assertOneAlert(wire, before, protocol, "one close_notify and nothing else");
    }

    // ================================================================== §2.5 after a fatal error

    @BothProtocols
    @DisplayName("§2.5 after a fatal error (bad_record_mac): read fails PROTOCOL, shutdown() fails FAILED_EARLIER naming it, the wire holds the one fatal alert and nothing after")
    void shutdownAfterFatalErrorTouchesNothing(String protocol) throws Exception {
        Corrupted k = corrupted(protocol);
        Pair p = k.pair;
        long before = p.client.bytesOut();

        TlsException original = expect(Kind.PROTOCOL, () -> p.client.read(new byte[1024], 0, 1024));
        original.alert().ifPresent(a -> assertEquals("bad_record_mac", a, "the alert of a corrupted record"));
        long afterAlert = p.client.bytesOut();
        CloseOutcome outcome = p.client.outcome().orElseThrow(() -> new AssertionError("a fatal error ends the connection"));
        assertEquals(CloseReason.FATAL_ALERT, outcome.reason());
        assertEquals(Kind.PROTOCOL, outcome.failure().orElseThrow().kind());
        outcome.alert().ifPresent(a -> assertEquals("bad_record_mac", a));

        for (Executable misuse : List.<Executable>of(p.client::shutdown, () -> p.client.shutdown(WAIT))) {
            TlsException e = expect(Kind.FAILED_EARLIER, misuse);
            TlsException cause = assertInstanceOf(TlsException.class, e.getCause(), "FAILED_EARLIER carries the original failure");
            assertEquals(Kind.PROTOCOL, cause.kind());
            assertEquals(original.getMessage(), cause.getMessage());
        }
        expect(Kind.FAILED_EARLIER, () -> p.client.read(new byte[16], 0, 16));
        expect(Kind.FAILED_EARLIER, () -> p.client.write(new byte[16], 0, 16));
        assertEquals(afterAlert, p.client.bytesOut(), "nothing handed to the transport after the fatal alert");
        assertFalse(p.client.flags().contains(SENT), "no close_notify was sent: " + p.client.flags());

        p.client.close();
        assertEquals(CloseReason.FATAL_ALERT, reason(p.client), "close() keeps the first ending");
        byte[] wire = clientWire(k.proxy);
        assertEquals(afterAlert, wire.length, "exactly the bytes up to and including the fatal alert");
        assertOneAlert(wire, before, protocol, "the fatal alert, once");
    }

    // ================================================================== §2.6 before the handshake

    @BothProtocols
    @DisplayName("§2.6 shutdown before the handshake: SHUTDOWN_WHILE_IN_HANDSHAKE on both sides, zero bytes written")
    void shutdownBeforeHandshake(String protocol) throws Exception {
        ContextPair ctx = contexts(protocol);
        FaultyProxy proxy = proxy(ctx);
        Pair p = open(ctx, proxy.address(), DEFAULT, DEFAULT);
        for (TlsSocketConnection c : List.of(p.client, p.server)) {
            TlsException e = expect(Kind.SHUTDOWN_WHILE_IN_HANDSHAKE, c::shutdown);
            assertMessageMentions(e, "handshake");
            expect(Kind.SHUTDOWN_WHILE_IN_HANDSHAKE, () -> c.shutdown(Duration.ofSeconds(1)));
            assertEquals(0, c.bytesOut(), c.role() + " wrote nothing");
            assertEquals(Set.of(), c.flags());
            assertTrue(c.session().isEmpty());
        }
        p.client.close();
        p.server.close();
        FaultyProxy.Connection conn = proxy.awaitConnection(0, WAIT);
        conn.awaitEnd(proxy.clientToServer(), WAIT);
        conn.awaitEnd(proxy.serverToClient(), WAIT);
        assertEquals(0, conn.clientToServer().length, "the client put nothing on the wire");
        assertEquals(0, conn.serverToClient().length, "the server put nothing on the wire");
    }

    // ================================================================== §2.7 quiet shutdown

    @BothProtocols
    @DisplayName("§2.7 quiet shutdown: COMPLETE, both flags, outcome QUIET, zero bytes; the peer sees TRUNCATED when the transport closes")
    void quietShutdown(String protocol) throws Exception {
        ContextPair ctx = contexts(protocol);
        FaultyProxy proxy = proxy(ctx);
        Pair p = handshaken(ctx, proxy.address(), DEFAULT.withQuietShutdown(true), DEFAULT);
        long before = p.client.bytesOut();

        assertEquals(ShutdownResult.COMPLETE, p.client.shutdown());
        assertEquals(Set.of(SENT, RECEIVED), p.client.flags());
        assertEquals(CloseReason.QUIET, reason(p.client));
        assertEquals(ShutdownResult.COMPLETE, p.client.shutdown());
        assertEquals(ShutdownResult.COMPLETE, p.client.shutdown(Duration.ofSeconds(1)));
        assertEquals(before, p.client.bytesOut(), "quiet shutdown sends nothing");

        p.client.close();
        assertEquals(CloseReason.QUIET, reason(p.client), "close() after quiet shutdown keeps QUIET");
        expect(Kind.TRUNCATED, () -> p.server.read(new byte[64], 0, 64));
        assertEquals(CloseReason.TRUNCATED, reason(p.server));
        assertEquals(before, clientWire(proxy).length, "no alert of any kind went out");
    }

    // ================================================================== §2.8 setting the flags

    @BothProtocols
    @DisplayName("§2.8 addFlags(SENT) then close(): no close_notify on the wire, outcome not ABORTED, writing is closed")
    void sentSetByHandSendsNothing(String protocol) throws Exception {
        ContextPair ctx = contexts(protocol);
        FaultyProxy proxy = proxy(ctx);
        Pair p = handshaken(ctx, proxy.address(), DEFAULT, DEFAULT);
        long before = p.client.bytesOut();

        p.client.addFlags(SENT);
        assertEquals(Set.of(SENT), p.client.flags());
        p.client.addFlags(SENT);
        assertEquals(Set.of(SENT), p.client.flags(), "adding a set flag changes nothing");
        expect(Kind.WRITE_AFTER_SHUTDOWN, () -> p.client.write(new byte[100], 0, 100));

        p.client.close();
        CloseOutcome outcome = p.client.outcome().orElseThrow();
        assertNotEquals(CloseReason.ABORTED, outcome.reason(), "SENT was set: this is no abortive close");
        assertTrue(outcome.flags().contains(SENT), "outcome flags: " + outcome.flags());
        assertEquals(Set.of(SENT), p.client.flags(), "flags are never cleared, not by close() either");
        assertEquals(before, p.client.bytesOut());

        expect(Kind.TRUNCATED, () -> p.server.read(new byte[64], 0, 64));
        assertEquals(before, clientWire(proxy).length, "no close_notify, no alert: nothing after the handshake");
    }

    @BothProtocols
    @DisplayName("§2.8 addFlags(SENT) then shutdown(): no close_notify is sent, the call waits for the peer's and returns COMPLETE")
    void sentSetByHandThenShutdown(String protocol) throws Exception {
        ContextPair ctx = contexts(protocol);
        FaultyProxy proxy = proxy(ctx);
        Pair p = handshaken(ctx, proxy.address(), DEFAULT, DEFAULT);
        long before = p.client.bytesOut();
        p.client.addFlags(SENT);

        // Also on a provider with the READ_AFTER_SENT gap: no close_notify of ours went out, so its
        // stack still reads (Capability.READ_AFTER_SENT).
        Task<ShutdownResult> shutdown = spawn("shutdown-after-hand-set-sent", p.client::shutdown);
        awaitParked(shutdown.thread());
        assertFalse(shutdown.future().isDone(), "SENT is set: shutdown() waits for the peer's close_notify");
        assertEquals(ShutdownResult.SENT, p.server.shutdown());
        assertEquals(ShutdownResult.COMPLETE, shutdown.join());
        assertEquals(Set.of(SENT, RECEIVED), p.client.flags());
        assertNotEquals(CloseReason.CLEAN, reason(p.client), "only one close_notify was exchanged: not CLEAN");
        assertEquals(before, p.client.bytesOut(), "with SENT set no close_notify is ever sent");
        p.client.close();
        assertEquals(before, clientWire(proxy).length, "nothing after the handshake");
    }

    @BothProtocols
    @DisplayName("§2.8 addFlags(RECEIVED): reads return end-of-stream; flags only grow; with both set shutdown() sends nothing and returns COMPLETE")
    void flagsOnlyGrow(String protocol) throws Exception {
        ContextPair ctx = contexts(protocol);
        FaultyProxy proxy = proxy(ctx);
        Pair p = handshaken(ctx, proxy.address(), DEFAULT, DEFAULT);
        long before = p.client.bytesOut();

        p.client.addFlags(RECEIVED);
        assertEquals(Set.of(RECEIVED), p.client.flags());
        assertEquals(-1, p.client.read(new byte[64], 0, 64), "RECEIVED set by hand reads as end-of-stream");
        p.client.addFlags();
        assertEquals(Set.of(RECEIVED), p.client.flags());
        p.client.addFlags(SENT, RECEIVED);
        assertEquals(Set.of(SENT, RECEIVED), p.client.flags());
        p.client.addFlags(SENT);
        assertEquals(Set.of(SENT, RECEIVED), p.client.flags());

        assertEquals(ShutdownResult.COMPLETE, p.client.shutdown());
        assertEquals(before, p.client.bytesOut(), "with SENT set no close_notify is ever sent");
        assertNotEquals(CloseReason.CLEAN, reason(p.client), "no close_notify was exchanged: not CLEAN");
        p.client.close();
        assertEquals(Set.of(SENT, RECEIVED), p.client.flags());
        assertEquals(before, clientWire(proxy).length);
    }

    // ================================================================== §2.9 closing the transport

    @BothProtocols
    @DisplayName("§2.9 close() without shutdown: outcome ABORTED, no close_notify on the wire, the peer sees TRUNCATED")
    void closeWithoutShutdownIsAbortive(String protocol) throws Exception {
        ContextPair ctx = contexts(protocol);
        FaultyProxy proxy = proxy(ctx);
        Pair p = handshaken(ctx, proxy.address(), DEFAULT, DEFAULT);
        long before = p.client.bytesOut();

        p.client.close();
        CloseOutcome outcome = p.client.outcome().orElseThrow();
        assertEquals(CloseReason.ABORTED, outcome.reason());
        assertEquals(Set.of(), p.client.flags());
        p.client.close();
        assertEquals(outcome, p.client.outcome().orElseThrow(), "close() is idempotent");

        expect(Kind.TRUNCATED, () -> p.server.read(new byte[64], 0, 64));
        assertEquals(before, clientWire(proxy).length, "no close_notify was sent implicitly");
    }

    @BothProtocols
    @DisplayName("§2.9 close() with shutdownOnClose: one close_notify goes out, the peer reads -1, outcome SENT_ONLY")
    void shutdownOnCloseSendsCloseNotify(String protocol) throws Exception {
        ContextPair ctx = contexts(protocol);
        FaultyProxy proxy = proxy(ctx);
        Pair p = handshaken(ctx, proxy.address(), DEFAULT.withShutdownOnClose(true), DEFAULT);
        long before = p.client.bytesOut();

        p.client.close();
        assertTrue(p.client.flags().contains(SENT), "flags: " + p.client.flags());
        assertEquals(CloseReason.SENT_ONLY, reason(p.client));
        assertEquals(-1, p.server.read(new byte[64], 0, 64));
        assertEquals(Set.of(RECEIVED), p.server.flags());
        assertOneAlert(clientWire(proxy), before, protocol, "the close_notify sent on close");
    }

    // ================================================================== §3 reading and end-of-stream

    @BothProtocols
    @DisplayName("§3 end-of-stream: the peer's close_notify reads as -1 after every earlier byte, in order")
    void everyByteBeforeCloseNotifyIsDelivered(String protocol) throws Exception {
        ContextPair ctx = contexts(protocol);
        Pair p = handshaken(ctx, ctx.address(), DEFAULT, DEFAULT);
        int[] sizes = {1, 100, 5000, 16384, 16385, 7, 30_000, 2048};
        ByteArrayOutputStream sent = new ByteArrayOutputStream();
        for (int i = 0; i < sizes.length; i++) {
            sent.writeBytes(pattern(sizes[i], 10 + i));
        }
        Task<ShutdownResult> peer = spawn("writer", () -> {
            for (int i = 0; i < sizes.length; i++) {
                byte[] chunk = pattern(sizes[i], 10 + i);
                if (i % 2 == 0) {
                    p.server.write(chunk, 0, chunk.length);
                } else {
                    p.server.write(ByteBuffer.wrap(chunk));
                }
            }
            return p.server.shutdown();
        });
        assertArrayEquals(sent.toByteArray(), readToEnd(p.client));
        assertEquals(ShutdownResult.SENT, peer.join());
        assertEquals(Set.of(RECEIVED), p.client.flags());
        assertEquals(-1, p.client.read(ByteBuffer.allocate(10)));
    }

    /** Where the peer's stream is cut, relative to the records after the handshake. */
    public enum CutAt {
        /** Between records, right after the handshake, before any application data. */
        RECORD_BOUNDARY_BEFORE_DATA(0, false),
        /** Between records, after an application-data record was read. */
        RECORD_BOUNDARY_AFTER_DATA(0, true),
        /** Inside the 5-byte header of the next record. */
        IN_RECORD_HEADER(3, true),
        /** In the middle of the next record's fragment. */
        MID_RECORD(40, true);

        final int intoNextRecord;
        final boolean dataFirst;

        CutAt(int intoNextRecord, boolean dataFirst) {
            this.intoNextRecord = intoNextRecord;
            this.dataFirst = dataFirst;
        }
    }

    @ParameterizedTest(name = "{displayName} [{0}, {1}]")
    @CsvSource({
        "TLSv1.3, RECORD_BOUNDARY_BEFORE_DATA", "TLSv1.3, RECORD_BOUNDARY_AFTER_DATA", "TLSv1.3, IN_RECORD_HEADER", "TLSv1.3, MID_RECORD",
        "TLSv1.2, RECORD_BOUNDARY_BEFORE_DATA", "TLSv1.2, RECORD_BOUNDARY_AFTER_DATA", "TLSv1.2, IN_RECORD_HEADER", "TLSv1.2, MID_RECORD"})
    @DisplayName("§3 truncation: TCP EOF without close_notify fails TRUNCATED, outcome TRUNCATED; shutdown() then fails FAILED_EARLIER")
    void transportEofIsTruncation(String protocol, CutAt cut) throws Exception {
        ContextPair ctx = contexts(protocol);
        FaultyProxy proxy = proxy(ctx);
        Pair p = handshaken(ctx, proxy.address(), DEFAULT, DEFAULT);
        FaultyProxy.Connection conn = proxy.awaitConnection(0, WAIT);
        if (cut.dataFirst) {
            byte[] first = pattern(300, 5);
            p.server.write(first, 0, first.length);
            assertArrayEquals(first, readExactly(p.client, first.length));
        }
        long boundary = p.server.bytesOut();
        conn.awaitBytes(proxy.serverToClient(), boundary, WAIT);
        proxy.serverToClient().cutAt(boundary + cut.intoNextRecord, Cut.FIN);
        byte[] cutOff = pattern(300, 6);
        p.server.write(cutOff, 0, cutOff.length);
        long clientOut = p.client.bytesOut();

        TlsException e = expect(Kind.TRUNCATED, () -> p.client.read(new byte[1024], 0, 1024));
        assertFalse(p.client.flags().contains(RECEIVED), "a truncation is no close_notify: " + p.client.flags());
        CloseOutcome outcome = p.client.outcome().orElseThrow();
        assertEquals(CloseReason.TRUNCATED, outcome.reason());
        assertEquals(Kind.TRUNCATED, outcome.failure().orElseThrow().kind());

        TlsException again = expect(Kind.FAILED_EARLIER, p.client::shutdown);
        assertEquals(Kind.TRUNCATED, assertInstanceOf(TlsException.class, again.getCause()).kind());
        expect(Kind.FAILED_EARLIER, () -> p.client.read(new byte[16], 0, 16));
        assertEquals(clientOut, p.client.bytesOut(), "shutdown() after the truncation sent nothing");
        assertEquals(CloseReason.TRUNCATED, reason(p.client));
        assertMessageMentions(e, "truncat");
    }

    @BothProtocols
    @DisplayName("§3 truncation: the peer closes its raw socket while we are blocked reading: TRUNCATED, outcome TRUNCATED")
    void rawCloseByThePeerIsTruncation(String protocol) throws Exception {
        ContextPair ctx = contexts(protocol);
        Pair p = handshaken(ctx, ctx.address(), DEFAULT, DEFAULT);
        Task<Integer> reader = spawn("reader", () -> p.client.read(new byte[64], 0, 64));
        awaitParked(reader.thread());

        p.rawServer.close();
        TlsException e = assertThrows(TlsException.class, reader::join);
        assertEquals(Kind.TRUNCATED, e.kind(), e.toString());
        assertEquals(CloseReason.TRUNCATED, reason(p.client));
        assertFalse(p.client.flags().contains(RECEIVED));
    }

    /** What ends the connection after an ignored unexpected EOF. */
    public enum EndBy { SHUTDOWN, CLOSE }

    @ParameterizedTest(name = "{displayName} [{0}, then {1}]")
    @CsvSource({"TLSv1.3, SHUTDOWN", "TLSv1.3, CLOSE", "TLSv1.2, SHUTDOWN", "TLSv1.2, CLOSE"})
    @DisplayName("§3 ignoreUnexpectedEof: TCP EOF without close_notify reads as -1 and sets RECEIVED; the close reason still records TRUNCATED")
    void ignoredUnexpectedEof(String protocol, EndBy end) throws Exception {
        ContextPair ctx = contexts(protocol);
        Pair p = handshaken(ctx, ctx.address(), DEFAULT.withIgnoreUnexpectedEof(true), DEFAULT);
        byte[] data = pattern(1000, 7);
        p.server.write(data, 0, data.length);
        p.rawServer.shutdownOutput(); // a FIN without close_notify; our direction stays open

        assertArrayEquals(data, readExactly(p.client, data.length));
        assertEquals(-1, p.client.read(new byte[64], 0, 64));
        assertEquals(-1, p.client.read(new byte[64], 0, 64));
        assertTrue(p.client.flags().contains(RECEIVED), "flags: " + p.client.flags());
        assertFalse(p.client.flags().contains(SENT));

        switch (end) {
            case SHUTDOWN -> {
                assertEquals(ShutdownResult.COMPLETE, p.client.shutdown(), "RECEIVED is set: rule 2");
                assertEquals(Set.of(SENT, RECEIVED), p.client.flags());
            }
            case CLOSE -> p.client.close();
        }
        assertEquals(CloseReason.TRUNCATED, reason(p.client));
        p.client.close();
        assertEquals(CloseReason.TRUNCATED, reason(p.client));
    }

    @Test
    @DisplayName("§3 TLS 1.3 half-close: after RECEIVED we may still write and the peer reads it (HALF_CLOSE_TLS13), else WRITE_AFTER_PEER_CLOSE")
    @GapAware(Capability.HALF_CLOSE_TLS13)
    @GapAware(Capability.READ_AFTER_SENT)
    void tls13HalfClose() throws Exception {
        String protocol = "TLSv1.3";
        ContextPair ctx = contexts(protocol);
        Pair p = handshaken(ctx, ctx.address(), DEFAULT, DEFAULT);
        assertEquals(ShutdownResult.SENT, p.server.shutdown());
        assertEquals(-1, p.client.read(new byte[64], 0, 64));
        assertEquals(Set.of(RECEIVED), p.client.flags());
        long before = p.client.bytesOut();
        byte[] reply = pattern(5000, 8);

        if (!provider0().supports(Capability.HALF_CLOSE_TLS13)) {
            TlsException e = expect(Kind.WRITE_AFTER_PEER_CLOSE, () -> p.client.write(reply, 0, reply.length),
                    "HALF_CLOSE_TLS13 declared as a gap: a write after the peer's close_notify must fail"
                    + " (if it works, the gap is gone: stop declaring it)");
            assertMessageMentions(e, "write");
            assertEquals(before, p.client.bytesOut(), "HALF_CLOSE_TLS13 declared as a gap: nothing was sent");
            assertEquals(ShutdownResult.COMPLETE, p.client.shutdown());
            return;
        }
        p.client.write(reply, 0, reply.length);
        p.client.write(reply, 0, reply.length);
        if (provider0().supports(Capability.READ_AFTER_SENT)) {
            assertArrayEquals(reply, readExactly(p.server, reply.length));
            assertArrayEquals(reply, readExactly(p.server, reply.length));
        }
        assertEquals(ShutdownResult.COMPLETE, p.client.shutdown());
        assertEquals(CloseReason.CLEAN, reason(p.client));
        if (provider0().supports(Capability.READ_AFTER_SENT)) {
            assertEquals(-1, p.server.read(new byte[64], 0, 64));
            assertEquals(ShutdownResult.COMPLETE, p.server.shutdown());
        }
    }

    @Test
    @DisplayName("§3 TLS 1.2 no half-close: a write after RECEIVED fails WRITE_AFTER_PEER_CLOSE, sends nothing; our reply close_notify waits for shutdown()")
    @GapAware(Capability.READ_AFTER_SENT)
    void tls12NoHalfClose() throws Exception {
        String protocol = "TLSv1.2";
        ContextPair ctx = contexts(protocol);
        FaultyProxy proxy = proxy(ctx);
        Pair p = handshaken(ctx, proxy.address(), DEFAULT, DEFAULT);
        assertEquals(ShutdownResult.SENT, p.server.shutdown());
        assertEquals(-1, p.client.read(new byte[64], 0, 64));
        long before = p.client.bytesOut();

        TlsException e = expect(Kind.WRITE_AFTER_PEER_CLOSE, () -> p.client.write(new byte[100], 0, 100));
        assertMessageMentions(e, "write");
        expect(Kind.WRITE_AFTER_PEER_CLOSE, () -> p.client.write(ByteBuffer.allocate(100)));
        assertEquals(before, p.client.bytesOut(), "a refused write sends nothing");
        assertEquals(Set.of(RECEIVED), p.client.flags(), "no close_notify behind the application's back");

        Task<ShutdownResult> peerWaits = spawn("peer-waits", p.server::shutdown);
        if (provider0().supports(Capability.READ_AFTER_SENT)) {
            awaitParked(peerWaits.thread());
            assertFalse(peerWaits.future().isDone(), "the peer still waits for our close_notify");
        }
        assertEquals(before, p.client.bytesOut(), "still nothing from us before shutdown()");
        assertEquals(before, proxy.awaitConnection(0, WAIT).clientToServer().length);

        assertEquals(ShutdownResult.COMPLETE, p.client.shutdown());
        if (provider0().supports(Capability.READ_AFTER_SENT)) {
            assertEquals(ShutdownResult.COMPLETE, peerWaits.join());
        } else {
            expect(Kind.READ_AFTER_SHUTDOWN, peerWaits::join);
            GapAssertions.assertEndedSentOnly(p.server, "the peer's shutdown() after SENT");
        }
        p.client.close();
        assertOneAlert(clientWire(proxy), before, protocol, "our reply close_notify, sent by shutdown()");
    }

    // ================================================================== §5 reusing the transport

    /** Who sends the first close_notify before the peer switches to plaintext. */
    public enum FirstToClose { PEER, US }

    @ParameterizedTest(name = "{displayName} [{0}, first to close: {1}]")
    @CsvSource({"TLSv1.3, PEER", "TLSv1.3, US", "TLSv1.2, PEER", "TLSv1.2, US"})
    @DisplayName("§5 transport reuse: the peer's close_notify and plaintext arrive in one read; after COMPLETE (CLEAN) the plaintext is intact in leftover() or the socket")
    @GapAware(Capability.READ_AFTER_SENT)
    void plaintextAfterCloseNotifyIsKept(String protocol, FirstToClose first) throws Exception {
        ContextPair ctx = contexts(protocol);
        Pair p = handshaken(ctx, ctx.address(), DEFAULT, DEFAULT);
        byte[] plain = ("220 plaintext from here on (FTP CCC, STARTTLS); " + "x".repeat(300))
                .getBytes(StandardCharsets.US_ASCII);

        if (first == FirstToClose.US) {
            assertEquals(ShutdownResult.SENT, p.client.shutdown());
            assertEquals(-1, p.server.read(new byte[64], 0, 64));
            assertEquals(ShutdownResult.COMPLETE, p.server.shutdown());
        } else {
            assertEquals(ShutdownResult.SENT, p.server.shutdown());
        }
        p.rawServer.getOutputStream().write(plain);
        // Everything the peer sent, its close_notify and the plaintext, is in our socket buffer
        // before we read: one read from the transport gets all of it.
        long unread = p.server.bytesOut() - p.client.bytesIn() + plain.length;
        InputStream rawIn = p.rawClient.getInputStream();
        await().atMost(WAIT).until(() -> rawIn.available() >= unread);

        if (first == FirstToClose.US) {
            if (!provider0().supports(Capability.READ_AFTER_SENT)) {
                GapAssertions.assertReadAfterShutdown(p.client, p.client::shutdown, "shutdown() after SENT");
                assertTrue(rawIn.available() >= unread, "nothing was consumed: the peer's close_notify and the"
                        + " plaintext are still in the socket");
                return;
            }
            assertEquals(ShutdownResult.COMPLETE, p.client.shutdown());
        } else {
            assertEquals(-1, p.client.read(new byte[64], 0, 64));
            assertEquals(ShutdownResult.COMPLETE, p.client.shutdown());
        }
        assertEquals(CloseReason.CLEAN, reason(p.client));
        assertFalse(p.rawClient.isClosed(), "after a CLEAN COMPLETE the transport is left open");
        assertArrayEquals(plain, leftoverThenRaw(p.client, p.rawClient, plain.length, true),
                "no byte after the peer's close_notify is lost");
        assertEquals(0, p.client.leftover().remaining(), "leftover() hands bytes back once");

        // The same transport carries plaintext the other way too.
        byte[] back = "200 ok, plaintext".getBytes(StandardCharsets.US_ASCII);
        p.rawClient.getOutputStream().write(back);
        if (first == FirstToClose.PEER) {
            if (!provider0().supports(Capability.READ_AFTER_SENT)) {
                // The peer sent first: it cannot wait for our close_notify, which stays in its socket.
                GapAssertions.assertReadAfterShutdown(p.server, p.server::shutdown, "the peer's shutdown() after SENT");
                long serverUnread = p.client.bytesOut() - p.server.bytesIn() + back.length;
                InputStream serverIn = p.rawServer.getInputStream();
                await().atMost(WAIT).until(() -> serverIn.available() >= serverUnread);
                return;
            }
            assertEquals(ShutdownResult.COMPLETE, p.server.shutdown());
        }
        assertEquals(CloseReason.CLEAN, reason(p.server));
        assertArrayEquals(back, leftoverThenRaw(p.server, p.rawServer, back.length, false));
    }

    // ================================================================== §6 errors

    @BothProtocols
    @DisplayName("§6 errors: each misuse fails with its kind and a message that says what was done")
    void misuseMessagesSayWhatWasDone(String protocol) throws Exception {
        ContextPair ctx = contexts(protocol);
        Pair p = handshaken(ctx, ctx.address(), DEFAULT, DEFAULT);
        assertEquals(ShutdownResult.SENT, p.client.shutdown());
        TlsException afterShutdown = expect(Kind.WRITE_AFTER_SHUTDOWN, () -> p.client.write(new byte[10], 0, 10));
        assertMessageMentions(afterShutdown, "write");
        assertMessageMentions(afterShutdown, "shutdown");

        p.client.close();
        for (Executable onClosed : List.<Executable>of(
                () -> p.client.read(new byte[10], 0, 10),
                () -> p.client.write(new byte[10], 0, 10),
                p.client::shutdown)) {
            TlsException e = expect(Kind.CLOSED, onClosed);
            assertMessageMentions(e, "closed");
        }

        Pair q = handshaken(ctx, ctx.address(), DEFAULT, DEFAULT);
        q.rawServer.close();
        expect(Kind.TRUNCATED, () -> q.client.read(new byte[10], 0, 10));
        TlsException failed = expect(Kind.FAILED_EARLIER, q.client::shutdown);
        assertMessageMentions(failed, "fail");
        TlsException cause = assertInstanceOf(TlsException.class, failed.getCause());
        assertEquals(Kind.TRUNCATED, cause.kind());
    }

    @BothProtocols
    @DisplayName("§6 errors: a received fatal alert fails PROTOCOL with its description in alert(), outcome FATAL_ALERT")
    void receivedFatalAlertIsDescribed(String protocol) throws Exception {
        Corrupted k = corrupted(protocol);
        expect(Kind.PROTOCOL, () -> k.pair.client.read(new byte[1024], 0, 1024));

        TlsException received = expect(Kind.PROTOCOL, () -> k.pair.server.read(new byte[1024], 0, 1024));
        CloseOutcome outcome = k.pair.server.outcome().orElseThrow();
        assertEquals(CloseReason.FATAL_ALERT, outcome.reason());
        if (reportsAlertDescriptions()) {
            assertEquals(Optional.of("bad_record_mac"), received.alert(), received.toString());
            assertEquals(Optional.of("bad_record_mac"), outcome.alert());
        }
        expect(Kind.FAILED_EARLIER, k.pair.server::shutdown);
    }

    // ================================================================== §7 threads and time

    @BothProtocols
    @DisplayName("§7 a read blocked on one thread while another calls shutdown(): no hang, the reader sees -1 when the peer answers")
    @GapAware(Capability.READ_AFTER_SENT)
    void shutdownWhileAnotherThreadReads(String protocol) throws Exception {
        ContextPair ctx = contexts(protocol);
        Pair p = handshaken(ctx, ctx.address(), DEFAULT, DEFAULT);
        Task<Integer> reader = spawn("reader", () -> p.client.read(new byte[64], 0, 64));
        awaitParked(reader.thread());

        assertEquals(ShutdownResult.SENT, spawn("first-shutdown", p.client::shutdown).join(),
                "shutdown()'s first step only writes: it does not wait for the blocked reader");
        Task<ShutdownResult> waiter = spawn("second-shutdown", p.client::shutdown);

        assertEquals(-1, p.server.read(new byte[64], 0, 64));
        assertEquals(ShutdownResult.COMPLETE, p.server.shutdown());
        if (!provider0().supports(Capability.READ_AFTER_SENT)) {
            expect(Kind.READ_AFTER_SHUTDOWN, waiter::join);
            expect(Kind.READ_AFTER_SHUTDOWN, reader::join); // woken by the peer's bytes, it reads none of them
            GapAssertions.assertEndedSentOnly(p.client, "a blocked read and shutdown() after SENT");
            return;
        }
        assertEquals(-1, reader.join(), "the blocked reader sees the peer's close_notify");
        assertEquals(ShutdownResult.COMPLETE, waiter.join(), "the waiting shutdown() relies on the reader");
        assertEquals(Set.of(SENT, RECEIVED), p.client.flags());
        assertEquals(CloseReason.CLEAN, reason(p.client));
    }

    @BothProtocols
    @DisplayName("§7 shutdown(Duration) against a silent peer: TIMEOUT within the bound, outcome TIMEOUT, transport closed")
    @GapAware(Capability.READ_AFTER_SENT)
    void shutdownWithDeadlineAgainstSilentPeer(String protocol) throws Exception {
        ContextPair ctx = contexts(protocol);
        Pair p = handshaken(ctx, ctx.address(), DEFAULT, DEFAULT);
        // The peer neither reads nor answers.
        long start = System.nanoTime();
        if (!provider0().supports(Capability.READ_AFTER_SENT)) {
            // Our close_notify goes out, and the wait is refused at once: no TIMEOUT, the transport stays open.
            expect(Kind.READ_AFTER_SHUTDOWN, () -> p.client.shutdown(WAIT));
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            assertTrue(took.compareTo(WAIT.dividedBy(2)) < 0, "READ_AFTER_SHUTDOWN answers without waiting: " + took);
            assertFalse(p.rawClient.isClosed(), "no deadline expired: the transport is left to the caller");
            GapAssertions.assertReadAfterShutdown(p.client, () -> p.client.shutdown(SHORT), "shutdown(Duration) after SENT");
            return;
        }
        TlsException e = expect(Kind.TIMEOUT, () -> p.client.shutdown(SHORT));
        assertTookAbout(SHORT, start, "shutdown(" + SHORT + ")");
        assertEquals(CloseReason.TIMEOUT, reason(p.client));
        assertEquals(Set.of(SENT), p.client.flags());
        assertTrue(p.rawClient.isClosed(), "an expired deadline closes the transport");
        assertMessageMentions(e, "deadline");
        expect(Kind.FAILED_EARLIER, p.client::shutdown);
    }

    @BothProtocols
    @DisplayName("§7 peer-close deadline: shutdown() again after SENT against a silent peer fails TIMEOUT within peerCloseTimeout")
    @GapAware(Capability.READ_AFTER_SENT)
    void peerCloseDeadline(String protocol) throws Exception {
        ContextPair ctx = contexts(protocol);
        Pair p = handshaken(ctx, ctx.address(), DEFAULT.withPeerCloseTimeout(SHORT), DEFAULT);
        assertEquals(ShutdownResult.SENT, p.client.shutdown());
        long start = System.nanoTime();
        if (!provider0().supports(Capability.READ_AFTER_SENT)) {
            GapAssertions.assertReadAfterShutdown(p.client, p.client::shutdown, "shutdown() after SENT");
            assertFalse(p.rawClient.isClosed(), "no deadline expired: the transport is left to the caller");
            return;
        }
        expect(Kind.TIMEOUT, p.client::shutdown);
        assertTookAbout(SHORT, start, "the wait for the peer's close_notify");
        assertEquals(CloseReason.TIMEOUT, reason(p.client));
        assertTrue(p.rawClient.isClosed(), "an expired deadline closes the transport");
    }

    @BothProtocols
    @DisplayName("§7 a deadline that expires during a blocked write (peer stopped reading): TIMEOUT, transport force-closed, the writer is released")
    void deadlineDuringBlockedWrite(String protocol) throws Exception {
        ContextPair ctx = contexts(protocol);
        FaultyProxy proxy = proxy(ctx);
        Pair p = handshaken(ctx, proxy.address(), DEFAULT.withCloseFlushTimeout(SHORT), DEFAULT);
        long handshakeBytes = p.client.bytesOut();
        proxy.awaitConnection(0, WAIT).awaitBytes(proxy.clientToServer(), handshakeBytes, WAIT);
        proxy.clientToServer().stallAfter(handshakeBytes); // the peer stops reading

        AtomicLong written = new AtomicLong();
        byte[] block = pattern(256 * 1024, 9);
        Task<Long> writer = spawn("big-writer", () -> {
            while (true) {
                p.client.write(block, 0, block.length);
                written.addAndGet(block.length);
            }
        });
        // Loopback buffers hold megabytes: wait until the writer is blocked for good.
        await().atMost(Duration.ofSeconds(20)).during(Duration.ofMillis(300))
                .until(() -> isParked(writer.thread()) && !writer.future().isDone());

        long start = System.nanoTime();
        TlsException e = expect(Kind.TIMEOUT, p.client::shutdown);
        assertTookAbout(SHORT, start, "the close_notify flush behind a blocked write");
        assertEquals(CloseReason.TIMEOUT, reason(p.client));
        assertTrue(p.rawClient.isClosed(), "a blocking write has no timeout of its own: the transport is force-closed");
        assertThrows(TlsException.class, writer::join, "the blocked writer is released with an error");
        assertTrue(written.get() > 0);
        assertMessageMentions(e, "deadline");
    }

    @BothProtocols
    @DisplayName("§7 a deadline that expires while our close_notify is blocked in the socket write (transport full): TIMEOUT, transport force-closed")
    void deadlineDuringBlockedCloseNotifyFlush(String protocol) throws Exception {
        ContextPair ctx = contexts(protocol);
        FaultyProxy proxy = proxy(ctx);
        Pair p = handshaken(ctx, proxy.address(), DEFAULT.withCloseFlushTimeout(SHORT), DEFAULT);
        long handshakeBytes = p.client.bytesOut();
        proxy.awaitConnection(0, WAIT).awaitBytes(proxy.clientToServer(), handshakeBytes, WAIT);
        proxy.clientToServer().stallAfter(handshakeBytes); // the peer stops reading

        // Fill the transport under the connection (the stalled proxy never reads it), without
        // holding the connection's own write side: shutdown() itself then blocks in the socket write.
        OutputStream rawOut = p.rawClient.getOutputStream();
        byte[] filler = new byte[256 * 1024];
        Task<Void> filling = spawn("transport-filler", () -> {
            while (true) {
                rawOut.write(filler);
            }
        });
        await().atMost(Duration.ofSeconds(20)).during(Duration.ofMillis(300))
                .until(() -> isParked(filling.thread()) && !filling.future().isDone());

        long start = System.nanoTime();
        TlsException e = expect(Kind.TIMEOUT, p.client::shutdown);
        assertTookAbout(SHORT, start, "the close_notify flush into a full transport");
        assertEquals(CloseReason.TIMEOUT, reason(p.client));
        assertTrue(p.rawClient.isClosed(), "a blocking write has no timeout of its own: the transport is force-closed");
        assertThrows(IOException.class, filling::join, "the transport is closed under the blocked filler too");
        assertMessageMentions(e, "deadline");
    }

    @BothProtocols
    @DisplayName("§7 handshake deadline against a peer that accepts and never answers: TIMEOUT within the bound, client and server")
    void handshakeDeadline(String protocol) throws Exception {
        ContextPair ctx = contexts(protocol);
        ServerSocket silent = track(new ServerSocket(0, 50, InetAddress.getLoopbackAddress()));
        Task<Socket> accepted = spawn("silent-accept", silent::accept);
        Socket toSilent = track(new Socket(silent.getInetAddress(), silent.getLocalPort()));
        track(accepted.join()); // accepted, and never a byte in answer
        TlsSocketConnection client = track(ctx.client().open(toSilent, DEFAULT.withHandshakeTimeout(SHORT)));
        long start = System.nanoTime();
        expect(Kind.TIMEOUT, client::handshake);
        assertTookAbout(SHORT, start, "the client's handshake deadline");
        assertEquals(CloseReason.TIMEOUT, reason(client));
        assertTrue(client.session().isEmpty());
        assertTrue(toSilent.isClosed(), "an expired deadline closes the transport");

        // The server side: a raw client that connects and says nothing; handshake(Duration).
        Pair p = open(ctx, ctx.address(), DEFAULT, DEFAULT);
        start = System.nanoTime();
        expect(Kind.TIMEOUT, () -> p.server.handshake(SHORT));
        assertTookAbout(SHORT, start, "the server's handshake(Duration)");
        assertEquals(CloseReason.TIMEOUT, reason(p.server));
        assertEquals(0, p.server.bytesOut(), "the server had nothing to answer");
    }

    @BothProtocols
    @DisplayName("§7 idle read deadline: a read against a silent peer fails TIMEOUT within idleReadTimeout, outcome TIMEOUT")
    void idleReadDeadline(String protocol) throws Exception {
        ContextPair ctx = contexts(protocol);
        Pair p = handshaken(ctx, ctx.address(), DEFAULT.withIdleReadTimeout(SHORT), DEFAULT);
        long start = System.nanoTime();
        expect(Kind.TIMEOUT, () -> p.client.read(new byte[64], 0, 64));
        assertTookAbout(SHORT, start, "the idle read deadline");
        assertEquals(CloseReason.TIMEOUT, reason(p.client));
        assertTrue(p.rawClient.isClosed(), "an expired deadline closes the transport");
        expect(Kind.FAILED_EARLIER, () -> p.client.read(new byte[64], 0, 64));
    }

    // ================================================================== views

    @BothProtocols
    @DisplayName("Views: inputStream()/outputStream() round-trip data, read -1 at the peer's close_notify, and close() closes the connection")
    void streamViews(String protocol) throws Exception {
        ContextPair ctx = contexts(protocol);
        Pair p = handshaken(ctx, ctx.address(), DEFAULT, DEFAULT);
        OutputStream clientOut = p.client.outputStream();
        InputStream serverIn = p.server.inputStream();
        byte[] data = pattern(20_000, 11);
        clientOut.write(data);
        clientOut.write(0x42);
        clientOut.flush();
        assertArrayEquals(data, serverIn.readNBytes(data.length));
        assertEquals(0x42, serverIn.read());

        byte[] reply = pattern(3000, 12);
        p.server.outputStream().write(reply);
        InputStream clientIn = p.client.inputStream();
        assertArrayEquals(reply, clientIn.readNBytes(reply.length));
        assertEquals(0, clientIn.read(new byte[10], 0, 0));

        assertEquals(ShutdownResult.SENT, p.server.shutdown());
        assertEquals(-1, clientIn.read());
        assertEquals(-1, clientIn.read(new byte[10]));

        clientIn.close();
        assertTrue(p.client.outcome().isPresent(), "closing the InputStream closes the connection");
        expect(Kind.CLOSED, () -> p.client.read(new byte[10], 0, 10));

        p.server.outputStream().close();
        assertTrue(p.server.outcome().isPresent(), "closing the OutputStream closes the connection");
        expect(Kind.CLOSED, () -> p.server.read(new byte[10], 0, 10));
    }

    @BothProtocols
    @DisplayName("Views: channel() round-trips data, reads -1 at the peer's close_notify, and close() closes the connection")
    void channelView(String protocol) throws Exception {
        ContextPair ctx = contexts(protocol);
        Pair p = handshaken(ctx, ctx.address(), DEFAULT, DEFAULT);
        ByteChannel clientChannel = p.client.channel();
        ByteChannel serverChannel = p.server.channel();
        assertTrue(clientChannel.isOpen());

        byte[] data = pattern(20_000, 13);
        ByteBuffer src = ByteBuffer.wrap(data);
        assertEquals(data.length, clientChannel.write(src));
        assertEquals(0, src.remaining());
        assertArrayEquals(data, readChannel(serverChannel, data.length));

        byte[] reply = pattern(500, 14);
        assertEquals(reply.length, serverChannel.write(ByteBuffer.wrap(reply)));
        assertArrayEquals(reply, readChannel(clientChannel, reply.length));

        assertEquals(ShutdownResult.SENT, p.server.shutdown());
        assertEquals(-1, clientChannel.read(ByteBuffer.allocate(10)));

        clientChannel.close();
        assertFalse(clientChannel.isOpen());
        assertTrue(p.client.outcome().isPresent(), "closing the channel closes the connection");
        expect(Kind.CLOSED, () -> p.client.read(new byte[10], 0, 10));
    }

    // ================================================================== §8 observability

    @BothProtocols
    @DisplayName("§8 observability: session() facts after the handshake, provider and role, bytesIn/bytesOut grow and match the peer's")
    void sessionFactsAndByteCounts(String protocol) throws Exception {
        ContextPair ctx = contexts(protocol);
        Pair p = open(ctx, ctx.address(), DEFAULT, DEFAULT);
        for (TlsSocketConnection c : List.of(p.client, p.server)) {
            assertTrue(c.session().isEmpty(), "no session facts before the handshake");
            assertEquals(0, c.bytesIn());
            assertEquals(0, c.bytesOut());
            assertEquals(provider0().name(), c.providerName());
            assertTrue(c.outcome().isEmpty());
        }
        assertEquals(Role.CLIENT, p.client.role());
        assertEquals(Role.SERVER, p.server.role());

        handshake(p);
        SessionFacts client = p.client.session().orElseThrow();
        SessionFacts server = p.server.session().orElseThrow();
        for (SessionFacts f : List.of(client, server)) {
            assertEquals(protocol, f.protocol());
            assertFalse(f.cipherSuite().isBlank());
            assertFalse(f.cipherSuite().contains("NULL"), f.cipherSuite());
            assertTrue(f.sessionId().matches("[0-9a-f]*"), "lower-case hex: " + f.sessionId());
            assertFalse(f.resumed(), "the first connection of fresh contexts is a full handshake");
        }
        assertEquals(client.cipherSuite(), server.cipherSuite());
        assertTrue(p.client.bytesOut() > 0 && p.client.bytesIn() > 0);
        assertTrue(p.server.bytesOut() > 0 && p.server.bytesIn() > 0);

        long clientOut = p.client.bytesOut();
        byte[] data = pattern(10_000, 15);
        p.client.write(data, 0, data.length);
        assertTrue(p.client.bytesOut() >= clientOut + data.length, "bytesOut grows by at least the data");
        assertArrayEquals(data, readExactly(p.server, data.length));
        assertEquals(p.client.bytesOut(), p.server.bytesIn(), "the server has read everything the client sent");

        long serverOut = p.server.bytesOut();
        p.server.write(data, 0, data.length);
        assertTrue(p.server.bytesOut() >= serverOut + data.length);
        assertArrayEquals(data, readExactly(p.client, data.length));
        assertEquals(p.server.bytesOut(), p.client.bytesIn(), "the client has read everything the server sent");
    }

    // ================================================================== support

    /** A client and a server connection over loopback sockets, with the raw sockets under them. */
    private static final class Pair implements AutoCloseable {
        final TlsSocketConnection client;
        final TlsSocketConnection server;
        final Socket rawClient;
        final Socket rawServer;

        Pair(TlsSocketConnection client, TlsSocketConnection server, Socket rawClient, Socket rawServer) {
            this.client = client;
            this.server = server;
            this.rawClient = rawClient;
            this.rawServer = rawServer;
        }

        @Override
        public void close() throws IOException {
            client.close();
            server.close();
            rawClient.close();
            rawServer.close();
        }
    }

    /** A pair whose server→client stream has one flipped byte inside its next application-data record. */
    private record Corrupted(Pair pair, FaultyProxy proxy) {
    }

    private Corrupted corrupted(String protocol) throws Exception {
        ContextPair ctx = contexts(protocol);
        FaultyProxy proxy = proxy(ctx);
        // The server's reads are bounded, so that a missing fatal alert fails clearly instead of hanging.
        Pair p = handshaken(ctx, proxy.address(), DEFAULT, DEFAULT.withIdleReadTimeout(WAIT));
        long boundary = p.server.bytesOut();
        proxy.awaitConnection(0, WAIT).awaitBytes(proxy.serverToClient(), boundary, WAIT);
        proxy.serverToClient().flipAt(boundary + 30); // inside the encrypted fragment of the next record
        byte[] data = pattern(200, 16);
        p.server.write(data, 0, data.length);
        return new Corrupted(p, proxy);
    }

    private ShutdownProvider provider0() {
        if (provider == null) {
            provider = provider();
        }
        return provider;
    }

    private ContextPair contexts(String protocol) {
        return track(ContextPair.of(provider0(), protocol));
    }

    private FaultyProxy proxy(ContextPair ctx) throws IOException {
        return track(FaultyProxy.start(ctx.address()));
    }

    private <T extends AutoCloseable> T track(T resource) {
        resources.push(resource);
        return resource;
    }

    /** Opens a pair without handshake; the client dials {@code dial} (the listener, or a proxy in front of it). */
    private Pair open(ContextPair ctx, InetSocketAddress dial, ConnectionPolicy clientPolicy,
                      ConnectionPolicy serverPolicy) throws Exception {
        Task<Socket> accepted = spawn("accept", () -> ctx.listener().accept());
        Socket rawClient = track(new Socket(dial.getAddress(), dial.getPort()));
        rawClient.setTcpNoDelay(true);
        Socket rawServer = track(accepted.join());
        rawServer.setTcpNoDelay(true);
        TlsSocketConnection client = track(ctx.client().open(rawClient, clientPolicy));
        TlsSocketConnection server = track(ctx.server().open(rawServer, serverPolicy));
        return new Pair(client, server, rawClient, rawServer);
    }

    private Pair handshaken(ContextPair ctx, InetSocketAddress dial, ConnectionPolicy clientPolicy,
                            ConnectionPolicy serverPolicy) throws Exception {
        Pair p = open(ctx, dial, clientPolicy, serverPolicy);
        handshake(p);
        return p;
    }

    private static void handshake(Pair p) throws Exception {
        Task<Void> server = spawn("server-handshake", () -> {
            p.server.handshake();
            return null;
        });
        try {
            p.client.handshake();
        } catch (Exception e) {
            try {
                server.join();
            } catch (Exception s) {
                e.addSuppressed(s);
            }
            throw e;
        }
        server.join();
    }

    /** The client and the server closed cleanly: client first, both COMPLETE. */
    private static void closeCleanly(Pair p) throws Exception {
        assertEquals(ShutdownResult.SENT, p.client.shutdown());
        assertEquals(-1, p.server.read(new byte[64], 0, 64));
        assertEquals(ShutdownResult.COMPLETE, p.server.shutdown());
        assertEquals(ShutdownResult.COMPLETE, p.client.shutdown());
    }

    /**
     * READ_AFTER_SENT gap: what the server sent after the handshake bytes the client had read is
     * still in the client's socket, untouched.
     */
    private static void assertUnread(Pair p, String what) throws IOException {
        long unread = p.server.bytesOut() - p.client.bytesIn();
        assertTrue(unread > 0, what + ": the peer sent something");
        InputStream rawIn = p.rawClient.getInputStream();
        await().atMost(WAIT).until(() -> rawIn.available() >= unread);
        assertEquals(unread, rawIn.available(), what + " stay unread in the socket, every byte");
    }

    /** Everything the client wrote to the proxy, once its stream ended (close the client first). */
    private static byte[] clientWire(FaultyProxy proxy) throws InterruptedException {
        FaultyProxy.Connection conn = proxy.awaitConnection(0, WAIT);
        conn.awaitEnd(proxy.clientToServer(), WAIT);
        return conn.clientToServer();
    }

    /** {@code wire[from..]} is exactly one whole record, and it has the size of an alert. */
    private static void assertOneAlert(byte[] wire, long from, String protocol, String what) {
        TlsRecords.Parsed parsed = TlsRecords.parse(wire, (int) from, wire.length);
        assertFalse(parsed.hasPartial(), what + ": no partial record expected: " + parsed);
        assertEquals(1, parsed.records().size(), what + ": exactly one record expected after offset " + from + ": " + parsed);
        TlsRecord r = parsed.records().get(0);
        assertTrue(alertSized(r, protocol), what + ": the record is not an alert: " + r);
    }

    /**
     * TLS 1.2 sends alerts as alert records; TLS 1.3 disguises them as small application-data
     * records (2 alert bytes, the inner content type, the AEAD tag).
     */
    private static boolean alertSized(TlsRecord r, String protocol) {
        if ("TLSv1.2".equals(protocol)) {
            return r.contentType() == TlsRecords.ALERT;
        }
        return r.contentType() == TlsRecords.APPLICATION_DATA && r.length() <= MAX_TLS13_ALERT_FRAGMENT;
    }

    private static CloseReason reason(TlsSocketConnection c) {
        return c.outcome().orElseThrow(() -> new AssertionError(c.role() + " has not ended: flags " + c.flags())).reason();
    }

    private static TlsException expect(Kind kind, Executable call) {
        return expect(kind, call, kind == Kind.READ_AFTER_SHUTDOWN
                ? "READ_AFTER_SENT declared as a gap: expected a TlsException of kind " + kind
                : "expected a TlsException of kind " + kind);
    }

    /** As {@link #expect(Kind, Executable)}, saying {@code why} the failure is expected when it does not come. */
    private static TlsException expect(Kind kind, Executable call, String why) {
        TlsException e = assertThrows(TlsException.class, call, why);
        if (e.kind() != kind) {
            fail("expected kind " + kind + ", got " + e, e);
        }
        assertFalse(e.getMessage() == null || e.getMessage().isBlank(), "every failure has a message");
        return e;
    }

    private static void assertMessageMentions(TlsException e, String word) {
        assertTrue(e.getMessage().toLowerCase(Locale.ROOT).contains(word.toLowerCase(Locale.ROOT)),
                () -> "the " + e.kind() + " message should say what happened (\"" + word + "\"): " + e.getMessage());
    }

    /** The step ended no (noticeably) earlier than {@code bound} and not later than {@code bound + SLACK}. */
    private static void assertTookAbout(Duration bound, long startNanos, String what) {
        Duration took = Duration.ofNanos(System.nanoTime() - startNanos);
        assertTrue(took.compareTo(bound.minus(EARLY)) >= 0, what + " gave up after " + took + ", before its bound " + bound);
        assertTrue(took.compareTo(bound.plus(SLACK)) < 0, what + " took " + took + ", bound " + bound + " + slack " + SLACK);
    }

    private static byte[] readChannel(ByteChannel ch, int n) throws IOException {
        ByteBuffer dst = ByteBuffer.allocate(n);
        while (dst.hasRemaining()) {
            if (ch.read(dst) < 0) {
                fail("end-of-stream after " + dst.position() + " of " + n + " bytes");
            }
        }
        return dst.array();
    }

    /**
     * {@code n} bytes: what the connection hands back in leftover(), then the rest from the raw
     * socket. With {@code arrived}, all {@code n} bytes are known to have reached our socket buffer
     * before the connection read: what it neither hands back nor left in the socket is lost.
     */
    private static byte[] leftoverThenRaw(TlsSocketConnection c, Socket raw, int n, boolean arrived) throws IOException {
        ByteBuffer left = c.leftover();
        assertTrue(left.remaining() <= n, "leftover() holds more than the peer sent: " + left.remaining());
        byte[] out = new byte[n];
        int got = left.remaining();
        left.get(out, 0, got);
        InputStream rawIn = raw.getInputStream();
        if (arrived) {
            int inSocket = rawIn.available();
            assertTrue(got + inSocket >= n, () -> (n - got - inSocket) + " of the " + n + " bytes after the peer's"
                    + " close_notify were lost: " + got + " handed back by leftover(), " + inSocket + " left in the socket");
        }
        raw.setSoTimeout((int) WAIT.toMillis());
        byte[] rest = rawIn.readNBytes(n - got);
        System.arraycopy(rest, 0, out, got, rest.length);
        return Arrays.copyOf(out, got + rest.length);
    }

    private static byte[] pattern(int length, int seed) {
        byte[] bytes = new byte[length];
        for (int i = 0; i < length; i++) {
            bytes[i] = (byte) (i * 31 + seed * 7 + (i >>> 8));
        }
        return bytes;
    }

    /** A step running on its own virtual thread, whose thread can be watched. */
    private record Task<T>(Thread thread, CompletableFuture<T> future) {
        T join() throws Exception {
            try {
                return future.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
            } catch (ExecutionException e) {
                if (e.getCause() instanceof Exception x) {
                    throw x;
                }
                if (e.getCause() instanceof Error x) {
                    throw x;
                }
                throw e;
            }
        }
    }

    private static <T> Task<T> spawn(String name, Callable<T> step) {
        CompletableFuture<T> f = new CompletableFuture<>();
        Thread t = Thread.ofVirtual().name("contract-" + name).unstarted(() -> {
            try {
                f.complete(step.call());
            } catch (Throwable x) {
                f.completeExceptionally(x);
            }
        });
        t.start();
        return new Task<>(t, f);
    }

    /** How a step ended, for a failure message: what it returned or threw, or that it still runs. */
    private static String outcomeOf(CompletableFuture<?> f) {
        if (!f.isDone()) {
            return "is still running";
        }
        try {
            return "returned " + f.getNow(null);
        } catch (RuntimeException e) {
            return "failed: " + (e.getCause() == null ? e : e.getCause());
        }
    }

    private static boolean isParked(Thread t) {
        Thread.State s = t.getState();
        return s == Thread.State.WAITING || s == Thread.State.TIMED_WAITING;
    }

    /** Waits until {@code t} is blocked (or has ended, which the caller then sees). */
    private static void awaitParked(Thread t) {
        await().atMost(WAIT).until(() -> isParked(t) || t.getState() == Thread.State.TERMINATED);
    }

}

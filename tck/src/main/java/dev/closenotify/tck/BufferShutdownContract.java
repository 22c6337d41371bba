package dev.closenotify.tck;

import static dev.closenotify.tck.Buffers.assertOneCloseNotify;
import static dev.closenotify.tck.Buffers.closeBothWays;
import static dev.closenotify.tck.Buffers.data;
import static dev.closenotify.tck.Buffers.filled;
import static dev.closenotify.tck.Buffers.handshake;
import static dev.closenotify.tck.Buffers.readToEnd;
import static dev.closenotify.tck.Buffers.recordsSince;
import static dev.closenotify.tck.Buffers.remaining;
import static dev.closenotify.tck.Buffers.settle;
import static dev.closenotify.tck.Buffers.transfer;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.closenotify.tck.support.BufferPipe;
import dev.closenotify.tck.support.ContextPair;
import dev.closenotify.tck.support.Cut;
import dev.closenotify.tck.support.StreamEnd;
import dev.closenotify.tck.support.TlsRecords;
import dev.closenotify.spi.Capability;
import dev.closenotify.spi.CloseOutcome;
import dev.closenotify.spi.CloseReason;
import dev.closenotify.spi.ConnectionPolicy;
import dev.closenotify.spi.ShutdownFlag;
import dev.closenotify.spi.ShutdownProvider;
import dev.closenotify.spi.ShutdownResult;
import dev.closenotify.spi.TlsBufferConnection;
import dev.closenotify.spi.TlsException;
import dev.closenotify.spi.TlsException.Kind;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Timeout;

/**
 * The shutdown contract (SEMANTICS.md §2, §3, §5, §6) on the non-blocking buffer transport: a
 * client (a) and a server (b) {@link TlsBufferConnection} of {@link #provider()} joined by a
 * {@link BufferPipe}, driven from the test thread, every byte on the wire recorded.
 *
 * <p>Subclass it once per provider. Rules that depend on a §9 capability branch on
 * {@link ShutdownProvider#supports(Capability)} and assert the documented other behaviour for a
 * declared gap; nothing is skipped.
 */
// A separate thread, so that a provider that spins instead of blocking still fails in time.
@Timeout(value = 30, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
public abstract class BufferShutdownContract {

    /** The provider under test. */
    protected abstract ShutdownProvider provider();

    private static final byte[] HELLO = "hello, closenotify".getBytes(StandardCharsets.US_ASCII);
    /** What a STARTTLS/CCC-style protocol sends in the clear after the TLS close. */
    private static final byte[] PLAIN = "230 back in plaintext\r\n".getBytes(StandardCharsets.US_ASCII);

    private final List<ContextPair> contexts = new ArrayList<>();

    @AfterEach
    void closeContexts() {
        contexts.forEach(ContextPair::close);
    }

    private ContextPair contexts(String protocol) {
        ContextPair ctx = ContextPair.of(provider(), protocol);
        contexts.add(ctx);
        return ctx;
    }

    private BufferPipe handshaken(String protocol) throws Exception {
        return handshake(contexts(protocol).buffers());
    }

    private boolean readsAfterSent() {
        return provider().supports(Capability.READ_AFTER_SENT);
    }

    // ------------------------------------------------------------------ handshake and data

    @EachProtocol
    @DisplayName("§2 buffer transport: the handshake completes by pumping, and data goes both ways intact")
    void handshakeAndRoundTrip(String protocol) throws Exception {
        BufferPipe pipe = handshaken(protocol);
        TlsBufferConnection c = pipe.a();
        TlsBufferConnection s = pipe.b();
        assertEquals(protocol, c.session().orElseThrow().protocol());
        assertEquals(protocol, s.session().orElseThrow().protocol());

        assertArrayEquals(HELLO, transfer(pipe, c, s, HELLO));
        byte[] big = data(40_000, 1);
        assertArrayEquals(big, transfer(pipe, s, c, big));

        assertEquals(Set.of(), c.flags());
        assertEquals(Set.of(), s.flags());
        assertTrue(c.outcome().isEmpty(), "an open connection has no outcome: " + c.outcome());
        settle(pipe);
        assertEquals(pipe.bytes(pipe.aToB()).length, c.bytesOut(), "§8 bytesOut counts what was handed over");
        assertEquals(pipe.bytes(pipe.bToA()).length, s.bytesOut(), "§8 bytesOut counts what was handed over");
    }

    // ------------------------------------------------------------------ §2 rules 1-4

    @EachProtocol
    @DisplayName("§2.1 first to close: shutdown() = SENT, flags {SENT}, one close_notify; a later write fails"
            + " WRITE_AFTER_SHUTDOWN and adds nothing to outbound")
    void firstToClose(String protocol) throws Exception {
        BufferPipe pipe = handshaken(protocol);
        TlsBufferConnection c = pipe.a();
        TlsBufferConnection s = pipe.b();
        int mark = pipe.bytes(pipe.aToB()).length;

        assertEquals(ShutdownResult.SENT, c.shutdown());
        assertEquals(Set.of(ShutdownFlag.SENT), c.flags());
        int queued = c.outbound().position();
        long out = c.bytesOut();
        assertTrue(queued > 0, "SENT: the close_notify must be in outbound");

        ByteBuffer src = ByteBuffer.wrap(HELLO);
        TlsException e = assertThrows(TlsException.class, () -> c.write(src));
        assertEquals(Kind.WRITE_AFTER_SHUTDOWN, e.kind(), e::toString);
        assertEquals(0, src.position(), "nothing of the write may be consumed");
        assertEquals(queued, c.outbound().position(), "a write after shutdown must add nothing to outbound");
        assertEquals(out, c.bytesOut());
        assertEquals(Set.of(ShutdownFlag.SENT), c.flags());

        pipe.pumpUntilQuiet(100);
        assertOneCloseNotify(protocol, recordsSince(pipe, pipe.aToB(), mark), "after shutdown() and a refused write");
        assertArrayEquals(new byte[0], readToEnd(pipe, s), "the peer reads end-of-stream");
        assertEquals(Set.of(ShutdownFlag.RECEIVED), s.flags());
    }

    @EachProtocol
    @DisplayName("§2.1 after SENT the read direction stays open: the peer's data is read intact"
            + " (READ_AFTER_SENT gap: the read fails instead)")
    @GapAware(Capability.READ_AFTER_SENT)
    void readDirectionStaysOpenAfterSent(String protocol) throws Exception {
        BufferPipe pipe = handshaken(protocol);
        TlsBufferConnection c = pipe.a();
        TlsBufferConnection s = pipe.b();
        assertEquals(ShutdownResult.SENT, c.shutdown());
        byte[] late = data(5000, 2);
        // The server writes before it processes the client's close_notify (legal in TLS 1.2 as well).
        ByteBuffer src = ByteBuffer.wrap(late);
        pipe.pumpUntil(() -> !src.hasRemaining(), () -> s.write(src), Buffers.ROUNDS);
        settle(pipe);
        if (!readsAfterSent()) {
            ByteBuffer dst = ByteBuffer.allocate(late.length);
            int fed = c.inbound().position();
            assertTrue(fed > 0, "the peer's data is in inbound");
            GapAssertions.assertReadAfterShutdown(c, () -> c.read(dst), "read()");
            assertEquals(0, dst.position(), "declared gap READ_AFTER_SENT: no data may be returned");
            assertEquals(fed, c.inbound().position(), "nothing was taken from inbound");
            return;
        }
        ByteBuffer dst = ByteBuffer.allocate(late.length);
        pipe.pumpUntil(() -> !dst.hasRemaining(), () -> assertNotEquals(-1, c.read(dst)), Buffers.ROUNDS);
        assertArrayEquals(late, dst.array());
        assertEquals(Set.of(ShutdownFlag.SENT), c.flags());
        assertArrayEquals(new byte[0], readToEnd(pipe, s));
    }

    @EachProtocol
    @DisplayName("§2.2 peer closed first: read returns -1 and sets RECEIVED, no reply goes out behind the"
            + " application's back; then shutdown() = COMPLETE with one close_notify")
    @GapAware(Capability.READ_AFTER_SENT)
    void peerClosedFirst(String protocol) throws Exception {
        BufferPipe pipe = handshaken(protocol);
        TlsBufferConnection c = pipe.a();
        TlsBufferConnection s = pipe.b();
        assertEquals(ShutdownResult.SENT, s.shutdown());
        settle(pipe);
        int mark = pipe.bytes(pipe.aToB()).length;

        assertArrayEquals(new byte[0], readToEnd(pipe, c));
        assertEquals(Set.of(ShutdownFlag.RECEIVED), c.flags());
        assertEquals(-1, c.read(ByteBuffer.allocate(10)), "end-of-stream stays end-of-stream");
        settle(pipe);
        assertEquals(mark, pipe.bytes(pipe.aToB()).length,
                "§3: the reply close_notify goes out only when the application calls shutdown()");

        assertEquals(ShutdownResult.COMPLETE, c.shutdown());
        assertEquals(Set.of(ShutdownFlag.SENT, ShutdownFlag.RECEIVED), c.flags());
        CloseOutcome o = c.outcome().orElseThrow();
        assertEquals(CloseReason.CLEAN, o.reason());
        assertTrue(o.sessionKept(), "§4: a clean close keeps the session: " + o);
        assertTrue(o.failure().isEmpty(), o::toString);
        settle(pipe);
        assertOneCloseNotify(protocol, recordsSince(pipe, pipe.aToB(), mark), "the reply to the peer's close_notify");

        if (readsAfterSent()) {
            assertEquals(ShutdownResult.COMPLETE, s.shutdown());
            assertEquals(CloseReason.CLEAN, s.outcome().orElseThrow().reason());
        } else {
            GapAssertions.assertReadAfterShutdown(s, s::shutdown, "the peer's shutdown() after SENT");
        }
    }

    @EachProtocol
    @DisplayName("§3 writing after the peer's close_notify: TLS 1.2 (and TLS 1.3 with the HALF_CLOSE_TLS13"
            + " gap) fails WRITE_AFTER_PEER_CLOSE and sends nothing; TLS 1.3 half-close delivers the data")
    @GapAware(Capability.HALF_CLOSE_TLS13)
    @GapAware(value = Capability.READ_AFTER_SENT, protocols = "TLSv1.3")
    void writeAfterPeerClose(String protocol) throws Exception {
        BufferPipe pipe = handshaken(protocol);
        TlsBufferConnection c = pipe.a();
        TlsBufferConnection s = pipe.b();
        assertEquals(ShutdownResult.SENT, s.shutdown());
        settle(pipe);
        readToEnd(pipe, c);
        int mark = pipe.bytes(pipe.aToB()).length;
        boolean halfClose = protocol.equals("TLSv1.3") && provider().supports(Capability.HALF_CLOSE_TLS13);

        if (!halfClose) {
            ByteBuffer src = ByteBuffer.wrap(HELLO);
            TlsException e = assertThrows(TlsException.class, () -> c.write(src), protocol.equals("TLSv1.2")
                    ? "TLS 1.2 has no half-close: a write after the peer's close_notify must fail"
                    : "HALF_CLOSE_TLS13 declared as a gap: a write after the peer's close_notify must fail"
                    + " (if it works, the gap is gone: stop declaring it)");
            assertEquals(Kind.WRITE_AFTER_PEER_CLOSE, e.kind(), e::toString);
            assertEquals(0, src.position());
            settle(pipe);
            assertEquals(mark, pipe.bytes(pipe.aToB()).length, "a refused write sends nothing");
            assertEquals(ShutdownResult.COMPLETE, c.shutdown());
            settle(pipe);
            assertOneCloseNotify(protocol, recordsSince(pipe, pipe.aToB(), mark), "after a refused write");
            return;
        }
        if (readsAfterSent()) {
            assertArrayEquals(HELLO, transfer(pipe, c, s, HELLO), "half-close: the peer reads what we write");
        } else {
            ByteBuffer src = ByteBuffer.wrap(HELLO);
            pipe.pumpUntil(() -> !src.hasRemaining(), () -> c.write(src), Buffers.ROUNDS);
            settle(pipe);
            assertFalse(recordsSince(pipe, pipe.aToB(), mark).records().isEmpty(), "half-close: the data went out");
        }
        assertEquals(ShutdownResult.COMPLETE, c.shutdown());
        assertEquals(CloseReason.CLEAN, c.outcome().orElseThrow().reason());
        if (readsAfterSent()) {
            assertArrayEquals(new byte[0], readToEnd(pipe, s));
            assertEquals(ShutdownResult.COMPLETE, s.shutdown());
        }
    }

    @EachProtocol
    @DisplayName("§2.3 after SENT, shutdown() = WANT_READ until the peer's close_notify is fed, then COMPLETE;"
            + " never a second close_notify")
    @GapAware(Capability.READ_AFTER_SENT)
    void waitForThePeer(String protocol) throws Exception {
        BufferPipe pipe = handshaken(protocol);
        TlsBufferConnection c = pipe.a();
        TlsBufferConnection s = pipe.b();
        int mark = pipe.bytes(pipe.aToB()).length;
        assertEquals(ShutdownResult.SENT, c.shutdown());
        if (!readsAfterSent()) {
            // Not WANT_READ: the answer is final, before and after the peer's close_notify was fed.
            GapAssertions.assertReadAfterShutdown(c, c::shutdown, "shutdown() after SENT");
            pipe.pumpUntilQuiet(100);
            assertArrayEquals(new byte[0], readToEnd(pipe, s));
            assertEquals(ShutdownResult.COMPLETE, s.shutdown());
            pipe.pumpUntilQuiet(100);
            int fed = c.inbound().position();
            assertTrue(fed > 0, "the peer's close_notify is in inbound");
            GapAssertions.assertReadAfterShutdown(c, c::shutdown, "shutdown() after SENT, the peer's close_notify fed");
            assertEquals(fed, c.inbound().position(), "nothing was taken from inbound");
            settle(pipe);
            assertOneCloseNotify(protocol, recordsSince(pipe, pipe.aToB(), mark), "after three shutdown() calls");
            return;
        }
        assertEquals(ShutdownResult.WANT_READ, c.shutdown(), "nothing fed yet");
        pipe.pumpUntilQuiet(100);
        assertEquals(ShutdownResult.WANT_READ, c.shutdown(), "the peer has not answered yet");
        assertEquals(Set.of(ShutdownFlag.SENT), c.flags());

        assertArrayEquals(new byte[0], readToEnd(pipe, s));
        assertEquals(ShutdownResult.COMPLETE, s.shutdown());
        assertEquals(ShutdownResult.WANT_READ, c.shutdown(), "the peer's close_notify is not fed yet");
        pipe.pumpUntilQuiet(100);
        assertEquals(ShutdownResult.COMPLETE, c.shutdown());
        assertEquals(Set.of(ShutdownFlag.SENT, ShutdownFlag.RECEIVED), c.flags());
        assertEquals(CloseReason.CLEAN, c.outcome().orElseThrow().reason());
        assertEquals(CloseReason.CLEAN, s.outcome().orElseThrow().reason());
        settle(pipe);
        assertOneCloseNotify(protocol, recordsSince(pipe, pipe.aToB(), mark), "after four shutdown() calls");
    }

    @EachProtocol
    @DisplayName("§2.3 application data before the peer's close_notify: shutdown() fails PENDING_DATA, the data"
            + " stays readable intact, and after end-of-stream shutdown() = COMPLETE")
    @GapAware(Capability.READ_AFTER_SENT)
    void pendingData(String protocol) throws Exception {
        BufferPipe pipe = handshaken(protocol);
        TlsBufferConnection c = pipe.a();
        TlsBufferConnection s = pipe.b();
        assertEquals(ShutdownResult.SENT, c.shutdown());
        byte[] late = data(3000, 3);
        ByteBuffer src = ByteBuffer.wrap(late);
        pipe.pumpUntil(() -> !src.hasRemaining(), () -> s.write(src), Buffers.ROUNDS);
        settle(pipe);
        if (!readsAfterSent()) {
            int fed = c.inbound().position();
            GapAssertions.assertReadAfterShutdown(c, c::shutdown, "shutdown() after SENT, data pending");
            assertEquals(fed, c.inbound().position(), "the pending data is left in inbound");
            return;
        }

        TlsException e = assertThrows(TlsException.class, c::shutdown);
        assertEquals(Kind.PENDING_DATA, e.kind(), e::toString);
        assertEquals(Set.of(ShutdownFlag.SENT), c.flags());
        assertTrue(c.outcome().isEmpty(), "PENDING_DATA does not end the connection: " + c.outcome());

        ByteBuffer dst = ByteBuffer.allocate(late.length);
        pipe.pumpUntil(() -> !dst.hasRemaining(), () -> assertNotEquals(-1, c.read(dst)), Buffers.ROUNDS);
        assertArrayEquals(late, dst.array(), "the pending data must be readable, intact");

        assertArrayEquals(new byte[0], readToEnd(pipe, s));
        assertEquals(ShutdownResult.COMPLETE, s.shutdown());
        settle(pipe);
        assertArrayEquals(new byte[0], readToEnd(pipe, c));
        assertEquals(ShutdownResult.COMPLETE, c.shutdown());
        assertEquals(CloseReason.CLEAN, c.outcome().orElseThrow().reason());
    }

    @EachProtocol
    @DisplayName("§2.4 after COMPLETE, shutdown() keeps returning COMPLETE and adds nothing to outbound")
    @GapAware(Capability.READ_AFTER_SENT)
    void idempotentAfterComplete(String protocol) throws Exception {
        BufferPipe pipe = handshaken(protocol);
        TlsBufferConnection c = pipe.a();
        TlsBufferConnection s = pipe.b();
        closeBothWays(pipe, s, c, readsAfterSent());
        if (!readsAfterSent()) {
            GapAssertions.assertReadAfterShutdown(s, s::shutdown, "shutdown() after SENT");
        }
        List<TlsBufferConnection> complete = readsAfterSent() ? List.of(c, s) : List.of(c);
        for (TlsBufferConnection conn : complete) {
            CloseOutcome before = conn.outcome().orElseThrow();
            long out = conn.bytesOut();
            for (int i = 0; i < 3; i++) {
                assertEquals(ShutdownResult.COMPLETE, conn.shutdown(), conn + " call " + i);
                assertEquals(0, conn.outbound().position(), conn + ": COMPLETE again must add nothing to outbound");
            }
            TlsException e = assertThrows(TlsException.class, () -> conn.write(ByteBuffer.wrap(HELLO)));
            assertEquals(Kind.WRITE_AFTER_SHUTDOWN, e.kind(), e::toString);
            assertEquals(0, conn.outbound().position());
            assertEquals(out, conn.bytesOut());
            assertEquals(Set.of(ShutdownFlag.SENT, ShutdownFlag.RECEIVED), conn.flags());
            assertEquals(before, conn.outcome().orElseThrow(), "the outcome does not change");
        }
        int ab = pipe.bytes(pipe.aToB()).length;
        int ba = pipe.bytes(pipe.bToA()).length;
        settle(pipe);
        assertEquals(ab, pipe.bytes(pipe.aToB()).length, "nothing more on the wire");
        assertEquals(ba, pipe.bytes(pipe.bToA()).length, "nothing more on the wire");
    }

    // ------------------------------------------------------------------ WANT_WRITE, tiny buffers

    @EachProtocol
    @DisplayName("§2 WANT_WRITE (we close first, 8-byte outbound): SENT is set and the close_notify partly"
            + " queued; after draining, SENT once and exactly one close_notify record on the wire")
    @GapAware(Capability.READ_AFTER_SENT)
    void wantWriteWhenClosingFirst(String protocol) throws Exception {
        BufferPipe pipe = handshake(Buffers.pipe(contexts(protocol), 32 * 1024, 8, 32 * 1024, 32 * 1024,
                ConnectionPolicy.DEFAULT, ConnectionPolicy.DEFAULT));
        TlsBufferConnection c = pipe.a();
        TlsBufferConnection s = pipe.b();
        int mark = pipe.bytes(pipe.aToB()).length;
        assertEquals(0, c.outbound().position());

        List<ShutdownResult> results = new ArrayList<>();
        results.add(c.shutdown());
        assertEquals(ShutdownResult.WANT_WRITE, results.get(0), "a close_notify does not fit into 8 bytes");
        assertTrue(c.flags().contains(ShutdownFlag.SENT), "WANT_WRITE: SENT is set: " + c.flags());
        assertEquals(8, c.outbound().position(), "the close_notify is partly queued: outbound is full");
        TlsException e = assertThrows(TlsException.class, () -> c.write(ByteBuffer.wrap(HELLO)));
        assertEquals(Kind.WRITE_AFTER_SHUTDOWN, e.kind(), e::toString);
        assertEquals(8, c.outbound().position(), "a refused write adds nothing");

        while (results.get(results.size() - 1) == ShutdownResult.WANT_WRITE) {
            assertTrue(results.size() < 100, "WANT_WRITE forever: " + results);
            pipe.pump();
            results.add(c.shutdown());
        }
        assertEquals(ShutdownResult.SENT, results.get(results.size() - 1), "results: " + results);
        assertEquals(1, results.stream().filter(r -> r == ShutdownResult.SENT).count(), "SENT exactly once: " + results);
        pipe.pumpUntilQuiet(100);
        assertOneCloseNotify(protocol, recordsSince(pipe, pipe.aToB(), mark), "after WANT_WRITE " + results);
        assertArrayEquals(new byte[0], readToEnd(pipe, s), "the peer reads a whole, valid close_notify");

        if (readsAfterSent()) {
            assertEquals(ShutdownResult.WANT_READ, c.shutdown());
            assertEquals(ShutdownResult.COMPLETE, s.shutdown());
            pipe.pumpUntilQuiet(100);
            assertEquals(ShutdownResult.COMPLETE, c.shutdown());
            pipe.pumpUntilQuiet(100);
            assertOneCloseNotify(protocol, recordsSince(pipe, pipe.aToB(), mark), "after the whole close");
        } else {
            GapAssertions.assertReadAfterShutdown(c, c::shutdown, "shutdown() after SENT and WANT_WRITE");
        }
    }

    @EachProtocol
    @DisplayName("§2 WANT_WRITE (peer closed first, 8-byte outbound): COMPLETE only once the whole reply"
            + " close_notify is in outbound; exactly one close_notify record, never a partial one")
    @GapAware(Capability.READ_AFTER_SENT)
    void wantWriteWhenAnsweringThePeer(String protocol) throws Exception {
        BufferPipe pipe = handshake(Buffers.pipe(contexts(protocol), 32 * 1024, 8, 32 * 1024, 32 * 1024,
                ConnectionPolicy.DEFAULT, ConnectionPolicy.DEFAULT));
        TlsBufferConnection c = pipe.a();
        TlsBufferConnection s = pipe.b();
        assertEquals(ShutdownResult.SENT, s.shutdown());
        settle(pipe);
        readToEnd(pipe, c);
        int mark = pipe.bytes(pipe.aToB()).length;

        List<ShutdownResult> results = new ArrayList<>();
        results.add(c.shutdown());
        assertEquals(ShutdownResult.WANT_WRITE, results.get(0), "a close_notify does not fit into 8 bytes");
        assertEquals(Set.of(ShutdownFlag.SENT, ShutdownFlag.RECEIVED), c.flags());
        assertEquals(8, c.outbound().position());
        while (results.get(results.size() - 1) == ShutdownResult.WANT_WRITE) {
            assertTrue(results.size() < 100, "WANT_WRITE forever: " + results);
            pipe.pump();
            results.add(c.shutdown());
        }
        assertEquals(ShutdownResult.COMPLETE, results.get(results.size() - 1), "results: " + results);
        // The caller now drains outbound and may close the transport: no flush() call in between.
        pipe.pumpUntilQuiet(100);
        assertOneCloseNotify(protocol, recordsSince(pipe, pipe.aToB(), mark),
                "after COMPLETE, by draining outbound only (results " + results + ")");
        if (readsAfterSent()) {
            assertEquals(ShutdownResult.COMPLETE, s.shutdown(), "the peer got our whole close_notify");
        } else {
            GapAssertions.assertReadAfterShutdown(s, s::shutdown, "the peer's shutdown() after SENT");
        }
    }

    @EachProtocol
    @DisplayName("§2 tiny buffers (64 bytes in and out, both sides): handshake, 10 KB each way and a clean"
            + " close all complete through WANT_READ/WANT_WRITE loops")
    @GapAware(Capability.READ_AFTER_SENT)
    void tinyBuffers(String protocol) throws Exception {
        BufferPipe pipe = handshake(Buffers.pipe(contexts(protocol), 64, 64, 64, 64,
                ConnectionPolicy.DEFAULT, ConnectionPolicy.DEFAULT));
        TlsBufferConnection c = pipe.a();
        TlsBufferConnection s = pipe.b();
        byte[] up = data(10_000, 4);
        byte[] down = data(10_000, 5);
        assertArrayEquals(up, transfer(pipe, c, s, up));
        assertArrayEquals(down, transfer(pipe, s, c, down));
        int markC = pipe.bytes(pipe.aToB()).length;
        int markS = pipe.bytes(pipe.bToA()).length;
        assertArrayEquals(new byte[0], closeBothWays(pipe, c, s, readsAfterSent()));
        assertEquals(CloseReason.CLEAN, s.outcome().orElseThrow().reason());
        if (readsAfterSent()) {
            assertEquals(CloseReason.CLEAN, c.outcome().orElseThrow().reason());
        } else {
            GapAssertions.assertReadAfterShutdown(c, c::shutdown, "shutdown() after SENT, 64-byte buffers");
        }
        assertOneCloseNotify(protocol, recordsSince(pipe, pipe.aToB(), markC), "client, 64-byte buffers");
        assertOneCloseNotify(protocol, recordsSince(pipe, pipe.bToA(), markS), "server, 64-byte buffers");
    }

    @EachProtocol
    @DisplayName("§2 useBuffers: a connection moved to other buffers while both hold bytes carries them over in"
            + " order and never touches the old ones again; or it refuses and keeps its buffers")
    @GapAware(Capability.READ_AFTER_SENT)
    void useBuffersCarriesTheBytesOver(String protocol) throws Exception {
        BufferPipe pipe = handshaken(protocol);
        TlsBufferConnection c = pipe.a();
        TlsBufferConnection s = pipe.b();
        byte[] first = data(3_000, 6);
        byte[] second = data(3_000, 7);
        // The first record waits in the server's inbound, the second in the client's outbound.
        assertEquals(first.length, c.write(ByteBuffer.wrap(first)));
        c.flush();
        pipe.pump();
        assertEquals(second.length, c.write(ByteBuffer.wrap(second)));
        ByteBuffer oldIn = s.inbound();
        ByteBuffer oldOut = c.outbound();
        int waitingIn = oldIn.position();
        int waitingOut = oldOut.position();
        assertTrue(waitingIn > first.length && waitingOut > second.length,
                "bytes wait in both buffers: " + waitingIn + " in, " + waitingOut + " out");

        ByteBuffer newIn = ByteBuffer.allocate(32 * 1024);
        ByteBuffer newOut = ByteBuffer.allocate(32 * 1024);
        boolean moved;
        try {
            s.useBuffers(newIn, ByteBuffer.allocate(32 * 1024));
            c.useBuffers(ByteBuffer.allocate(32 * 1024), newOut);
            moved = true;
        } catch (UnsupportedOperationException e) {
            moved = false;
        }
        if (moved) {
            assertSame(newIn, s.inbound());
            assertSame(newOut, c.outbound());
            assertEquals(waitingIn, newIn.position(), "the server's waiting bytes moved along");
            assertEquals(waitingOut, newOut.position(), "the client's waiting bytes moved along");
            // The old buffers are the caller's again: what is in them now must never be read or sent.
            oldIn.clear().put(new byte[oldIn.capacity()]);
            oldOut.clear().put(new byte[oldOut.capacity()]);
        } else {
            assertSame(oldIn, s.inbound(), "a refusal keeps the buffers");
            assertSame(oldOut, c.outbound(), "a refusal keeps the buffers");
        }

        ByteBuffer got = ByteBuffer.allocate(first.length + second.length);
        pipe.pumpUntil(() -> !got.hasRemaining(), () -> {
            c.flush();
            if (s.read(got) < 0) {
                fail("end-of-stream after " + got.position() + " bytes");
            }
        }, Buffers.ROUNDS);
        byte[] both = new byte[first.length + second.length];
        System.arraycopy(first, 0, both, 0, first.length);
        System.arraycopy(second, 0, both, first.length, second.length);
        assertArrayEquals(both, got.array(), "moved=" + moved + ": both records, whole and in order");
        byte[] back = data(20_000, 8);
        assertArrayEquals(back, transfer(pipe, s, c, back), "moved=" + moved + ": the other way, after the move");
        assertArrayEquals(new byte[0], closeBothWays(pipe, c, s, readsAfterSent()));
        assertEquals(CloseReason.CLEAN, s.outcome().orElseThrow().reason());
    }

    @EachProtocol
    @DisplayName("§2 direct buffers: a connection opened on direct buffers, and one moved from heap onto direct"
            + " ones, handshakes, carries data both ways intact and closes cleanly (prefersDirectBuffers is a hint)")
    @GapAware(Capability.READ_AFTER_SENT)
    void directBuffersWork(String protocol) throws Exception {
        BufferPipe pipe = handshake(contexts(protocol).directBuffers(32 * 1024));
        TlsBufferConnection c = pipe.a();
        TlsBufferConnection s = pipe.b();
        assertTrue(c.inbound().isDirect() && s.outbound().isDirect(), "the connections keep the buffers they got");
        bothWaysThenCleanClose(pipe, HELLO, data(40_000, 9), "opened on direct buffers");

        // Heap buffers while idle, direct ones while busy: what a server that parks connections does.
        BufferPipe moving = handshaken(protocol);
        TlsBufferConnection mc = moving.a();
        TlsBufferConnection ms = moving.b();
        boolean moved;
        try {
            ms.useBuffers(ByteBuffer.allocateDirect(32 * 1024), ByteBuffer.allocateDirect(32 * 1024));
            mc.useBuffers(ByteBuffer.allocateDirect(32 * 1024), ByteBuffer.allocateDirect(32 * 1024));
            moved = true;
        } catch (UnsupportedOperationException e) {
            moved = false;
        }
        assertEquals(moved, ms.inbound().isDirect() && mc.outbound().isDirect(), "moved=" + moved);
        bothWaysThenCleanClose(moving, data(40_000, 10), HELLO, "moved onto direct buffers=" + moved);
    }

    /** {@code toServer} and {@code toClient} arrive whole and in order, then a clean close both ways. */
    private void bothWaysThenCleanClose(BufferPipe pipe, byte[] toServer, byte[] toClient, String what)
            throws Exception {
        TlsBufferConnection c = pipe.a();
        TlsBufferConnection s = pipe.b();
        assertArrayEquals(toServer, transfer(pipe, c, s, toServer), what + ": client to server");
        assertArrayEquals(toClient, transfer(pipe, s, c, toClient), what + ": server to client");
        assertArrayEquals(new byte[0], closeBothWays(pipe, c, s, readsAfterSent()), what + ": nothing after the close");
        assertEquals(CloseReason.CLEAN, s.outcome().orElseThrow().reason(), what);
    }

    // ------------------------------------------------------------------ §3 truncation, §6 reset

    @EachProtocol
    @DisplayName("§3 transport EOF without close_notify: read fails TRUNCATED, RECEIVED not set, reason"
            + " TRUNCATED; shutdown() then fails FAILED_EARLIER and adds nothing")
    void truncated(String protocol) throws Exception {
        BufferPipe pipe = handshaken(protocol);
        TlsBufferConnection c = pipe.a();
        TlsBufferConnection s = pipe.b();
        assertArrayEquals(HELLO, transfer(pipe, s, c, HELLO));
        pipe.endOfStream(pipe.bToA());
        pipe.pumpUntilQuiet(10);

        TlsException e = assertThrows(TlsException.class, () -> readToEnd(pipe, c));
        assertEquals(Kind.TRUNCATED, e.kind(), e::toString);
        assertFalse(c.flags().contains(ShutdownFlag.RECEIVED), "truncation is not a close_notify: " + c.flags());
        CloseOutcome o = c.outcome().orElseThrow();
        assertEquals(CloseReason.TRUNCATED, o.reason());
        assertFalse(o.sessionKept(), "§4: truncation drops the session: " + o);
        assertFailsEarlierWithoutWriting(c, Kind.TRUNCATED);
    }

    @EachProtocol
    @DisplayName("§3 transport EOF in the middle of a record: read fails TRUNCATED and returns no data")
    void truncatedMidRecord(String protocol) throws Exception {
        BufferPipe pipe = handshaken(protocol);
        TlsBufferConnection c = pipe.a();
        TlsBufferConnection s = pipe.b();
        pipe.bToA().cutAt(pipe.bytes(pipe.bToA()).length + 7, Cut.FIN);
        assertEquals(HELLO.length, s.write(ByteBuffer.wrap(HELLO)));
        pipe.pumpUntilQuiet(10);
        assertEquals(StreamEnd.CUT_FIN, pipe.end(pipe.bToA()).orElseThrow());

        ByteBuffer dst = ByteBuffer.allocate(100);
        TlsException e = assertThrows(TlsException.class, () -> {
            for (int i = 0; i < 10; i++) {
                if (c.read(dst) < 0) {
                    fail("end-of-stream on a truncated record");
                }
            }
        });
        assertEquals(Kind.TRUNCATED, e.kind(), e::toString);
        assertEquals(0, dst.position(), "no data from a partial record");
        assertEquals(CloseReason.TRUNCATED, c.outcome().orElseThrow().reason());
        assertFailsEarlierWithoutWriting(c, Kind.TRUNCATED);
    }

    @EachProtocol
    @DisplayName("§3 ignore unexpected EOF: transport EOF reads as -1 and sets RECEIVED (data before it intact);"
            + " shutdown() = COMPLETE, reason still TRUNCATED")
    void ignoreUnexpectedEof(String protocol) throws Exception {
        BufferPipe pipe = handshake(Buffers.pipe(contexts(protocol), 32 * 1024, 32 * 1024, 32 * 1024, 32 * 1024,
                ConnectionPolicy.DEFAULT.withIgnoreUnexpectedEof(true), ConnectionPolicy.DEFAULT));
        TlsBufferConnection c = pipe.a();
        TlsBufferConnection s = pipe.b();
        assertEquals(HELLO.length, s.write(ByteBuffer.wrap(HELLO)));
        settle(pipe);
        pipe.endOfStream(pipe.bToA());
        pipe.pumpUntilQuiet(10);

        assertArrayEquals(HELLO, readToEnd(pipe, c), "the data before the EOF, then -1");
        assertEquals(Set.of(ShutdownFlag.RECEIVED), c.flags());
        assertEquals(ShutdownResult.COMPLETE, c.shutdown(), "§2.2: RECEIVED is set, so shutdown() completes");
        CloseOutcome o = c.outcome().orElseThrow();
        assertEquals(CloseReason.TRUNCATED, o.reason(), "the close reason still records the truncation: " + o);
        assertEquals(Set.of(ShutdownFlag.SENT, ShutdownFlag.RECEIVED), o.flags());
    }

    @EachProtocol
    @DisplayName("§6 transport reset: reason RESET on both sides, operations fail with a typed RESET, and"
            + " shutdown() fails FAILED_EARLIER and adds nothing")
    void transportReset(String protocol) throws Exception {
        BufferPipe pipe = handshaken(protocol);
        TlsBufferConnection c = pipe.a();
        TlsBufferConnection s = pipe.b();
        pipe.bToA().cutAt(pipe.bytes(pipe.bToA()).length, Cut.RST);
        pipe.pump();
        assertEquals(StreamEnd.CUT_RST, pipe.end(pipe.bToA()).orElseThrow());

        for (TlsBufferConnection conn : List.of(c, s)) {
            TlsException e = assertThrows(TlsException.class, () -> conn.read(ByteBuffer.allocate(10)));
            assertKindOrFailedEarlierWith(Kind.RESET, e);
            CloseOutcome o = conn.outcome().orElseThrow();
            assertEquals(CloseReason.RESET, o.reason(), conn + ": " + o);
            assertFalse(o.sessionKept(), "§4: a reset before SENT drops the session: " + o);
            TlsException failure = o.failure().orElseThrow(() -> new AssertionError("a reset is a failure: " + o));
            assertEquals(Kind.RESET, failure.kind(), failure::toString);
            assertTrue(causes(failure).stream().anyMatch(t -> BufferPipe.RESET_MESSAGE.equals(t.getMessage())),
                    "the RESET keeps the transport's exception as its cause: " + causes(failure));
            assertFailsEarlierWithoutWriting(conn, Kind.RESET);
        }
    }

    // ------------------------------------------------------------------ §5 leftover

    @EachProtocol
    @DisplayName("§5 plaintext right after the peer's close_notify (peer closed first) is never processed as"
            + " TLS: after COMPLETE it is handed back by leftover() (or left unread in inbound), exactly")
    @GapAware(Capability.READ_AFTER_SENT)
    void leftoverAfterPeerCloseNotify(String protocol) throws Exception {
        BufferPipe pipe = handshaken(protocol);
        TlsBufferConnection c = pipe.a();
        TlsBufferConnection s = pipe.b();
        assertEquals(ShutdownResult.SENT, s.shutdown());
        int afterCloseNotify = pipe.bytes(pipe.bToA()).length + s.outbound().position();
        pipe.bToA().injectAt(afterCloseNotify, PLAIN);
        pipe.pumpUntilQuiet(10);

        assertEquals(0, c.leftover().remaining(), "nothing is left over before the close_notify was processed");
        assertArrayEquals(new byte[0], readToEnd(pipe, c));
        assertEquals(ShutdownResult.COMPLETE, c.shutdown());
        assertEquals(CloseReason.CLEAN, c.outcome().orElseThrow().reason());
        assertLeftoverIsExactly(PLAIN, c);
        if (readsAfterSent()) {
            pipe.pumpUntilQuiet(10);
            assertEquals(ShutdownResult.COMPLETE, s.shutdown(), "the transport carried our close_notify too");
        } else {
            pipe.pumpUntilQuiet(10);
            GapAssertions.assertReadAfterShutdown(s, s::shutdown, "the peer's shutdown() after SENT");
        }
    }

    @EachProtocol
    @DisplayName("§5 plaintext put into inbound right after the peer's close_notify (we closed first): after"
            + " COMPLETE it is handed back by leftover() (or left unread in inbound), exactly")
    @GapAware(Capability.READ_AFTER_SENT)
    void leftoverAfterWaitingForThePeer(String protocol) throws Exception {
        BufferPipe pipe = handshaken(protocol);
        TlsBufferConnection c = pipe.a();
        TlsBufferConnection s = pipe.b();
        assertEquals(ShutdownResult.SENT, c.shutdown());
        settle(pipe);
        assertArrayEquals(new byte[0], readToEnd(pipe, s));
        assertEquals(ShutdownResult.COMPLETE, s.shutdown());
        pipe.pumpUntilQuiet(10);
        c.inbound().put(PLAIN);
        if (!readsAfterSent()) {
            int fed = c.inbound().position();
            GapAssertions.assertReadAfterShutdown(c, c::shutdown, "shutdown() after SENT");
            assertEquals(fed, c.inbound().position(), "the peer's close_notify and the plaintext stay in inbound");
            return;
        }
        assertEquals(ShutdownResult.COMPLETE, c.shutdown());
        assertEquals(CloseReason.CLEAN, c.outcome().orElseThrow().reason());
        assertLeftoverIsExactly(PLAIN, c);
    }

    // ------------------------------------------------------------------ §2.5, §2.6 misuse and failures

    @EachProtocol
    @DisplayName("§2.6 shutdown() before and during the handshake fails SHUTDOWN_WHILE_IN_HANDSHAKE, sets no"
            + " flag, adds nothing to outbound and ends the connection (ABORTED), on both sides")
    void shutdownWhileInHandshake(String protocol) throws Exception {
        BufferPipe pipe = contexts(protocol).buffers();
        TlsBufferConnection c = pipe.a();
        TlsBufferConnection s = pipe.b();

        c.handshake();
        assertTrue(c.outbound().position() > 0, "the ClientHello is queued");
        pipe.pump();
        s.handshake();
        assertTrue(s.outbound().position() > 0, "the server's first flight is queued");
        assertShutdownWhileInHandshake(c, "client after its ClientHello");
        assertShutdownWhileInHandshake(s, "server after its first flight");
        for (TlsBufferConnection conn : List.of(c, s)) {
            assertEquals(CloseReason.ABORTED, conn.outcome().orElseThrow().reason(), conn + ": ended by shutdown()");
            assertFalse(conn.outcome().orElseThrow().sessionKept());
            TlsException again = assertThrows(TlsException.class, conn::handshake);
            assertEquals(Kind.FAILED_EARLIER, again.kind(), again::toString);
        }
        c.close();
        s.close();
        assertEquals(CloseReason.ABORTED, c.outcome().orElseThrow().reason());

        BufferPipe fresh = contexts(protocol).buffers();
        assertShutdownWhileInHandshake(fresh.a(), "client before any handshake step");
        assertEquals(0, fresh.a().outbound().position(), "no ClientHello after shutdown() ended the connection");
    }

    @EachProtocol
    @DisplayName("§2.5/§6 a flipped byte in an application-data record: read fails PROTOCOL with no data, the"
            + " alert goes out at most once, then shutdown() fails FAILED_EARLIER and adds nothing")
    void badRecord(String protocol) throws Exception {
        BufferPipe pipe = handshaken(protocol);
        TlsBufferConnection c = pipe.a();
        TlsBufferConnection s = pipe.b();
        pipe.bToA().flipAt(pipe.bytes(pipe.bToA()).length + TlsRecords.HEADER_LENGTH + 3);
        assertEquals(HELLO.length, s.write(ByteBuffer.wrap(HELLO)));
        pipe.pumpUntilQuiet(10);
        int mark = pipe.bytes(pipe.aToB()).length;

        ByteBuffer dst = ByteBuffer.allocate(100);
        TlsException e = assertThrows(TlsException.class, () -> {
            for (int i = 0; i < 10; i++) {
                if (c.read(dst) != 0) {
                    fail("a read of a corrupted record returned " + dst.position() + " bytes or end-of-stream");
                }
            }
        });
        assertEquals(Kind.PROTOCOL, e.kind(), e::toString);
        assertEquals(0, dst.position(), "no plaintext from a corrupted record");
        CloseOutcome o = c.outcome().orElseThrow();
        assertEquals(CloseReason.FATAL_ALERT, o.reason(), o::toString);
        assertFalse(o.sessionKept(), "§4: a fatal error drops the session: " + o);
        assertEquals(e.alert(), o.alert(), "the outcome names the same alert as the failure");

        pipe.pumpUntilQuiet(10);
        TlsRecords.Parsed alert = recordsSince(pipe, pipe.aToB(), mark);
        assertTrue(alert.records().size() <= 1 && !alert.hasPartial(), "§6: the fatal alert goes out at most once,"
                + " whole: " + alert);
        assertFailsEarlierWithoutWriting(c, Kind.PROTOCOL);
        assertFalse(c.flags().contains(ShutdownFlag.SENT), "no close_notify after a fatal error: " + c.flags());
        pipe.pumpUntilQuiet(10);
        assertEquals(mark + (alert.records().isEmpty() ? 0 : alert.records().get(0).totalLength()),
                pipe.bytes(pipe.aToB()).length, "nothing but the one alert went out");
        if (!alert.records().isEmpty()) {
            TlsException peer = assertThrows(TlsException.class, () -> readToEnd(pipe, s));
            assertEquals(Kind.PROTOCOL, peer.kind(), "the peer receives the fatal alert: " + peer);
            assertEquals(CloseReason.FATAL_ALERT, s.outcome().orElseThrow().reason());
        }
    }

    @EachProtocol
    @DisplayName("§6 a flipped byte anywhere in an application-data record never yields corrupted plaintext:"
            + " the read fails (PROTOCOL, or TRUNCATED when the record now claims bytes that never come),"
            + " or returns exactly what was sent")
    void flippedByteNeverYieldsCorruptedPlaintext(String protocol) throws Exception {
        ContextPair ctx = contexts(protocol);
        byte[] secret = "the launch code is 0000".getBytes(StandardCharsets.US_ASCII);
        int recordLength = -1;
        for (int i = 0; recordLength < 0 || i < recordLength; i++) {
            BufferPipe pipe = handshake(ctx.buffers());
            TlsBufferConnection c = pipe.a();
            TlsBufferConnection s = pipe.b();
            int at = pipe.bytes(pipe.bToA()).length;
            assertEquals(secret.length, s.write(ByteBuffer.wrap(secret)));
            TlsRecords.Parsed queued = TlsRecords.parse(filled(s.outbound()));
            assertEquals(1, queued.records().size(), "one record for a short write: " + queued);
            recordLength = queued.records().get(0).totalLength();
            pipe.bToA().flipAt(at + i);
            pipe.pumpUntilQuiet(10);

            ByteBuffer dst = ByteBuffer.allocate(secret.length * 2);
            TlsException failure = null;
            try {
                for (int k = 0; k < 10 && dst.position() < secret.length; k++) {
                    int n = c.read(dst);
                    assertNotEquals(-1, n, "byte " + i + " flipped: a corrupted record read as end-of-stream");
                    if (n == 0 && k == 5) {
                        pipe.endOfStream(pipe.bToA()); // the record may now claim more bytes than will come
                        pipe.pump();
                    }
                }
            } catch (TlsException e) {
                failure = e;
            }
            byte[] got = java.util.Arrays.copyOf(dst.array(), dst.position());
            if (failure != null) {
                assertEquals(0, got.length, "byte " + i + " flipped: data returned before the failure");
                assertTrue(failure.kind() == Kind.PROTOCOL || failure.kind() == Kind.TRUNCATED,
                        "byte " + i + " flipped: " + failure);
            } else {
                // Only a header byte the stack does not authenticate can be flipped without failing.
                assertTrue(i < TlsRecords.HEADER_LENGTH, "byte " + i + " of the encrypted fragment flipped,"
                        + " and the read did not fail");
                assertArrayEquals(secret, got, "byte " + i + " flipped: the plaintext must be intact");
            }
            c.close();
            s.close();
        }
    }

    // ------------------------------------------------------------------ assertions

    private static void assertShutdownWhileInHandshake(TlsBufferConnection conn, String when) {
        int queued = conn.outbound().position();
        TlsException e = assertThrows(TlsException.class, conn::shutdown, when);
        assertEquals(Kind.SHUTDOWN_WHILE_IN_HANDSHAKE, e.kind(), when + ": " + e);
        assertEquals(queued, conn.outbound().position(), when + ": nothing may be added to outbound");
        assertEquals(Set.of(), conn.flags(), when);
    }

    /** §2.5: shutdown() after a failure fails FAILED_EARLIER naming it, and touches nothing. */
    private static void assertFailsEarlierWithoutWriting(TlsBufferConnection conn, Kind original) {
        int queued = conn.outbound().position();
        long out = conn.bytesOut();
        Set<ShutdownFlag> flags = conn.flags();
        TlsException e = assertThrows(TlsException.class, conn::shutdown);
        assertEquals(Kind.FAILED_EARLIER, e.kind(), e::toString);
        TlsException cause = assertInstanceOf(TlsException.class, e.getCause(), "FAILED_EARLIER names the failure");
        assertEquals(original, cause.kind(), cause::toString);
        assertEquals(queued, conn.outbound().position(), "shutdown() after a failure adds nothing to outbound");
        assertEquals(out, conn.bytesOut());
        assertEquals(flags, conn.flags(), "shutdown() after a failure sets no flag");
        TlsException again = assertThrows(TlsException.class, () -> conn.read(ByteBuffer.allocate(10)));
        assertEquals(Kind.FAILED_EARLIER, again.kind(), again::toString);
    }

    private static List<Throwable> causes(Throwable t) {
        List<Throwable> all = new ArrayList<>();
        for (Throwable c = t; c != null && !all.contains(c); c = c.getCause()) {
            all.add(c);
        }
        return all;
    }

    /** A typed failure of kind {@code kind}: that kind itself, or FAILED_EARLIER caused by it. */
    private static void assertKindOrFailedEarlierWith(Kind kind, TlsException e) {
        if (e.kind() == Kind.FAILED_EARLIER) {
            TlsException cause = assertInstanceOf(TlsException.class, e.getCause(), e::toString);
            assertEquals(kind, cause.kind(), e::toString);
        } else {
            assertEquals(kind, e.kind(), e::toString);
        }
    }

    /**
     * §5: no byte after the peer's close_notify is lost: what {@code leftover()} hands back followed by
     * what is still unread in {@code inbound()} is exactly {@code expected}; and leftover() hands it
     * back once.
     */
    private static void assertLeftoverIsExactly(byte[] expected, TlsBufferConnection c) {
        ByteBuffer left = c.leftover();
        assertTrue(left.isReadOnly(), "leftover() is read-only");
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        all.writeBytes(remaining(left));
        all.writeBytes(filled(c.inbound()));
        assertArrayEquals(expected, all.toByteArray(), "leftover() + unread inbound must be exactly the plaintext"
                + " after the close_notify (leftover " + left.remaining() + " B, inbound " + c.inbound().position() + " B)");
        if (left.hasRemaining()) {
            assertEquals(0, c.leftover().remaining(), "bytes handed back by leftover() are removed");
        }
    }
}

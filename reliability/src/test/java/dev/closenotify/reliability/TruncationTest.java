package dev.closenotify.reliability;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.closenotify.spi.CloseOutcome;
import dev.closenotify.spi.CloseReason;
import dev.closenotify.spi.ConnectionPolicy;
import dev.closenotify.spi.Role;
import dev.closenotify.spi.SessionFacts;
import dev.closenotify.spi.ShutdownFlag;
import dev.closenotify.spi.ShutdownProvider;
import dev.closenotify.spi.ShutdownResult;
import dev.closenotify.spi.TlsBufferConnection;
import dev.closenotify.spi.TlsException;
import dev.closenotify.spi.TlsException.Kind;
import dev.closenotify.tck.support.BufferPipe;
import dev.closenotify.tck.support.ContextPair;
import dev.closenotify.tck.support.Cut;
import dev.closenotify.tck.support.Direction;
import dev.closenotify.tck.support.TlsRecords;
import java.io.ByteArrayOutputStream;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * SEMANTICS §3 and §4 at every byte offset: the sender writes two application-data records and
 * then its close_notify; the stream to the receiver is cut (FIN, or RST) at each offset from the
 * first byte of the first record to the last byte of the close_notify, one connection per offset.
 * (The RST and ignore-EOF passes cut only within 2 bytes of each record boundary and in the middle
 * of the close_notify.) The receiver must get exactly the records that arrived whole, then a typed
 * TRUNCATED (RESET) —
 * never end-of-stream — and drop its session; a sender that had set SENT keeps its session. The
 * session rule is proved by the next connection's handshake on the same contexts (each connection
 * of the loop is the check of the one before). The offset just past the close_notify is the
 * control: a clean close, and the next handshake resumes.
 *
 * <p>Where the receiver is the server and the client (the sender) had set SENT, the client keeps its
 * session by the rule; whether the server can refuse it depends on where the server's stack holds
 * session state (stateless tickets cannot be revoked, SEMANTICS §4): measured per provider in
 * {@link #serverRefusesAfterItsTruncation}.
 */
@Execution(ExecutionMode.CONCURRENT) // each pass has its own contexts; a 2-core machine runs two at once
@Timeout(value = 120, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class TruncationTest {

    // Short, so that the loop is cheap; two sizes, so that a wrong record boundary shows.
    private static final byte[] FIRST = Wire.data(8, 1);
    private static final byte[] SECOND = Wire.data(13, 2);

    @ParameterizedTest(name = "{0} {1} sender={2}")
    @MethodSource("dev.closenotify.reliability.Providers#eachWithProtocolAndRole")
    void finAtEveryOffsetOfTheLastTwoRecordsAndTheCloseNotify(ShutdownProvider p, String protocol, Role sender)
            throws Exception {
        everyOffset(p, protocol, sender, Cut.FIN, ConnectionPolicy.DEFAULT);
    }

    @ParameterizedTest(name = "{0} {1} sender={2}")
    @MethodSource("dev.closenotify.reliability.Providers#eachWithProtocolAndRole")
    void rstNearEveryRecordBoundaryAndInsideTheCloseNotify(ShutdownProvider p, String protocol, Role sender)
            throws Exception {
        everyOffset(p, protocol, sender, Cut.RST, ConnectionPolicy.DEFAULT, false);
    }

    @ParameterizedTest(name = "{0} {1} sender={2}")
    @MethodSource("dev.closenotify.reliability.Providers#eachWithProtocolAndRole")
    void finNearEveryRecordBoundaryWithIgnoreUnexpectedEof(ShutdownProvider p, String protocol, Role sender)
            throws Exception {
        everyOffset(p, protocol, sender, Cut.FIN, ConnectionPolicy.DEFAULT.withIgnoreUnexpectedEof(true), false);
    }

    /** What the next handshake must show: resumed or full. */
    private enum Next { RESUMED, FULL }

    /**
     * Within 2 bytes of a record boundary (the start, the end of each record) or in the middle of
     * the close_notify: where a reset or an ignored EOF could be handled differently.
     */
    private static boolean near(int offset, List<Integer> boundaries) {
        for (int b : boundaries) {
            if (Math.abs(offset - b) <= 2) {
                return true;
            }
        }
        return offset == (boundaries.get(2) + boundaries.get(3)) / 2;
    }

    private static void everyOffset(ShutdownProvider p, String protocol, Role sender, Cut how,
                                    ConnectionPolicy receiverPolicy) throws Exception {
        everyOffset(p, protocol, sender, how, receiverPolicy, true);
    }

    /**
     * @param all every offset; otherwise only those near a record boundary and the middle of the
     *     close_notify (enough to see a reset or an ignored EOF handled right, at a fraction of the cost)
     */
    private static void everyOffset(ShutdownProvider p, String protocol, Role sender, Cut how,
                                    ConnectionPolicy receiverPolicy, boolean all) throws Exception {
        boolean ignoreEof = receiverPolicy.ignoreUnexpectedEof();
        try (ContextPair ctx = ContextPair.of(p, protocol)) {
            Next expected = Next.FULL; // a fresh pair of contexts
            String because = "the first connection of fresh contexts";
            int length = -1;
            boolean serverDropped = false;
            int cases = 0;
            TlsRecords.Parsed layout = null;
            List<Integer> boundaries = List.of();
            for (int offset = 0; length < 0 || offset <= length; offset++) {
                if (length >= 0 && !all && !near(offset, boundaries)) {
                    continue;
                }
                String where = p.name() + " " + protocol + " sender=" + sender + " cut=" + how
                        + (ignoreEof ? " ignoreUnexpectedEof" : "") + " at offset " + offset;
                BufferPipe pipe = Wire.open(ctx,
                        sender == Role.CLIENT ? ConnectionPolicy.DEFAULT : receiverPolicy,
                        sender == Role.SERVER ? ConnectionPolicy.DEFAULT : receiverPolicy);
                Wire.handshake(pipe);
                assertNext(expected, pipe, where + ": the handshake after " + because);
                TlsBufferConnection out = sender == Role.CLIENT ? pipe.a() : pipe.b();
                TlsBufferConnection in = sender == Role.CLIENT ? pipe.b() : pipe.a();
                Direction dir = sender == Role.CLIENT ? pipe.aToB() : pipe.bToA();
                Direction back = sender == Role.CLIENT ? pipe.bToA() : pipe.aToB();

                int base = pipe.bytes(dir).length;
                Wire.writeAll(out, FIRST);
                int firstEnd = out.outbound().position();
                Wire.writeAll(out, SECOND);
                int secondEnd = out.outbound().position();
                assertEquals(ShutdownResult.SENT, out.shutdown(), where);
                byte[] tail = Wire.filled(out.outbound());
                if (length < 0) {
                    length = tail.length;
                    TlsRecords.Parsed records = TlsRecords.parse(tail);
                    layout = records;
                    assertFalse(records.hasPartial(), where + ": " + records);
                    assertEquals(1, TlsRecords.parse(tail, 0, firstEnd).records().size(),
                            where + ": one record per short write: " + records);
                    assertEquals(1, TlsRecords.parse(tail, firstEnd, secondEnd).records().size(),
                            where + ": one record per short write: " + records);
                    boundaries = List.of(0, firstEnd, secondEnd, length);
                } else {
                    assertEquals(length, tail.length, where + ": every connection has the same layout");
                }
                boolean clean = offset == length;
                if (!clean) {
                    dir.cutAt(base + offset, how);
                    Tally.fault();
                }
                int backBefore = pipe.bytes(back).length + in.outbound().position();
                Wire.ReadEnd end = Wire.readToEnd(pipe, in, 20);

                ByteArrayOutputStream whole = new ByteArrayOutputStream();
                if (offset >= firstEnd) {
                    whole.writeBytes(FIRST);
                }
                if (offset >= secondEnd) {
                    whole.writeBytes(SECOND);
                }
                if (how == Cut.FIN || clean) {
                    assertArrayEquals(whole.toByteArray(), end.data(),
                            where + ": exactly the records that arrived whole are returned, in order (" + end + ")");
                } else {
                    // A reset, like TCP's, may discard what arrived but was not read yet: only a prefix.
                    assertArrayEquals(java.util.Arrays.copyOf(whole.toByteArray(), end.data().length), end.data(),
                            where + ": what is returned before a reset is a prefix of the whole records (" + end + ")");
                }
                Tally.verified(end.data().length);

                if (clean) {
                    assertTrue(end.endOfStream(), where + ": the whole close_notify arrived: " + end);
                    assertTrue(in.flags().contains(ShutdownFlag.RECEIVED), where + ": " + in.flags());
                    assertEquals(ShutdownResult.COMPLETE, Wire.shutdown(pipe, in), where);
                    pipe.pumpUntilQuiet(100);
                    Wire.closeBoth(pipe);
                    assertOutcome(in, CloseReason.CLEAN, true, where);
                    expected = Providers.resumes(p, protocol) ? Next.RESUMED : Next.FULL;
                    because = "a clean close" + (serverDropped ? " (the server dropped a session earlier, whose"
                            + " offer it refused)" : "");
                } else if (ignoreEof && how == Cut.FIN) {
                    assertTrue(end.endOfStream(), where + ": ignoreUnexpectedEof makes the EOF end-of-stream: " + end);
                    assertTrue(in.flags().contains(ShutdownFlag.RECEIVED), where + ": as if close_notify came: " + in.flags());
                    assertEquals(backBefore, pipe.bytes(back).length + in.outbound().position(),
                            where + ": the receiver sent nothing on the truncation");
                    Wire.closeBoth(pipe);
                    CloseOutcome o = in.outcome().orElseThrow();
                    assertEquals(CloseReason.TRUNCATED, o.reason(), where + ": the reason still records it: " + o);
                    // The session then follows the normal rule (§3): the receiver never set SENT.
                    assertFalse(o.sessionKept(), where + ": " + o);
                    assertOutcome(out, CloseReason.SENT_ONLY, true, where + " (the sender)");
                    expected = nextAfterReceiverDropped(p, protocol, sender);
                    serverDropped |= sender == Role.CLIENT;
                    because = "the receiver ignored a truncation";
                } else {
                    Kind kind = how == Cut.FIN ? Kind.TRUNCATED : Kind.RESET;
                    assertFalse(end.endOfStream(), where + ": a truncated stream must never read as end-of-stream");
                    TlsException e = end.failure().orElseThrow(() -> new AssertionError(where
                            + ": the read neither failed nor ended: " + end + "; " + pipe));
                    // A reset reaches the connection as a transport signal: the read reports it, or says
                    // the connection failed earlier with it (as the kit's own reset test allows).
                    assertTrue(e.kind() == kind || (how == Cut.RST && e.kind() == Kind.FAILED_EARLIER
                            && in.outcome().flatMap(CloseOutcome::failure).map(TlsException::kind)
                                    .orElse(null) == kind), where + ": " + e);
                    assertFalse(in.flags().contains(ShutdownFlag.RECEIVED), where + ": no close_notify was received");
                    assertEquals(backBefore, pipe.bytes(back).length + in.outbound().position(),
                            where + ": the receiver puts nothing on the wire for a truncation");
                    int queued = in.outbound().position();
                    TlsException later = assertThrows(TlsException.class, in::shutdown, where);
                    assertEquals(Kind.FAILED_EARLIER, later.kind(), where + ": " + later);
                    assertEquals(queued, in.outbound().position(), where + ": shutdown() after the failure wrote");
                    Wire.closeBoth(pipe);
                    assertOutcome(in, how == Cut.FIN ? CloseReason.TRUNCATED : CloseReason.RESET, false, where);
                    assertTrue(out.outcome().orElseThrow().sessionKept(),
                            where + ": the sender had set SENT and keeps its session: " + out.outcome());
                    expected = nextAfterReceiverDropped(p, protocol, sender);
                    serverDropped |= sender == Role.CLIENT;
                    because = "a " + how + " at offset " + offset;
                }
                Tally.caseRun();
                cases += clean ? 0 : 1;
            }
            System.out.println("reliability: truncation " + p.name() + " " + protocol + " sender=" + sender + " cut="
                    + how + (ignoreEof ? " ignoreUnexpectedEof" : "") + ": " + length + " bytes (two records and"
                    + " the close_notify: " + layout + "), " + cases + " offsets cut, 1 clean control");
            // The last case was the clean one: prove its "resumed" expectation too.
            BufferPipe last = Wire.handshake(Wire.open(ctx));
            assertNext(expected, last, p.name() + " " + protocol + ": the handshake after " + because);
            Wire.closeBoth(last);
        }
    }

    /**
     * The next handshake after the receiver dropped its session. The receiver is the client: it
     * offers nothing, so the handshake is full. The receiver is the server, the client kept its
     * session (SENT): the server refuses it where it holds the state.
     */
    private static Next nextAfterReceiverDropped(ShutdownProvider p, String protocol, Role sender) {
        if (sender == Role.SERVER) {
            return Next.FULL;
        }
        if (!Providers.resumes(p, protocol)) {
            return Next.FULL;
        }
        return serverRefusesAfterItsTruncation(p.name(), protocol) ? Next.FULL : Next.RESUMED;
    }

    /**
     * Measured here (see docs/RELIABILITY.md): whether a server whose connection was truncated
     * refuses the session that the client kept. True where the server's stack holds the session
     * state; false where it issued a stateless ticket it cannot revoke.
     */
    static boolean serverRefusesAfterItsTruncation(String provider, String protocol) {
        return switch (provider + " " + protocol) {
            // Stateless tickets (SEMANTICS §4: cannot be revoked by the server).
            case "jsse TLSv1.3", "jsse TLSv1.2", "conscrypt TLSv1.3" -> false;
            // Session ids in the server's cache (bc), BoringSSL's cache (conscrypt TLS 1.2).
            default -> true;
        };
    }

    private static void assertNext(Next expected, BufferPipe pipe, String why) {
        SessionFacts c = pipe.a().session().orElseThrow();
        SessionFacts s = pipe.b().session().orElseThrow();
        boolean resumed = expected == Next.RESUMED;
        assertEquals(resumed, c.resumed(), why + ": client " + (resumed ? "resumes" : "full handshake") + ": " + c);
        assertEquals(resumed, s.resumed(), why + ": server " + (resumed ? "resumes" : "full handshake") + ": " + s);
    }

    private static void assertOutcome(TlsBufferConnection conn, CloseReason reason, boolean kept, String where) {
        CloseOutcome o = conn.outcome().orElseThrow(() -> new AssertionError(where + ": not ended: " + conn));
        assertEquals(reason, o.reason(), where + ": " + conn.role() + " " + o);
        assertEquals(kept, o.sessionKept(), where + ": " + conn.role() + " sessionKept " + o);
    }

}

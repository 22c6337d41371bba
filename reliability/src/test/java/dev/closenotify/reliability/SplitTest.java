package dev.closenotify.reliability;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.closenotify.spi.CloseOutcome;
import dev.closenotify.spi.ShutdownProvider;
import dev.closenotify.spi.ShutdownResult;
import dev.closenotify.spi.TlsBufferConnection;
import dev.closenotify.spi.TlsException;
import dev.closenotify.tck.support.BufferPipe;
import dev.closenotify.tck.support.ContextPair;
import dev.closenotify.tck.support.Direction;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Bytes split at every boundary give the same results as whole reads: one scenario (handshake,
 * data both ways in one short and several full records, the server closes first and writes
 * plaintext after its close_notify, the client answers, the next handshake) runs with whole
 * chunks, then with every byte delivered on its own in both directions, then with random splits
 * from fixed seeds; the observable transcript (plaintext, results, flags, close reasons, sessions,
 * what is left after the close_notify) must be identical.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class SplitTest {

    private static final byte[] SHORT = Wire.data(300, 11);
    private static final byte[] LONG = Wire.data(40_000, 12); // three records and a bit
    private static final byte[] AFTER = "plaintext after the close_notify (STARTTLS-style)"
            .getBytes(StandardCharsets.US_ASCII);
    private static final long[] SEEDS = {1, 2};

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("dev.closenotify.reliability.Providers#eachWithProtocol")
    void oneByteAndRandomSplitsGiveTheResultsOfWholeReads(ShutdownProvider p, String protocol) throws Exception {
        List<String> whole = scenario(p, protocol, d -> d.noSplit());
        List<String> oneByte = scenario(p, protocol, d -> d.splitEvery(1));
        assertEquals(whole, oneByte, p.name() + " " + protocol + ": 1-byte chunks in both directions vs whole");
        for (long seed : SEEDS) {
            List<String> random = scenario(p, protocol, d -> d.splitRandomly(seed, 97));
            assertEquals(whole, random, p.name() + " " + protocol + ": random chunks (seed " + seed
                    + ", 1..97 B) vs whole");
        }
    }

    /** The transcript of one run: everything observable, in order. */
    private static List<String> scenario(ShutdownProvider p, String protocol, Consumer<Direction> shape)
            throws Exception {
        List<String> t = new ArrayList<>();
        try (ContextPair ctx = ContextPair.of(p, protocol)) {
            BufferPipe pipe = Wire.open(ctx);
            shape.accept(pipe.aToB());
            shape.accept(pipe.bToA());
            TlsBufferConnection c = pipe.a();
            TlsBufferConnection s = pipe.b();
            Wire.handshake(pipe);
            t.add("handshake " + c.session().orElseThrow().protocol() + " resumed " + c.session().orElseThrow().resumed()
                    + "/" + s.session().orElseThrow().resumed());
            verify(t, "c->s short", SHORT, Wire.transfer(pipe, c, s, SHORT));
            verify(t, "s->c short", SHORT, Wire.transfer(pipe, s, c, SHORT));
            verify(t, "c->s long", LONG, Wire.transfer(pipe, c, s, LONG));
            verify(t, "s->c long", LONG, Wire.transfer(pipe, s, c, LONG));

            // The server closes first; the plaintext the test puts right after its close_notify must
            // stay unread by the client (SEMANTICS §5), whatever the chunks.
            int before = pipe.bytes(pipe.bToA()).length + s.outbound().position();
            t.add("server shutdown " + Wire.shutdown(pipe, s));
            int after = pipe.bytes(pipe.bToA()).length + s.outbound().position();
            t.add("server close_notify bytes " + (after - before));
            pipe.bToA().injectAt(after, AFTER);
            Tally.fault();
            Wire.ReadEnd end = Wire.readToEnd(pipe, c, 50);
            t.add("client read " + end.data().length + " B, end-of-stream " + end.endOfStream()
                    + end.failure().map(e -> " failure " + e.kind()).orElse("") + ", flags " + c.flags());
            t.add("client shutdown " + call(() -> Wire.shutdown(pipe, c)));
            pipe.pumpUntilQuiet(100_000);
            t.add("server shutdown again " + call(() -> waitComplete(pipe, s)));
            byte[] left = leftAfterCloseNotify(c);
            assertArrayEquals(AFTER, left, p.name() + " " + protocol + ": the bytes after the server's close_notify,"
                    + " exactly, unread (leftover() then inbound)");
            Tally.verified(left.length);
            t.add("client left after the close_notify " + HexFormat.of().formatHex(left));
            Wire.closeBoth(pipe);
            t.add("client " + describe(c.outcome().orElseThrow()));
            t.add("server " + describe(s.outcome().orElseThrow()));

            BufferPipe next = Wire.open(ctx);
            shape.accept(next.aToB());
            shape.accept(next.bToA());
            Wire.handshake(next);
            t.add("next handshake resumed " + next.a().session().orElseThrow().resumed() + "/"
                    + next.b().session().orElseThrow().resumed());
            Wire.closeBoth(next);
        }
        Tally.caseRun();
        return t;
    }

    private static void verify(List<String> t, String what, byte[] sent, byte[] got) {
        assertArrayEquals(sent, got, what);
        Tally.verified(got.length);
        t.add(what + " " + got.length + " B intact");
    }

    /** shutdown() again on the side that closed first: COMPLETE once the reply arrived (or the gap's failure). */
    private static ShutdownResult waitComplete(BufferPipe pipe, TlsBufferConnection conn) throws Exception {
        ShutdownResult r = conn.shutdown();
        for (int i = 0; i < 100_000 && r == ShutdownResult.WANT_READ; i++) {
            pipe.pump();
            r = conn.shutdown();
        }
        return r;
    }

    private static byte[] leftAfterCloseNotify(TlsBufferConnection c) {
        ByteBuffer leftover = c.leftover();
        byte[] a = new byte[leftover.remaining()];
        leftover.duplicate().get(a);
        byte[] b = Wire.filled(c.inbound());
        byte[] all = new byte[a.length + b.length];
        System.arraycopy(a, 0, all, 0, a.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }

    private static String describe(CloseOutcome o) {
        return o.reason() + " flags " + new java.util.TreeSet<>(o.flags()) + " alert " + o.alert().orElse("-")
                + " kept " + o.sessionKept() + o.failure().map(e -> " failure " + e.kind()).orElse("");
    }

    private interface Call {
        Object run() throws Exception;
    }

    private static String call(Call call) throws Exception {
        try {
            return String.valueOf(call.run());
        } catch (TlsException e) {
            return "failed " + e.kind();
        }
    }
}

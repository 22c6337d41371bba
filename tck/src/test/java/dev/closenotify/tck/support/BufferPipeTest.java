package dev.closenotify.tck.support;

import static dev.closenotify.tck.support.FaultyProxyTest.ascii;
import static dev.closenotify.tck.support.FaultyProxyTest.concat;
import static dev.closenotify.tck.support.FaultyProxyTest.pattern;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.SocketException;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Every feature of {@link BufferPipe}, between two {@link RawBufferEndpoint}s. */
class BufferPipeTest {

    private final RawBufferEndpoint a = new RawBufferEndpoint();
    private final RawBufferEndpoint b = new RawBufferEndpoint();
    private final BufferPipe pipe = BufferPipe.between(a, b);

    @Test
    @Timeout(10)
    void movesAndRecordsBothDirections() {
        a.send(ascii("hello"));
        b.send(ascii("hi"));
        assertEquals(7, pipe.pump());
        assertEquals(0, pipe.pump(), "quiet once everything moved");
        assertArrayEquals(ascii("hello"), b.take());
        assertArrayEquals(ascii("hi"), a.take());
        assertEquals(0, a.outbound().position());
        assertArrayEquals(ascii("hello"), pipe.bytes(pipe.aToB()));
        assertArrayEquals(ascii("hello"), pipe.delivered(pipe.aToB()));
        assertArrayEquals(ascii("hi"), concat(pipe.chunks(pipe.bToA())));
        assertEquals(Optional.empty(), pipe.end(pipe.aToB()));
        assertFalse(a.eofReceived() || b.eofReceived());
    }

    @Test
    @Timeout(10)
    void movesOnlyWhatFitsIntoTheReceiver() {
        RawBufferEndpoint small = new RawBufferEndpoint(4, 64);
        BufferPipe narrow = BufferPipe.between(a, small);
        byte[] data = pattern(10);
        a.send(data);
        assertEquals(4, narrow.pump());
        assertEquals(6, a.outbound().position(), "the rest waits in the sender's outbound");
        assertEquals(0, narrow.pump());
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        got.writeBytes(small.take());
        assertEquals(4, narrow.pump());
        got.writeBytes(small.take());
        assertEquals(2, narrow.pump());
        got.writeBytes(small.take());
        assertArrayEquals(data, got.toByteArray());
    }

    @Test
    @Timeout(10)
    void cutWithFinSignalsEofAfterTheOffsetAndDropsTheRest() {
        pipe.aToB().cutAt(3, Cut.FIN);
        byte[] data = pattern(10);
        a.send(data);
        assertTrue(pipe.pump() > 0);
        assertArrayEquals(Arrays.copyOf(data, 3), b.take());
        assertTrue(b.eofReceived());
        assertEquals(Optional.empty(), b.resetReceived());
        assertEquals(Optional.of(StreamEnd.CUT_FIN), pipe.end(pipe.aToB()));
        assertEquals(0, a.outbound().position(), "the sender is drained");
        assertArrayEquals(data, pipe.bytes(pipe.aToB()));

        a.send(ascii("later"));
        assertEquals(5, pipe.pump(), "later bytes are drained and dropped");
        assertEquals(0, b.available());
        assertEquals(3, pipe.delivered(pipe.aToB()).length);

        b.send(ascii("back"));
        assertEquals(4, pipe.pump(), "the other direction goes on");
        assertArrayEquals(ascii("back"), a.take());
        assertFalse(a.eofReceived());
    }

    @Test
    @Timeout(10)
    void cutWithRstResetsBothEnds() {
        pipe.aToB().cutAt(2, Cut.RST);
        a.send(pattern(5));
        pipe.pump();
        assertArrayEquals(Arrays.copyOf(pattern(5), 2), b.take());
        IOException atB = b.resetReceived().orElseThrow();
        assertInstanceOf(SocketException.class, atB);
        assertEquals("Connection reset (injected)", atB.getMessage());
        assertInstanceOf(SocketException.class, a.resetReceived().orElseThrow());
        assertEquals(Optional.of(StreamEnd.CUT_RST), pipe.end(pipe.aToB()));
        assertEquals(Optional.of(StreamEnd.CUT_RST), pipe.end(pipe.bToA()));

        b.send(ascii("dead"));
        assertEquals(0, pipe.pump(), "nothing moves on a reset connection");
        assertEquals(0, a.available());
    }

    @Test
    @Timeout(10)
    void cutAtZeroSignalsEofWithoutAnyByte() {
        pipe.bToA().cutAt(0, Cut.FIN);
        assertEquals(1, pipe.pump(), "the signal counts as progress");
        assertTrue(a.eofReceived());
        assertEquals(0, pipe.pump());
    }

    @Test
    @Timeout(10)
    void aCutAtTheOffsetOfAnInjectionWins() {
        pipe.aToB().cutAt(2, Cut.FIN).injectAt(2, ascii("X"));
        a.send(ascii("abcd"));
        pipe.pump();
        assertArrayEquals(ascii("ab"), b.take());
        assertTrue(b.eofReceived());
    }

    @Test
    @Timeout(10)
    void splitMovesOneChunkPerPump() {
        pipe.aToB().splitEvery(2);
        a.send(pattern(5));
        assertEquals(2, pipe.pump());
        assertEquals(2, pipe.pump());
        assertEquals(1, pipe.pump());
        assertEquals(0, pipe.pump());
        List<byte[]> chunks = pipe.chunks(pipe.aToB());
        assertEquals(List.of(2, 2, 1), chunks.stream().map(c -> c.length).toList());
        assertArrayEquals(pattern(5), b.take());
    }

    @Test
    @Timeout(10)
    void stallLeavesTheRestInTheSendersOutboundUntilRelease() {
        pipe.aToB().stallAfter(2);
        a.send(pattern(5));
        assertEquals(2, pipe.pump());
        assertTrue(pipe.stalled(pipe.aToB()));
        assertEquals(3, a.outbound().position(), "backpressure: the sender's outbound is not drained");
        assertEquals(0, pipe.pump());
        assertEquals(2, pipe.bytes(pipe.aToB()).length);

        pipe.aToB().release();
        assertEquals(3, pipe.pump());
        assertFalse(pipe.stalled(pipe.aToB()));
        assertArrayEquals(pattern(5), b.take());
    }

    @Test
    @Timeout(10)
    void injectAndFlipChangeWhatIsDeliveredButNotWhatIsRecorded() {
        pipe.aToB().injectAt(1, ascii("X")).flipAt(2).injectAt(3, ascii("!"));
        a.send(ascii("abc"));
        assertEquals(5, pipe.pump());
        assertArrayEquals(new byte[] {'a', 'X', 'b', (byte) ~'c', '!'}, b.take());
        assertArrayEquals(ascii("abc"), pipe.bytes(pipe.aToB()));
        assertArrayEquals(new byte[] {'a', 'X', 'b', (byte) ~'c', '!'}, pipe.delivered(pipe.aToB()));
    }

    @Test
    @Timeout(10)
    void endOfStreamSignalsEofAfterWhatWasProduced() {
        a.send(ascii("ab"));
        pipe.endOfStream(pipe.aToB());
        a.send(ascii("cd"));
        pipe.pump();
        assertArrayEquals(ascii("ab"), b.take());
        assertTrue(b.eofReceived());
        assertEquals(Optional.of(StreamEnd.EOF), pipe.end(pipe.aToB()));
        assertArrayEquals(ascii("abcd"), pipe.bytes(pipe.aToB()));
    }

    @Test
    @Timeout(10)
    void pumpUntilDrivesAnEchoThroughSplitDirections() throws Exception {
        pipe.aToB().splitEvery(7);
        pipe.bToA().splitEvery(5);
        byte[] data = pattern(1000);
        int[] sent = {0};
        ByteArrayOutputStream echoed = new ByteArrayOutputStream();
        int rounds = pipe.pumpUntil(() -> echoed.size() == data.length, () -> {
            int n = Math.min(100, Math.min(data.length - sent[0], a.outboundRoom()));
            a.send(Arrays.copyOfRange(data, sent[0], sent[0] + n));
            sent[0] += n;
            b.send(b.take());
            echoed.writeBytes(a.take());
        }, 10_000);
        assertArrayEquals(data, echoed.toByteArray());
        assertTrue(rounds >= 200, "1000 bytes at most 5 per round: " + rounds);
        pipe.chunks(pipe.bToA()).forEach(c -> assertTrue(c.length <= 5));
    }

    @Test
    @Timeout(10)
    void pumpUntilFailsClearlyWhenNothingMoves() {
        pipe.aToB().stallAfter(0);
        a.send(ascii("x"));
        AssertionError failure = assertThrows(AssertionError.class, () -> pipe.pumpUntil(() -> b.available() > 0, () -> {}, 100));
        assertTrue(failure.getMessage().contains("no progress"), failure.getMessage());
        assertTrue(failure.getMessage().contains("a->b"), failure.getMessage());
        assertTrue(failure.getMessage().contains("stalled"), failure.getMessage());
    }

    @Test
    @Timeout(10)
    void pumpUntilFailsClearlyAfterMaxRounds() {
        AssertionError failure = assertThrows(AssertionError.class, () -> pipe.pumpUntil(() -> false, () -> {
            a.send(ascii("x"));
            b.take();
        }, 5));
        assertTrue(failure.getMessage().contains("not done after 5 rounds"), failure.getMessage());
    }

    @Test
    @Timeout(10)
    void pumpUntilPassesOnWhatTheStepThrows() {
        IOException thrown = new IOException("from the step");
        IOException failure = assertThrows(IOException.class, () -> pipe.pumpUntil(() -> false, () -> {
            throw thrown;
        }, 5));
        assertEquals(thrown, failure);
    }

    @Test
    @Timeout(10)
    void pumpUntilQuietReturnsTheTotal() {
        pipe.aToB().splitEvery(1);
        a.send(pattern(4));
        assertEquals(4, pipe.pumpUntilQuiet(10));
        assertThrows(AssertionError.class, () -> {
            a.send(pattern(4));
            pipe.pumpUntilQuiet(2);
        });
    }

    @Test
    @Timeout(10)
    void rejectsForeignDirectionsAndOneConnectionTwice() {
        BufferPipe other = BufferPipe.between(new RawBufferEndpoint(), new RawBufferEndpoint());
        assertThrows(IllegalArgumentException.class, () -> pipe.bytes(other.aToB()));
        assertThrows(IllegalArgumentException.class, () -> BufferPipe.between(a, a));
        assertThrows(UnsupportedOperationException.class, a::handshake);
    }
}

package dev.closenotify.tck.support;

import static dev.closenotify.tck.support.FaultyProxyTest.concat;
import static dev.closenotify.tck.support.FaultyProxyTest.pattern;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Random splits, dropped and duplicated ranges: the {@link Direction} rules added for issue 8. */
@Timeout(10)
class DirectionFaultsTest {

    private final RawBufferEndpoint a = new RawBufferEndpoint();
    private final RawBufferEndpoint b = new RawBufferEndpoint();
    private final BufferPipe pipe = BufferPipe.between(a, b);

    private byte[] pumpAll() {
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        pipe.pumpUntilQuiet(100_000);
        got.writeBytes(b.take());
        return got.toByteArray();
    }

    private static List<Integer> sizes(List<byte[]> chunks) {
        return chunks.stream().map(c -> c.length).toList();
    }

    @Test
    void randomSplitsDeliverEverythingInChunksWithinTheBoundRepeatablyFromTheSeed() {
        byte[] data = pattern(5000);
        pipe.aToB().splitRandomly(42, 7);
        a.send(data);
        assertArrayEquals(data, pumpAll());
        List<Integer> first = sizes(pipe.chunks(pipe.aToB()));
        assertTrue(first.stream().allMatch(n -> n >= 1 && n <= 7), "every chunk within [1, 7]: " + first);
        assertTrue(first.stream().distinct().count() > 1, "the sizes vary: " + first);

        RawBufferEndpoint c = new RawBufferEndpoint();
        RawBufferEndpoint d = new RawBufferEndpoint();
        BufferPipe again = BufferPipe.between(c, d);
        again.aToB().splitRandomly(42, 7);
        c.send(data);
        again.pumpUntilQuiet(100_000);
        assertEquals(first, sizes(again.chunks(again.aToB())), "the same seed, the same chunks");

        RawBufferEndpoint e = new RawBufferEndpoint();
        RawBufferEndpoint f = new RawBufferEndpoint();
        BufferPipe other = BufferPipe.between(e, f);
        other.aToB().splitRandomly(43, 7);
        e.send(data);
        other.pumpUntilQuiet(100_000);
        assertNotEquals(first, sizes(other.chunks(other.aToB())), "another seed, other chunks");
        assertArrayEquals(data, f.take());
    }

    @Test
    void splitEveryReplacesARandomSplit() {
        pipe.aToB().splitRandomly(1, 100).splitEvery(3);
        a.send(pattern(9));
        assertArrayEquals(pattern(9), pumpAll());
        assertEquals(List.of(3, 3, 3), sizes(pipe.chunks(pipe.aToB())));
    }

    @Test
    void dropSkipsExactlyTheRangeAndRecordsItAsTheSenders() {
        byte[] data = pattern(20);
        pipe.aToB().dropAt(5, 4);
        a.send(data);
        byte[] want = new byte[16];
        System.arraycopy(data, 0, want, 0, 5);
        System.arraycopy(data, 9, want, 5, 11);
        assertArrayEquals(want, pumpAll());
        assertArrayEquals(data, pipe.bytes(pipe.aToB()), "the recording holds what the sender wrote");
        assertArrayEquals(want, pipe.delivered(pipe.aToB()));
    }

    @Test
    void dropWorksAcrossSplitsAndSeparateWrites() {
        byte[] data = pattern(30);
        pipe.aToB().splitEvery(3).dropAt(10, 10);
        a.send(Arrays.copyOfRange(data, 0, 12));
        pipe.pumpUntilQuiet(1000);
        a.send(Arrays.copyOfRange(data, 12, 30));
        pipe.pumpUntilQuiet(1000);
        byte[] want = new byte[20];
        System.arraycopy(data, 0, want, 0, 10);
        System.arraycopy(data, 20, want, 10, 10);
        assertArrayEquals(want, b.take());
        assertTrue(pipe.chunks(pipe.aToB()).stream().allMatch(c -> c.length <= 3));
    }

    @Test
    void duplicateDeliversTheRangeAgainRightAfterIt() {
        byte[] data = pattern(12);
        pipe.aToB().duplicateAt(4, 3);
        a.send(data);
        byte[] want = new byte[15];
        System.arraycopy(data, 0, want, 0, 7);
        System.arraycopy(data, 4, want, 7, 3);
        System.arraycopy(data, 7, want, 10, 5);
        assertArrayEquals(want, pumpAll());
        assertArrayEquals(data, pipe.bytes(pipe.aToB()), "the copy is not the sender's");
    }

    @Test
    void duplicateAcrossOneByteChunksAndTwoWrites() {
        byte[] data = pattern(10);
        pipe.aToB().splitEvery(1).duplicateAt(2, 6);
        a.send(Arrays.copyOfRange(data, 0, 5));
        pipe.pumpUntilQuiet(1000);
        a.send(Arrays.copyOfRange(data, 5, 10));
        pipe.pumpUntilQuiet(1000);
        byte[] want = new byte[16];
        System.arraycopy(data, 0, want, 0, 8);
        System.arraycopy(data, 2, want, 8, 6);
        System.arraycopy(data, 8, want, 14, 2);
        assertArrayEquals(want, b.take());
        assertTrue(pipe.chunks(pipe.aToB()).stream().allMatch(c -> c.length == 1));
        assertEquals(16, concat(pipe.chunks(pipe.aToB())).length);
    }

    @Test
    void aDuplicateCopiesTheFlippedBytes() {
        byte[] data = pattern(6);
        pipe.aToB().flipAt(1).duplicateAt(0, 2);
        a.send(data);
        byte[] got = pumpAll();
        assertEquals(8, got.length);
        assertEquals((byte) (data[1] ^ 0xFF), got[1]);
        assertEquals(got[1], got[3], "the replay is of what was delivered");
    }

    @Test
    void rejectsBadArguments() {
        Direction d = pipe.aToB();
        assertThrows(IllegalArgumentException.class, () -> d.dropAt(-1, 1));
        assertThrows(IllegalArgumentException.class, () -> d.dropAt(0, 0));
        assertThrows(IllegalArgumentException.class, () -> d.duplicateAt(0, 0));
        assertThrows(IllegalArgumentException.class, () -> d.splitRandomly(1, 0));
    }
}

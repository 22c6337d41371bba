package dev.closenotify.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

/** The shared staging-buffer store: reuse, its bound, and what it refuses to keep. */
class BufferPoolTest {

    @Test
    void aGivenBufferIsTakenAgainCleared() {
        BufferPool pool = new BufferPool(false, 4);
        ByteBuffer b = pool.take(100);
        assertEquals(BufferPool.CAPACITY, b.capacity(), "every pooled buffer fits the largest record");
        b.put(new byte[10]).limit(50);
        pool.give(b);
        assertEquals(1, pool.idle());
        ByteBuffer again = pool.take(BufferPool.CAPACITY);
        assertSame(b, again);
        assertEquals(0, again.position());
        assertEquals(again.capacity(), again.limit(), "taken in fill mode, cleared");
        assertEquals(0, pool.idle());
    }

    @Test
    void whatComesBackBeyondTheBoundIsDropped() {
        BufferPool pool = new BufferPool(false, 2);
        ByteBuffer a = pool.take(1);
        ByteBuffer b = pool.take(1);
        ByteBuffer c = pool.take(1);
        pool.give(a);
        pool.give(b);
        pool.give(c);
        assertEquals(2, pool.idle());
        assertSame(b, pool.take(1), "last in, first out");
        assertSame(a, pool.take(1));
        assertNotSame(c, pool.take(1));
    }

    @Test
    void onlyBuffersOfItsOwnKindAndSizeAreKept() {
        BufferPool heap = new BufferPool(false, 4);
        heap.give(ByteBuffer.allocate(BufferPool.CAPACITY * 2));
        heap.give(ByteBuffer.allocate(100));
        heap.give(ByteBuffer.allocateDirect(BufferPool.CAPACITY));
        heap.give(ByteBuffer.allocate(BufferPool.CAPACITY).asReadOnlyBuffer());
        assertEquals(0, heap.idle());

        ByteBuffer big = heap.take(BufferPool.CAPACITY + 1);
        assertEquals(BufferPool.CAPACITY + 1, big.capacity(), "a larger need gets its own buffer");
        heap.give(big);
        assertEquals(0, heap.idle());
    }

    @Test
    void theDirectPoolHandsOutDirectBuffers() {
        BufferPool direct = new BufferPool(true, 4);
        ByteBuffer b = direct.take(10);
        assertTrue(b.isDirect());
        assertFalse(b.hasArray());
        direct.give(b);
        assertSame(b, direct.take(10));
    }
}

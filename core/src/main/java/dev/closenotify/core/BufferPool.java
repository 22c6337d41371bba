package dev.closenotify.core;

import java.nio.ByteBuffer;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The core's staging buffers, shared by every connection: a connection takes one when bytes must
 * wait in it (a partial record, undelivered plaintext, ciphertext the transport did not take yet)
 * and gives it back as soon as it is empty, so that an idle connection holds none. Bounded: what
 * comes back beyond the bound is left to the garbage collector, so a burst of busy connections
 * does not leave the heap (or native memory, for direct buffers) holding its peak for ever.
 *
 * <p>Only buffers of {@link #CAPACITY} are pooled; a larger one (an engine with large fragments,
 * a buffer grown after an overflow) is allocated and dropped. A lock, not {@code synchronized}:
 * a virtual thread must never pin (see {@code NoSynchronizedTest}).
 */
final class BufferPool {
    /** Fits the largest legal record, and so anything a standard engine stages (its packet and application sizes). */
    static final int CAPACITY = Records.MAX_RECORD;
    /**
     * Heap buffers kept: a small bound, since allocating a heap buffer costs about one copy of it
     * (zeroing); the pool mainly spares the garbage collector a connection's per-record churn.
     */
    static final BufferPool HEAP = new BufferPool(false, 64);
    /**
     * Direct buffers kept. Most are held only within one call (a whole record in, its plaintext
     * out), so the number in use at once is about the number of threads inside the core; the bound
     * leaves room for partial records waiting on busy connections.
     */
    static final BufferPool DIRECT = new BufferPool(true, 64);

    private final boolean direct;
    private final ReentrantLock lock = new ReentrantLock();
    // Guarded by lock; a stack, so the most recently used (cache-warm) buffer goes out first.
    private final ByteBuffer[] free;
    private int count;

    BufferPool(boolean direct, int bound) {
        this.direct = direct;
        this.free = new ByteBuffer[bound];
    }

    boolean direct() {
        return direct;
    }

    /** A cleared buffer (fill mode) of at least {@code capacity} bytes. */
    ByteBuffer take(int capacity) {
        if (capacity <= CAPACITY) {
            lock.lock();
            try {
                if (count > 0) {
                    ByteBuffer b = free[--count];
                    free[count] = null;
                    return b;
                }
            } finally {
                lock.unlock();
            }
        }
        int size = Math.max(capacity, CAPACITY);
        return direct ? ByteBuffer.allocateDirect(size) : ByteBuffer.allocate(size);
    }

    /**
     * Takes {@code b} back. The caller must hold no other reference to it (nor any slice or
     * duplicate): the next {@link #take} hands it to another connection.
     */
    void give(ByteBuffer b) {
        if (b.capacity() != CAPACITY || b.isDirect() != direct || b.isReadOnly()) {
            return;
        }
        b.clear();
        lock.lock();
        try {
            if (count < free.length) {
                free[count++] = b;
            }
        } finally {
            lock.unlock();
        }
    }

    /** Buffers waiting to be taken. */
    int idle() {
        lock.lock();
        try {
            return count;
        } finally {
            lock.unlock();
        }
    }
}

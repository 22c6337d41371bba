package dev.closenotify.server;

import java.nio.ByteBuffer;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The large buffers of the echo connections that are moving bytes, shared: a connection takes a
 * set when bytes arrive and gives it back before it waits for the peer again, so a waiting
 * connection holds only its small buffers. Bounded: sets given back beyond the bound are left to
 * the garbage collector, so a burst of traffic does not keep its peak of memory. A lock, not
 * {@code synchronized}: the connections run on virtual threads. Heap or direct, all of one kind:
 * the kind the TLS stack works best on ({@code TlsContext.prefersDirectBuffers()}).
 */
final class BufferSets {
    /** Where the socket is read into: room for a whole record (so the core takes it as it is) and the next one's start. */
    static final int INBOUND_SIZE = 24 * 1024;
    /** Where the TLS connection writes: room for a whole record (so the core wraps straight into it). */
    static final int OUTBOUND_SIZE = 24 * 1024;
    /** Plaintext decrypted in one go, and so echoed in one go: a whole record's (JSSE asks for 16,704 bytes). */
    static final int PLAINTEXT_CHUNK = 17 * 1024;

    /** One connection's large buffers, each cleared (fill mode) when taken. */
    record Set(ByteBuffer inbound, ByteBuffer outbound, ByteBuffer plain) {
    }

    private final ReentrantLock lock = new ReentrantLock();
    // Guarded by lock; a stack, so the most recently used set goes out first.
    private final Set[] free;
    private int count;
    private final boolean direct;

    BufferSets(int bound, boolean direct) {
        this.free = new Set[bound];
        this.direct = direct;
    }

    Set take() {
        lock.lock();
        try {
            if (count > 0) {
                Set s = free[--count];
                free[count] = null;
                return s;
            }
        } finally {
            lock.unlock();
        }
        return new Set(allocate(INBOUND_SIZE), allocate(OUTBOUND_SIZE), allocate(PLAINTEXT_CHUNK));
    }

    private ByteBuffer allocate(int size) {
        return direct ? ByteBuffer.allocateDirect(size) : ByteBuffer.allocate(size);
    }

    /** Takes {@code s} back; the caller keeps no reference to any of its buffers. */
    void give(Set s) {
        s.inbound().clear();
        s.outbound().clear();
        s.plain().clear();
        lock.lock();
        try {
            if (count < free.length) {
                free[count++] = s;
            }
        } finally {
            lock.unlock();
        }
    }

    /** Sets waiting to be taken. */
    int idle() {
        lock.lock();
        try {
            return count;
        } finally {
            lock.unlock();
        }
    }
}

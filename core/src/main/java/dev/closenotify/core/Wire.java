package dev.closenotify.core;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * The transport under one connection: a blocking socket or the caller's buffer pair. Deadlines are
 * absolute {@link System#nanoTime()} values; {@link #NO_DEADLINE} means none.
 */
interface Wire {
    long NO_DEADLINE = 0;

    /**
     * Reads into {@code dst} (fill mode): bytes read, 0 when nothing is available now (buffer pair
     * only), -1 at end-of-stream. A deadline that expires throws {@link java.net.SocketTimeoutException}.
     */
    int read(ByteBuffer dst, long deadline) throws IOException;

    /**
     * Hands {@code src} (read mode) to the transport: all of it on a socket (a deadline that
     * expires force-closes it and throws {@link java.net.SocketTimeoutException}), as much as fits
     * in the buffer pair. Returns whether nothing is left in {@code src}.
     */
    boolean write(ByteBuffer src, long deadline) throws IOException;

    /**
     * Whether a read now would wait for the peer: nothing has arrived that the transport could hand
     * over. A hint, for holding no large buffer while waiting.
     *
     * @implSpec false
     */
    default boolean wouldBlock() {
        return false;
    }

    /** Whether calls may block (socket) or never do (buffer pair). */
    boolean blocking();

    /** Closes the transport, abortively; idempotent, never throws. */
    void close();

    /** Whether {@link #close()} was called or a deadline force-closed the transport. */
    boolean closed();

    /** A deadline {@code timeout} from now, or {@link #NO_DEADLINE} for a zero timeout. */
    static long deadline(java.time.Duration timeout) {
        if (timeout.isZero()) {
            return NO_DEADLINE;
        }
        long d = System.nanoTime() + Math.min(timeout.toNanos(), Long.MAX_VALUE / 4);
        return d == NO_DEADLINE ? 1 : d;
    }
}

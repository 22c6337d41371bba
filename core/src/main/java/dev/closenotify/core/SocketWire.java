package dev.closenotify.core;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * A connected blocking socket (a {@code SocketChannel} arrives here as its socket adaptor, whose
 * streams honour {@code SO_TIMEOUT}). Reads take their deadline through {@code SO_TIMEOUT}; a
 * blocking write has no timeout of its own, so a watchdog closes the socket when its deadline
 * passes (SEMANTICS.md §7).
 */
final class SocketWire implements Wire {
    private static final ScheduledThreadPoolExecutor WATCHDOG = watchdog();

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    private volatile boolean closed;
    private volatile boolean forced;

    SocketWire(Socket socket) throws IOException {
        this.socket = socket;
        this.in = socket.getInputStream();
        this.out = socket.getOutputStream();
    }

    private static ScheduledThreadPoolExecutor watchdog() {
        ScheduledThreadPoolExecutor ex = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "closenotify-write-deadline");
            t.setDaemon(true);
            return t;
        });
        ex.setRemoveOnCancelPolicy(true);
        return ex;
    }

    Socket socket() {
        return socket;
    }

    @Override
    public int read(ByteBuffer dst, long deadline) throws IOException {
        int timeoutMillis = 0;
        if (deadline != NO_DEADLINE) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new SocketTimeoutException("deadline expired before the read");
            }
            timeoutMillis = (int) Math.max(1, Math.min(Integer.MAX_VALUE, TimeUnit.NANOSECONDS.toMillis(left)));
        }
        if (socket.getSoTimeout() != timeoutMillis) {
            socket.setSoTimeout(timeoutMillis);
        }
        int n = in.read(dst.array(), dst.arrayOffset() + dst.position(), dst.remaining());
        if (n > 0) {
            dst.position(dst.position() + n);
        }
        return n;
    }

    @Override
    public boolean wouldBlock() {
        try {
            return in.available() == 0;
        } catch (IOException e) {
            return false; // the read reports it
        }
    }

    @Override
    public boolean write(ByteBuffer src, long deadline) throws IOException {
        if (!src.hasRemaining()) {
            return true;
        }
        ScheduledFuture<?> watch = null;
        if (deadline != NO_DEADLINE) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                forceClose();
                throw new SocketTimeoutException("deadline expired before the write");
            }
            watch = WATCHDOG.schedule(this::forceClose, left, TimeUnit.NANOSECONDS);
        }
        try {
            out.write(src.array(), src.arrayOffset() + src.position(), src.remaining());
            out.flush();
            src.position(src.limit());
            return true;
        } catch (IOException e) {
            if (forced) {
                SocketTimeoutException t = new SocketTimeoutException("write deadline expired; transport closed");
                t.initCause(e);
                throw t;
            }
            throw e;
        } finally {
            if (watch != null) {
                watch.cancel(false);
            }
        }
    }

    private void forceClose() {
        forced = true;
        close();
    }

    @Override
    public boolean blocking() {
        return true;
    }

    @Override
    public void close() {
        closed = true;
        try {
            socket.close();
        } catch (IOException ignored) {
            // Closing is best effort: the socket is unusable either way.
        }
    }

    @Override
    public boolean closed() {
        return closed;
    }
}

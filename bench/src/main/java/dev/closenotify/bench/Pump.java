package dev.closenotify.bench;

import dev.closenotify.spi.Progress;
import dev.closenotify.spi.ShutdownResult;
import dev.closenotify.spi.TlsBufferConnection;
import dev.closenotify.spi.TlsContext;
import dev.closenotify.spi.TlsException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;

/**
 * A closenotify client connection over the buffer transport, driven with blocking socket I/O.
 * The buffer transport is used (not {@code open(Socket)}) because it takes the session-cache key
 * ({@code peer}) from the caller: a client then resumes under a key of its choice, or, with a new
 * key, makes a full handshake without a new context (which would cost ~100 ms per connection).
 */
final class Pump implements AutoCloseable {
    /** Holds a whole TLS record (16 KiB + overhead) and then some. */
    private static final int BUFFER = 40 * 1024;

    final Socket socket;
    final TlsBufferConnection tls;
    private final InputStream in;
    private final OutputStream out;

    Pump(TlsContext ctx, Socket socket, String cacheKey) throws IOException, TlsException {
        this.socket = socket;
        this.in = socket.getInputStream();
        this.out = socket.getOutputStream();
        this.tls = ctx.open(ByteBuffer.allocate(BUFFER), ByteBuffer.allocate(BUFFER),
                InetSocketAddress.createUnresolved(cacheKey, socket.getPort()), ctx.config().policy());
    }

    void handshake() throws IOException, TlsException {
        Progress p;
        while ((p = tls.handshake()) != Progress.DONE) {
            drain();
            if (p == Progress.WANT_READ) {
                fill();
            }
        }
        drain();
    }

    void write(byte[] b) throws IOException, TlsException {
        ByteBuffer src = ByteBuffer.wrap(b);
        while (src.hasRemaining()) {
            tls.write(src);
            drain();
        }
    }

    /** Reads exactly {@code b.length} bytes; false at end-of-stream (the peer's close_notify) before any. */
    boolean readFully(byte[] b) throws IOException, TlsException {
        ByteBuffer dst = ByteBuffer.wrap(b);
        while (dst.hasRemaining()) {
            int n = tls.read(dst);
            drain();
            if (n == -1) {
                if (dst.position() == 0) {
                    return false;
                }
                throw new IOException("end-of-stream after " + dst.position() + " of " + b.length + " bytes");
            }
            if (n == 0) {
                fill();
            }
        }
        return true;
    }

    /** Reads until the peer's close_notify; the number of application bytes read before it. */
    long readToEnd() throws IOException, TlsException {
        ByteBuffer dst = ByteBuffer.allocate(BUFFER);
        long total = 0;
        while (true) {
            dst.clear();
            int n = tls.read(dst);
            drain();
            if (n == -1) {
                return total;
            }
            if (n == 0) {
                fill();
            }
            total += n;
        }
    }

    /** One shutdown step until it is SENT or COMPLETE; waits for the peer when {@code await}. */
    ShutdownResult shutdown(boolean await) throws IOException, TlsException {
        ShutdownResult r;
        while (true) {
            r = tls.shutdown();
            drain();
            if (r == ShutdownResult.WANT_WRITE) {
                continue;
            }
            if (r == ShutdownResult.WANT_READ) {
                if (!await) {
                    return r;
                }
                fill();
                continue;
            }
            if (r == ShutdownResult.SENT && await) {
                continue;
            }
            return r;
        }
    }

    /** After our close: true when the server then closed TCP (EOF) with nothing after its close_notify. */
    boolean tcpEof() throws IOException {
        if (tls.leftover().hasRemaining()) {
            return false;
        }
        return in.read() == -1;
    }

    private void drain() throws IOException {
        ByteBuffer ob = tls.outbound();
        if (ob.position() > 0) {
            out.write(ob.array(), ob.arrayOffset(), ob.position());
            ob.clear();
        }
    }

    private void fill() throws IOException {
        ByteBuffer ib = tls.inbound();
        if (!ib.hasRemaining()) {
            throw new IOException("inbound buffer full: the connection did not consume a whole record");
        }
        int n = in.read(ib.array(), ib.arrayOffset() + ib.position(), ib.remaining());
        if (n < 0) {
            tls.transportEof();
        } else {
            ib.position(ib.position() + n);
        }
    }

    @Override
    public void close() {
        tls.close();
        try {
            socket.close();
        } catch (IOException e) {
            // closing anyway
        }
    }
}

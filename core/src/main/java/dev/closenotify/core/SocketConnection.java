package dev.closenotify.core;

import dev.closenotify.spi.ShutdownResult;
import dev.closenotify.spi.TlsException;
import dev.closenotify.spi.TlsSocketConnection;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.ByteChannel;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/** The blocking transport's face of an {@link EngineConnection}. */
final class SocketConnection extends ConnectionFace implements TlsSocketConnection {

    SocketConnection(EngineConnection c) {
        super(c);
    }

    @Override
    public void handshake() throws TlsException {
        handshake(c.policy().handshakeTimeout());
    }

    @Override
    public void handshake(Duration timeout) throws TlsException {
        Objects.requireNonNull(timeout, "timeout");
        c.handshake(Wire.deadline(timeout));
    }

    private void ensureHandshake() throws TlsException {
        if (!c.handshakeDone()) {
            handshake();
        }
    }

    @Override
    public int read(byte[] b, int off, int len) throws TlsException {
        Objects.checkFromIndexSize(off, len, b.length);
        return read(ByteBuffer.wrap(b, off, len));
    }

    @Override
    public int read(ByteBuffer dst) throws TlsException {
        ensureHandshake();
        if (!dst.hasRemaining()) {
            return 0;
        }
        return c.read(dst, Wire.deadline(c.policy().idleReadTimeout()));
    }

    @Override
    public void write(byte[] b, int off, int len) throws TlsException {
        Objects.checkFromIndexSize(off, len, b.length);
        write(ByteBuffer.wrap(b, off, len));
    }

    @Override
    public void write(ByteBuffer src) throws TlsException {
        ensureHandshake();
        c.write(src, Wire.NO_DEADLINE);
    }

    @Override
    public ShutdownResult shutdown() throws TlsException {
        Optional<ShutdownResult> first = c.sendCloseNotify(Wire.deadline(c.policy().closeFlushTimeout()));
        if (first.isPresent()) {
            return first.get();
        }
        return c.awaitCloseNotify(Wire.deadline(c.policy().peerCloseTimeout()));
    }

    @Override
    public ShutdownResult shutdown(Duration timeout) throws TlsException {
        Objects.requireNonNull(timeout, "timeout");
        long deadline = Wire.deadline(timeout);
        Optional<ShutdownResult> first = c.sendCloseNotify(deadline);
        if (first.isPresent() && first.get() == ShutdownResult.COMPLETE) {
            return ShutdownResult.COMPLETE;
        }
        return c.awaitCloseNotify(deadline);
    }

    @Override
    public InputStream inputStream() {
        return new InputStream() {
            @Override
            public int read() throws IOException {
                byte[] one = new byte[1];
                int n;
                do {
                    n = SocketConnection.this.read(one, 0, 1);
                } while (n == 0);
                return n < 0 ? -1 : one[0] & 0xff;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                if (len == 0) {
                    Objects.checkFromIndexSize(off, len, b.length);
                    return 0;
                }
                return SocketConnection.this.read(b, off, len);
            }

            @Override
            public int available() {
                return c.available();
            }

            @Override
            public void close() {
                SocketConnection.this.close();
            }
        };
    }

    @Override
    public OutputStream outputStream() {
        return new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                SocketConnection.this.write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                SocketConnection.this.write(b, off, len);
            }

            @Override
            public void close() {
                SocketConnection.this.close();
            }
        };
    }

    @Override
    public ByteChannel channel() {
        return new ByteChannel() {
            @Override
            public int read(ByteBuffer dst) throws IOException {
                return SocketConnection.this.read(dst);
            }

            @Override
            public int write(ByteBuffer src) throws IOException {
                int n = src.remaining();
                SocketConnection.this.write(src);
                return n;
            }

            @Override
            public boolean isOpen() {
                return !c.isClosed();
            }

            @Override
            public void close() {
                SocketConnection.this.close();
            }
        };
    }
}

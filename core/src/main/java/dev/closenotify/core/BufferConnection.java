package dev.closenotify.core;

import dev.closenotify.spi.Progress;
import dev.closenotify.spi.ShutdownResult;
import dev.closenotify.spi.TlsBufferConnection;
import dev.closenotify.spi.TlsException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Objects;
import java.util.Optional;

/** The buffer pair's face of an {@link EngineConnection}: nothing blocks, nothing has a deadline. */
final class BufferConnection extends ConnectionFace implements TlsBufferConnection {
    private final BufferWire wire;

    BufferConnection(EngineConnection c) {
        super(c);
        this.wire = (BufferWire) c.wire();
    }

    @Override
    public ByteBuffer inbound() {
        return wire.inbound();
    }

    @Override
    public ByteBuffer outbound() {
        return wire.outbound();
    }

    @Override
    public void useBuffers(ByteBuffer inbound, ByteBuffer outbound) {
        Objects.requireNonNull(inbound, "inbound");
        Objects.requireNonNull(outbound, "outbound");
        c.useBuffers(inbound, outbound);
    }

    @Override
    public Progress handshake() throws TlsException {
        return progress(c.handshake(Wire.NO_DEADLINE));
    }

    @Override
    public int read(ByteBuffer dst) throws TlsException {
        Objects.requireNonNull(dst, "dst");
        if (!c.handshakeDone() && handshake() != Progress.DONE) {
            return 0;
        }
        return c.read(dst, Wire.NO_DEADLINE);
    }

    @Override
    public int write(ByteBuffer src) throws TlsException {
        Objects.requireNonNull(src, "src");
        if (!c.handshakeDone() && handshake() != Progress.DONE) {
            return 0;
        }
        return c.write(src, Wire.NO_DEADLINE);
    }

    @Override
    public Progress flush() throws TlsException {
        return progress(c.flushPending());
    }

    @Override
    public ShutdownResult shutdown() throws TlsException {
        Optional<ShutdownResult> first = c.sendCloseNotify(Wire.NO_DEADLINE);
        if (first.isPresent()) {
            return first.get();
        }
        return c.awaitCloseNotify(Wire.NO_DEADLINE);
    }

    @Override
    public void transportEof() {
        wire.signalEof();
    }

    @Override
    public void transportReset(IOException cause) {
        Objects.requireNonNull(cause, "cause");
        wire.signalReset(cause);
        c.transportReset(cause);
    }

    private static Progress progress(EngineConnection.Step s) {
        return switch (s) {
            case DONE -> Progress.DONE;
            case WANT_READ -> Progress.WANT_READ;
            case WANT_WRITE -> Progress.WANT_WRITE;
        };
    }
}

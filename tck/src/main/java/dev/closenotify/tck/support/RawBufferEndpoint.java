package dev.closenotify.tck.support;

import dev.closenotify.spi.CloseOutcome;
import dev.closenotify.spi.Progress;
import dev.closenotify.spi.Role;
import dev.closenotify.spi.SessionFacts;
import dev.closenotify.spi.ShutdownFlag;
import dev.closenotify.spi.ShutdownResult;
import dev.closenotify.spi.TlsBufferConnection;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * A stand-in {@link TlsBufferConnection} that speaks no TLS: it only has the two
 * buffers and remembers transport signals. Put it at one end of a {@link BufferPipe} to send raw
 * bytes (hand-made records, garbage) to a real connection and see exactly what it sends back, or to
 * test the pipe itself. Every TLS method throws {@link UnsupportedOperationException}; {@link
 * #close()} does nothing.
 */
public final class RawBufferEndpoint implements TlsBufferConnection {

    /** The default capacity of each buffer: a maximal TLS record and then some. */
    public static final int DEFAULT_CAPACITY = 64 * 1024;

    private final ByteBuffer inbound;
    private final ByteBuffer outbound;
    private boolean eof;
    private IOException reset;

    /** An endpoint with buffers of {@value #DEFAULT_CAPACITY} bytes. */
    public RawBufferEndpoint() {
        this(DEFAULT_CAPACITY, DEFAULT_CAPACITY);
    }

    /** An endpoint with buffers of the given capacities (small ones exercise backpressure). */
    public RawBufferEndpoint(int inboundCapacity, int outboundCapacity) {
        this.inbound = ByteBuffer.allocate(inboundCapacity);
        this.outbound = ByteBuffer.allocate(outboundCapacity);
    }

    /**
     * Appends {@code bytes} to {@code outbound()}.
     *
     * @throws IllegalStateException when they do not all fit (see {@link #outboundRoom()})
     */
    public RawBufferEndpoint send(byte... bytes) {
        Objects.requireNonNull(bytes, "bytes");
        if (bytes.length > outbound.remaining()) {
            throw new IllegalStateException("cannot send " + bytes.length + " bytes: only " + outbound.remaining()
                    + " free in outbound");
        }
        outbound.put(bytes);
        return this;
    }

    /** Free space in {@code outbound()}. */
    public int outboundRoom() {
        return outbound.remaining();
    }

    /** Bytes received and not yet taken. */
    public int available() {
        return inbound.position();
    }

    /** Takes (removes) every byte received so far. */
    public byte[] take() {
        inbound.flip();
        byte[] bytes = new byte[inbound.remaining()];
        inbound.get(bytes);
        inbound.clear();
        return bytes;
    }

    /** Whether {@link #transportEof()} was called. */
    public boolean eofReceived() {
        return eof;
    }

    /** What {@link #transportReset(IOException)} was called with, if it was (the first call). */
    public Optional<IOException> resetReceived() {
        return Optional.ofNullable(reset);
    }

    @Override
    public ByteBuffer inbound() {
        return inbound;
    }

    @Override
    public ByteBuffer outbound() {
        return outbound;
    }

    @Override
    public void transportEof() {
        eof = true;
    }

    @Override
    public void transportReset(IOException cause) {
        Objects.requireNonNull(cause, "cause");
        if (reset == null) {
            reset = cause;
        }
    }

    @Override
    public void close() {
        // nothing to release
    }

    @Override
    public String toString() {
        return "RawBufferEndpoint[" + inbound.position() + " B in, " + outbound.position() + " B out"
                + (eof ? ", eof" : "") + (reset != null ? ", reset" : "") + "]";
    }

    // ---- no TLS here

    @Override
    public Progress handshake() {
        throw unsupported("handshake");
    }

    @Override
    public int read(ByteBuffer dst) {
        throw unsupported("read");
    }

    @Override
    public int write(ByteBuffer src) {
        throw unsupported("write");
    }

    @Override
    public Progress flush() {
        throw unsupported("flush");
    }

    @Override
    public ShutdownResult shutdown() {
        throw unsupported("shutdown");
    }

    @Override
    public Role role() {
        throw unsupported("role");
    }

    @Override
    public String providerName() {
        throw unsupported("providerName");
    }

    @Override
    public Set<ShutdownFlag> flags() {
        throw unsupported("flags");
    }

    @Override
    public void addFlags(ShutdownFlag... flags) {
        throw unsupported("addFlags");
    }

    @Override
    public Optional<SessionFacts> session() {
        throw unsupported("session");
    }

    @Override
    public Optional<CloseOutcome> outcome() {
        throw unsupported("outcome");
    }

    @Override
    public long bytesIn() {
        throw unsupported("bytesIn");
    }

    @Override
    public long bytesOut() {
        throw unsupported("bytesOut");
    }

    @Override
    public ByteBuffer leftover() {
        throw unsupported("leftover");
    }

    private static UnsupportedOperationException unsupported(String method) {
        return new UnsupportedOperationException(method + "(): RawBufferEndpoint moves raw bytes only, it has no TLS");
    }
}

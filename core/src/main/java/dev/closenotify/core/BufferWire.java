package dev.closenotify.core;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * The caller's buffer pair (OpenSSL's BIO pair): both buffers in fill mode between calls, data in
 * {@code [0, position)}. Never blocks; end-of-stream and resets are signalled by the caller.
 */
final class BufferWire implements Wire {
    // Replaced only by use(), with both of the connection's locks held; volatile for the accessors.
    private volatile ByteBuffer inbound;
    private volatile ByteBuffer outbound;
    private volatile boolean eof;
    private volatile IOException reset;
    private volatile boolean closed;

    BufferWire(ByteBuffer inbound, ByteBuffer outbound) {
        this.inbound = inbound;
        this.outbound = outbound;
    }

    ByteBuffer inbound() {
        return inbound;
    }

    ByteBuffer outbound() {
        return outbound;
    }

    /**
     * Moves to other buffers, carrying over what the old ones hold (fill mode, in order). Needs
     * both of the connection's locks; checks everything before changing anything.
     */
    void use(ByteBuffer newInbound, ByteBuffer newOutbound) {
        if (newInbound == newOutbound) {
            throw new IllegalArgumentException("inbound and outbound must be two buffers");
        }
        if (newInbound.isReadOnly() || newOutbound.isReadOnly()) {
            throw new IllegalArgumentException("inbound and outbound must be writable buffers");
        }
        ByteBuffer oldIn = inbound;
        ByteBuffer oldOut = outbound;
        if (newInbound != oldIn && newInbound.remaining() < oldIn.position()) {
            throw new IllegalArgumentException("the new inbound has room for " + newInbound.remaining()
                    + " bytes, but the old one holds " + oldIn.position());
        }
        if (newOutbound != oldOut && newOutbound.remaining() < oldOut.position()) {
            throw new IllegalArgumentException("the new outbound has room for " + newOutbound.remaining()
                    + " bytes, but the old one holds " + oldOut.position());
        }
        if (newInbound != oldIn) {
            newInbound.put(oldIn.flip());
            oldIn.clear();
            inbound = newInbound;
        }
        if (newOutbound != oldOut) {
            newOutbound.put(oldOut.flip());
            oldOut.clear();
            outbound = newOutbound;
        }
    }

    /** Whether bytes may still be taken from and put into the buffers: not closed, not reset. */
    boolean usable() {
        return !closed && reset == null;
    }

    void signalEof() {
        eof = true;
    }

    void signalReset(IOException cause) {
        reset = cause;
    }

    @Override
    public int read(ByteBuffer dst, long deadline) throws IOException {
        if (reset != null) {
            throw reset;
        }
        if (closed) {
            throw new IOException("transport closed");
        }
        if (inbound.position() == 0) {
            return eof ? -1 : 0;
        }
        inbound.flip();
        int n = Math.min(inbound.remaining(), dst.remaining());
        // Absolute bulk puts, here and below: a slice per record was the core's one allocation on this path.
        dst.put(dst.position(), inbound, inbound.position(), n);
        dst.position(dst.position() + n);
        inbound.position(inbound.position() + n);
        inbound.compact();
        return n;
    }

    @Override
    public boolean write(ByteBuffer src, long deadline) throws IOException {
        if (reset != null) {
            throw reset;
        }
        if (closed) {
            throw new IOException("transport closed");
        }
        int n = Math.min(src.remaining(), outbound.remaining());
        outbound.put(outbound.position(), src, src.position(), n);
        outbound.position(outbound.position() + n);
        src.position(src.position() + n);
        return !src.hasRemaining();
    }

    @Override
    public boolean blocking() {
        return false;
    }

    @Override
    public void close() {
        closed = true;
    }

    @Override
    public boolean closed() {
        return closed;
    }
}

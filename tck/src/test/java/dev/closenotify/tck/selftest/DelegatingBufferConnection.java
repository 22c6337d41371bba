package dev.closenotify.tck.selftest;

import dev.closenotify.spi.CloseOutcome;
import dev.closenotify.spi.Progress;
import dev.closenotify.spi.Role;
import dev.closenotify.spi.SessionFacts;
import dev.closenotify.spi.ShutdownFlag;
import dev.closenotify.spi.ShutdownResult;
import dev.closenotify.spi.TlsBufferConnection;
import dev.closenotify.spi.TlsException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Optional;
import java.util.Set;

/** A buffer connection that is another one under another provider's name; a broken provider overrides one method. */
class DelegatingBufferConnection implements TlsBufferConnection {
    private final String providerName;
    final TlsBufferConnection delegate;

    DelegatingBufferConnection(String providerName, TlsBufferConnection delegate) {
        this.providerName = providerName;
        this.delegate = delegate;
    }

    @Override
    public Role role() {
        return delegate.role();
    }

    @Override
    public String providerName() {
        return providerName;
    }

    @Override
    public Set<ShutdownFlag> flags() {
        return delegate.flags();
    }

    @Override
    public void addFlags(ShutdownFlag... flags) {
        delegate.addFlags(flags);
    }

    @Override
    public Optional<SessionFacts> session() {
        return delegate.session();
    }

    @Override
    public Optional<CloseOutcome> outcome() {
        return delegate.outcome();
    }

    @Override
    public long bytesIn() {
        return delegate.bytesIn();
    }

    @Override
    public long bytesOut() {
        return delegate.bytesOut();
    }

    @Override
    public ByteBuffer leftover() {
        return delegate.leftover();
    }

    @Override
    public void close() {
        delegate.close();
    }

    @Override
    public ByteBuffer inbound() {
        return delegate.inbound();
    }

    @Override
    public ByteBuffer outbound() {
        return delegate.outbound();
    }

    @Override
    public Progress handshake() throws TlsException {
        return delegate.handshake();
    }

    @Override
    public int read(ByteBuffer dst) throws TlsException {
        return delegate.read(dst);
    }

    @Override
    public int write(ByteBuffer src) throws TlsException {
        return delegate.write(src);
    }

    @Override
    public Progress flush() throws TlsException {
        return delegate.flush();
    }

    @Override
    public ShutdownResult shutdown() throws TlsException {
        return delegate.shutdown();
    }

    @Override
    public void transportEof() {
        delegate.transportEof();
    }

    @Override
    public void transportReset(IOException cause) {
        delegate.transportReset(cause);
    }

    @Override
    public String toString() {
        return providerName + " " + delegate;
    }
}

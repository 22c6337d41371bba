package dev.closenotify.tck.selftest;

import dev.closenotify.spi.CloseOutcome;
import dev.closenotify.spi.Role;
import dev.closenotify.spi.SessionFacts;
import dev.closenotify.spi.ShutdownFlag;
import dev.closenotify.spi.ShutdownResult;
import dev.closenotify.spi.TlsException;
import dev.closenotify.spi.TlsSocketConnection;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.ByteChannel;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;

/**
 * A socket connection that is another one under another provider's name; a broken provider
 * overrides one method. The stream and channel views are the delegate's own.
 */
class DelegatingSocketConnection implements TlsSocketConnection {
    private final String providerName;
    final TlsSocketConnection delegate;

    DelegatingSocketConnection(String providerName, TlsSocketConnection delegate) {
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
    public void handshake() throws TlsException {
        delegate.handshake();
    }

    @Override
    public void handshake(Duration timeout) throws TlsException {
        delegate.handshake(timeout);
    }

    @Override
    public int read(byte[] b, int off, int len) throws TlsException {
        return delegate.read(b, off, len);
    }

    @Override
    public int read(ByteBuffer dst) throws TlsException {
        return delegate.read(dst);
    }

    @Override
    public void write(byte[] b, int off, int len) throws TlsException {
        delegate.write(b, off, len);
    }

    @Override
    public void write(ByteBuffer src) throws TlsException {
        delegate.write(src);
    }

    @Override
    public ShutdownResult shutdown() throws TlsException {
        return delegate.shutdown();
    }

    @Override
    public ShutdownResult shutdown(Duration timeout) throws TlsException {
        return delegate.shutdown(timeout);
    }

    @Override
    public InputStream inputStream() {
        return delegate.inputStream();
    }

    @Override
    public OutputStream outputStream() {
        return delegate.outputStream();
    }

    @Override
    public ByteChannel channel() {
        return delegate.channel();
    }

    @Override
    public String toString() {
        return providerName + " " + delegate;
    }
}

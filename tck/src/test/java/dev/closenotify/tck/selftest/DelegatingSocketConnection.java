package dev.closenotify.tck.selftest;

import dev.closenotify.spi.ShutdownResult;
import dev.closenotify.spi.TlsException;
import dev.closenotify.spi.TlsSocketConnection;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.ByteChannel;
import java.time.Duration;

/**
 * A socket connection that is another one under another provider's name; a broken provider
 * overrides one method. The stream and channel views are the delegate's own.
 */
class DelegatingSocketConnection extends DelegatingConnection<TlsSocketConnection> implements TlsSocketConnection {

    DelegatingSocketConnection(String providerName, TlsSocketConnection delegate) {
        super(providerName, delegate);
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
}

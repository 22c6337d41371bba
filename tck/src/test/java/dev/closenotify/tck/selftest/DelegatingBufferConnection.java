package dev.closenotify.tck.selftest;

import dev.closenotify.spi.Progress;
import dev.closenotify.spi.ShutdownResult;
import dev.closenotify.spi.TlsBufferConnection;
import dev.closenotify.spi.TlsException;
import java.io.IOException;
import java.nio.ByteBuffer;

/** A buffer connection that is another one under another provider's name; a broken provider overrides one method. */
class DelegatingBufferConnection extends DelegatingConnection<TlsBufferConnection> implements TlsBufferConnection {

    DelegatingBufferConnection(String providerName, TlsBufferConnection delegate) {
        super(providerName, delegate);
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
}

package dev.closenotify.tck.selftest;

import dev.closenotify.spi.ConnectionPolicy;
import dev.closenotify.spi.TlsBufferConnection;
import dev.closenotify.spi.TlsConfig;
import dev.closenotify.spi.TlsContext;
import dev.closenotify.spi.TlsException;
import dev.closenotify.spi.TlsSocketConnection;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;

/** A context of a {@link DelegatingProvider}: the delegate's context, whose connections the provider wraps. */
final class DelegatingContext implements TlsContext {
    private final DelegatingProvider provider;
    private final TlsContext delegate;

    DelegatingContext(DelegatingProvider provider, TlsContext delegate) {
        this.provider = provider;
        this.delegate = delegate;
    }

    @Override
    public String providerName() {
        return provider.name();
    }

    @Override
    public TlsConfig config() {
        return delegate.config();
    }

    @Override
    public TlsSocketConnection open(Socket socket, ConnectionPolicy policy) throws TlsException {
        return provider.wrap(delegate.open(socket, policy), policy);
    }

    @Override
    public TlsSocketConnection open(SocketChannel channel, ConnectionPolicy policy) throws TlsException {
        return provider.wrap(delegate.open(channel, policy), policy);
    }

    @Override
    public TlsBufferConnection open(ByteBuffer inbound, ByteBuffer outbound, InetSocketAddress peer,
                                    ConnectionPolicy policy) throws TlsException {
        return provider.wrap(delegate.open(inbound, outbound, peer, policy), policy);
    }
}

package dev.closenotify.tck.support;

import dev.closenotify.spi.ConnectionPolicy;
import dev.closenotify.spi.ShutdownProvider;
import dev.closenotify.spi.TlsBufferConnection;
import dev.closenotify.spi.TlsConfig;
import dev.closenotify.spi.TlsContext;
import dev.closenotify.spi.TlsException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.ByteBuffer;

/**
 * A client and a server context of one provider for one protocol, with the test certificates: the
 * client trusts the test CA and verifies {@code localhost}. Each pair has its own session caches,
 * so resumption tests use one pair for all their connections. Its socket connections all go through
 * one listener, since a client caches sessions per host and port; close the pair to close it.
 *
 * @param client the client context
 * @param server the server context
 * @param protocol {@code TLSv1.3} or {@code TLSv1.2}
 * @param listener the loopback listener every {@link #sockets()} pair is accepted on
 */
public record ContextPair(TlsContext client, TlsContext server, String protocol, ServerSocket listener)
        implements AutoCloseable {

    /** Contexts of {@code provider} for {@code protocol}, default policies. */
    public static ContextPair of(ShutdownProvider provider, String protocol) {
        return of(provider, provider, protocol);
    }

    /** A client of {@code clientProvider} and a server of {@code serverProvider}. */
    public static ContextPair of(ShutdownProvider clientProvider, ShutdownProvider serverProvider, String protocol) {
        TestCertificates certs = TestCertificates.get();
        TlsContext server = serverProvider.newContext(TlsConfig.server(certs.serverKeyManager())
                .protocols(protocol).build());
        TlsContext client = clientProvider.newContext(TlsConfig.client().trustManager(certs.trustManager())
                .serverName("localhost").protocols(protocol).build());
        return new ContextPair(client, server, protocol, SocketPair.listen());
    }

    /** Socket connections with the contexts' default policies, not yet handshaken. */
    public SocketPair sockets() {
        return sockets(client.config().policy(), server.config().policy());
    }

    /** Socket connections with the given policies. */
    public SocketPair sockets(ConnectionPolicy clientPolicy, ConnectionPolicy serverPolicy) {
        return SocketPair.open(client, server, listener, false, address(), clientPolicy, serverPolicy);
    }

    /** Socket connections whose client dials {@code dial} (a proxy in front of {@link #address()}). */
    public SocketPair sockets(InetSocketAddress dial, ConnectionPolicy clientPolicy, ConnectionPolicy serverPolicy) {
        return SocketPair.open(client, server, listener, false, dial, clientPolicy, serverPolicy);
    }

    /** The listener's address. */
    public InetSocketAddress address() {
        return (InetSocketAddress) listener.getLocalSocketAddress();
    }

    /** Buffer connections joined by a {@link BufferPipe} (a = client, b = server), buffers of {@code size} bytes. */
    public BufferPipe buffers(int size, ConnectionPolicy clientPolicy, ConnectionPolicy serverPolicy) throws TlsException {
        InetSocketAddress peer = InetSocketAddress.createUnresolved("localhost", 4433);
        TlsBufferConnection c = client.open(ByteBuffer.allocate(size), ByteBuffer.allocate(size), peer, clientPolicy);
        TlsBufferConnection s = server.open(ByteBuffer.allocate(size), ByteBuffer.allocate(size), peer, serverPolicy);
        return BufferPipe.between(c, s);
    }

    /**
     * Buffer connections on direct buffers of {@code size} bytes (a = client, b = server), with the
     * default policy: every buffer connection must work on them, whatever
     * {@link TlsContext#prefersDirectBuffers()} says.
     */
    public BufferPipe directBuffers(int size) throws TlsException {
        InetSocketAddress peer = InetSocketAddress.createUnresolved("localhost", 4433);
        TlsBufferConnection c = client.open(ByteBuffer.allocateDirect(size), ByteBuffer.allocateDirect(size), peer,
                ConnectionPolicy.DEFAULT);
        TlsBufferConnection s = server.open(ByteBuffer.allocateDirect(size), ByteBuffer.allocateDirect(size), peer,
                ConnectionPolicy.DEFAULT);
        return BufferPipe.between(c, s);
    }

    /** Buffer connections with the default policy and 32 KiB buffers. */
    public BufferPipe buffers() throws TlsException {
        return buffers(32 * 1024, ConnectionPolicy.DEFAULT, ConnectionPolicy.DEFAULT);
    }

    @Override
    public void close() {
        try {
            listener.close();
        } catch (java.io.IOException ignored) {
            // test cleanup
        }
    }
}

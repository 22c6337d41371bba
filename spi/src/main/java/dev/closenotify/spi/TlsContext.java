package dev.closenotify.spi;

import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;

/**
 * What a {@link ShutdownProvider} makes from a {@link TlsConfig}: it opens connections that share
 * the configuration and one session cache (per side). Thread-safe.
 */
public interface TlsContext {

    /** The name of the provider that made this context. */
    String providerName();

    /** The configuration this context was made from. */
    TlsConfig config();

    /**
     * A connection over a connected blocking socket, with the configuration's policy. The
     * handshake runs on the first read or write, or on {@link TlsSocketConnection#handshake()}.
     * Client sessions are cached under the SNI name (or the socket's remote host) and port.
     */
    default TlsSocketConnection open(Socket socket) throws TlsException {
        return open(socket, config().policy());
    }

    /** A connection over a connected blocking socket, with its own policy. */
    TlsSocketConnection open(Socket socket, ConnectionPolicy policy) throws TlsException;

    /**
     * A connection over a connected {@code SocketChannel}, which must be in blocking mode.
     */
    TlsSocketConnection open(SocketChannel channel, ConnectionPolicy policy) throws TlsException;

    /**
     * A non-blocking connection over caller-supplied buffers (see {@link TlsBufferConnection} for
     * the fill-mode convention). {@code peer} names the peer for the client session cache; it may
     * be unresolved.
     */
    TlsBufferConnection open(ByteBuffer inbound, ByteBuffer outbound, InetSocketAddress peer,
                             ConnectionPolicy policy) throws TlsException;

    /**
     * Whether this context's buffer connections work best on direct buffers: a caller that chooses
     * the buffers it gives {@link #open(ByteBuffer, ByteBuffer, InetSocketAddress, ConnectionPolicy)}
     * and {@link TlsBufferConnection#useBuffers} gives direct ones when this is true, heap ones
     * otherwise. A stack that encrypts in native memory (BoringSSL through Conscrypt) copies every
     * heap buffer in and out on each record; a stack that encrypts Java arrays (JSSE) is slower on
     * direct buffers. Only a hint: every buffer connection works on either kind, and on a mix.
     *
     * @implSpec returns {@code false}.
     * @return {@code true} if direct buffers are the faster kind for this context's connections
     * @since 0.1
     */
    default boolean prefersDirectBuffers() {
        return false;
    }
}

package dev.closenotify.spi;

import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.ByteChannel;
import java.time.Duration;

/**
 * A TLS connection over a connected blocking {@code Socket} or {@code SocketChannel}, meant to be
 * used from virtual threads. Every blocking step has a deadline from the connection's
 * {@link ConnectionPolicy} or the call (SEMANTICS.md §7).
 */
public interface TlsSocketConnection extends TlsConnection {

    /** Runs the handshake with the policy's handshake deadline; does nothing once it completed. */
    void handshake() throws TlsException;

    /**
     * Runs the handshake within {@code timeout} ({@link Duration#ZERO}: no deadline); does nothing
     * once it completed. On failure the connection has failed and no session from it is kept.
     */
    void handshake(Duration timeout) throws TlsException;

    /**
     * Reads application data, running the handshake first if needed. Returns the number of bytes
     * read (at least one when {@code len > 0}) or -1 at end-of-stream: the peer's close_notify
     * arrived (sets {@link ShutdownFlag#RECEIVED}). Transport EOF without close_notify throws
     * {@link TlsException.Kind#TRUNCATED}, unless the policy ignores unexpected EOF.
     */
    int read(byte[] b, int off, int len) throws TlsException;

    /** As {@link #read(byte[], int, int)}, into {@code dst}. */
    int read(ByteBuffer dst) throws TlsException;

    /**
     * Writes all of {@code b[off, off+len)}, running the handshake first if needed. Fails with
     * {@link TlsException.Kind#WRITE_AFTER_SHUTDOWN} after our close_notify, and with
     * {@link TlsException.Kind#WRITE_AFTER_PEER_CLOSE} after the peer's where half-close is not
     * allowed; nothing is sent then.
     */
    void write(byte[] b, int off, int len) throws TlsException;

    /** As {@link #write(byte[], int, int)}, all of {@code src}. */
    void write(ByteBuffer src) throws TlsException;

    /**
     * One step of the close protocol (SEMANTICS.md §2): sends our close_notify and returns
     * {@link ShutdownResult#SENT}, or {@link ShutdownResult#COMPLETE} when the peer's had already
     * arrived; called again after {@code SENT}, waits up to the policy's peer-close deadline for the
     * peer's close_notify and returns {@code COMPLETE}. Application data arriving while waiting
     * fails the call with {@link TlsException.Kind#PENDING_DATA}; the data stays readable. Never
     * returns {@code WANT_READ}/{@code WANT_WRITE}.
     */
    ShutdownResult shutdown() throws TlsException;

    /**
     * The whole bidirectional close in one call: sends our close_notify if not sent yet, then
     * waits for the peer's until {@code timeout} expires. Returns {@link ShutdownResult#COMPLETE} or
     * throws {@link TlsException.Kind#TIMEOUT} (the connection then ends with
     * {@link CloseReason#TIMEOUT}).
     */
    ShutdownResult shutdown(Duration timeout) throws TlsException;

    /** The connection as an {@code InputStream}; {@code close()} closes the connection. */
    InputStream inputStream();

    /** The connection as an {@code OutputStream}; {@code close()} closes the connection. */
    OutputStream outputStream();

    /** The connection as a blocking {@code ByteChannel}; {@code close()} closes the connection. */
    ByteChannel channel();
}

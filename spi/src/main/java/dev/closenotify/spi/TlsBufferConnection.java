package dev.closenotify.spi;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * A TLS connection over two caller-supplied buffers, OpenSSL's BIO-pair mode: the caller moves
 * bytes between the buffers and its own transport, and no call ever blocks.
 *
 * <p>Both buffers stay in <em>fill mode</em> between calls: their valid bytes are
 * {@code [0, position)}. The caller appends what it received from the network to
 * {@link #inbound()} ({@code inbound.put(...)}), and takes what to send from {@link #outbound()}
 * ({@code outbound.flip(); channel.write(outbound); outbound.compact();}). The connection consumes
 * from the one and appends to the other the same way. Transport end-of-stream and errors are
 * signalled with {@link #transportEof()} and {@link #transportReset(IOException)}.
 *
 * <p>Where a step cannot go on, it says what it waits for: {@link Progress#WANT_READ} (feed
 * {@code inbound}) or {@link Progress#WANT_WRITE} (drain {@code outbound}); {@code read} and
 * {@code write} return 0 then. After any call, drain {@code outbound}.
 *
 * <p>A finished handshake on one side does not mean the peer has nothing more for it: a TLS 1.3
 * server's {@code handshake()} is done only once its session ticket is handed over, and the client
 * consumes that ticket in {@code read()}. So keep calling {@code read()} on a client whose
 * handshake is done, rather than {@code handshake()}, or small buffers can stall both sides.
 */
public interface TlsBufferConnection extends TlsConnection {

    /** The buffer the caller fills with bytes from the network. */
    ByteBuffer inbound();

    /** The buffer the connection fills with bytes for the network. */
    ByteBuffer outbound();

    /**
     * Moves the connection to other caller buffers: from now on {@link #inbound()} is
     * {@code inbound} and {@link #outbound()} is {@code outbound}, and the old ones are the
     * caller's again. Their bytes go along: what the old inbound held is appended to the new
     * inbound, what the old outbound held to the new outbound (fill mode, in order), so nothing is
     * lost or reordered. This lets a caller hold small buffers while a connection waits and large
     * ones while traffic flows (an idle connection need not keep 16 KiB+ buffers). Call it from
     * the thread that moves the bytes, not during another call on this connection.
     *
     * @throws IllegalArgumentException if the two are the same buffer, either is read-only, or
     *     either has no room for the bytes it must take over; nothing is changed then
     * @throws UnsupportedOperationException if this connection keeps the buffers it was opened with
     * @implSpec throws {@link UnsupportedOperationException}: a connection keeps its buffers.
     * @since 0.1
     */
    default void useBuffers(ByteBuffer inbound, ByteBuffer outbound) {
        throw new UnsupportedOperationException(providerName() + " keeps the buffers a connection was opened with");
    }

    /** Advances the handshake as far as the buffers allow. */
    Progress handshake() throws TlsException;

    /**
     * Reads application data into {@code dst}: the number of bytes, 0 when more inbound bytes (or
     * room in {@code outbound}) are needed, or -1 at end-of-stream (the peer's close_notify; sets
     * {@link ShutdownFlag#RECEIVED}). The handshake runs first if needed.
     */
    int read(ByteBuffer dst) throws TlsException;

    /**
     * Encrypts from {@code src}: the number of bytes consumed, 0 when {@code outbound} has no room.
     * Fails as {@link TlsSocketConnection#write(byte[], int, int)} does after a close_notify.
     */
    int write(ByteBuffer src) throws TlsException;

    /** Moves produced bytes that did not fit yet into {@code outbound}. */
    Progress flush() throws TlsException;

    /**
     * One step of the close protocol (SEMANTICS.md §2): {@link ShutdownResult#SENT} or
     * {@link ShutdownResult#COMPLETE} as on the blocking transport, {@link ShutdownResult#WANT_WRITE}
     * when our close_notify did not all fit into {@code outbound} yet (it is produced, and
     * {@link ShutdownFlag#SENT} is set), {@link ShutdownResult#WANT_READ} when called after
     * {@code SENT} and the peer's close_notify has not been fed yet.
     */
    ShutdownResult shutdown() throws TlsException;

    /** The transport reached end-of-stream: no more inbound bytes will come. */
    void transportEof();

    /** The transport failed; the connection ends with {@link CloseReason#RESET}. */
    void transportReset(IOException cause);
}

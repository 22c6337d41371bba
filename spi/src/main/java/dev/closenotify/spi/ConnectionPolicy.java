package dev.closenotify.spi;

import java.time.Duration;
import java.util.Objects;

/**
 * Per-connection close policies and deadlines (SEMANTICS.md §2, §3, §7).
 *
 * <p>A deadline of {@link Duration#ZERO} means "no deadline", as {@code Socket.setSoTimeout(0)}
 * does. A deadline that expires ends the connection with {@link CloseReason#TIMEOUT} and closes the
 * transport. Deadlines apply to the blocking transport only; the non-blocking transport never
 * waits.
 *
 * @param quietShutdown {@code shutdown()} sends nothing, sets both flags and returns
 *     {@link ShutdownResult#COMPLETE} (OpenSSL's quiet shutdown; non-standard)
 * @param ignoreUnexpectedEof transport EOF without close_notify reads as end-of-stream and sets
 *     {@link ShutdownFlag#RECEIVED}; the close reason still records {@link CloseReason#TRUNCATED}
 * @param shutdownOnClose {@code close()} first sends close_notify when it was not sent yet, instead
 *     of an abortive close
 * @param handshakeTimeout the whole handshake
 * @param idleReadTimeout one read waiting for the peer
 * @param closeFlushTimeout handing our close_notify to the transport
 * @param peerCloseTimeout waiting for the peer's close_notify in {@code shutdown()}
 */
public record ConnectionPolicy(boolean quietShutdown, boolean ignoreUnexpectedEof,
                               boolean shutdownOnClose, Duration handshakeTimeout,
                               Duration idleReadTimeout, Duration closeFlushTimeout,
                               Duration peerCloseTimeout) {

    /** Default handshake deadline. */
    public static final Duration DEFAULT_HANDSHAKE_TIMEOUT = Duration.ofSeconds(30);
    /** Default idle read deadline: none, as for a plain socket. */
    public static final Duration DEFAULT_IDLE_READ_TIMEOUT = Duration.ZERO;
    /** Default deadline for handing our close_notify to the transport. */
    public static final Duration DEFAULT_CLOSE_FLUSH_TIMEOUT = Duration.ofSeconds(5);
    /** Default deadline for the peer's close_notify. */
    public static final Duration DEFAULT_PEER_CLOSE_TIMEOUT = Duration.ofSeconds(10);

    /** Standard close_notify behaviour with the default deadlines. */
    public static final ConnectionPolicy DEFAULT = new ConnectionPolicy(false, false, false,
            DEFAULT_HANDSHAKE_TIMEOUT, DEFAULT_IDLE_READ_TIMEOUT, DEFAULT_CLOSE_FLUSH_TIMEOUT,
            DEFAULT_PEER_CLOSE_TIMEOUT);

    public ConnectionPolicy {
        requireDeadline(handshakeTimeout, "handshakeTimeout");
        requireDeadline(idleReadTimeout, "idleReadTimeout");
        requireDeadline(closeFlushTimeout, "closeFlushTimeout");
        requireDeadline(peerCloseTimeout, "peerCloseTimeout");
    }

    private static void requireDeadline(Duration d, String name) {
        Objects.requireNonNull(d, name);
        if (d.isNegative()) {
            throw new IllegalArgumentException(name + " must not be negative (ZERO means no deadline): " + d);
        }
    }

    /** A copy with quiet shutdown on or off. */
    public ConnectionPolicy withQuietShutdown(boolean on) {
        return new ConnectionPolicy(on, ignoreUnexpectedEof, shutdownOnClose, handshakeTimeout,
                idleReadTimeout, closeFlushTimeout, peerCloseTimeout);
    }

    /** A copy with "ignore unexpected EOF" on or off. */
    public ConnectionPolicy withIgnoreUnexpectedEof(boolean on) {
        return new ConnectionPolicy(quietShutdown, on, shutdownOnClose, handshakeTimeout,
                idleReadTimeout, closeFlushTimeout, peerCloseTimeout);
    }

    /** A copy with "shutdown on close" on or off. */
    public ConnectionPolicy withShutdownOnClose(boolean on) {
        return new ConnectionPolicy(quietShutdown, ignoreUnexpectedEof, on, handshakeTimeout,
                idleReadTimeout, closeFlushTimeout, peerCloseTimeout);
    }

    /** A copy with another handshake deadline. */
    public ConnectionPolicy withHandshakeTimeout(Duration d) {
        return new ConnectionPolicy(quietShutdown, ignoreUnexpectedEof, shutdownOnClose, d,
                idleReadTimeout, closeFlushTimeout, peerCloseTimeout);
    }

    /** A copy with another idle read deadline. */
    public ConnectionPolicy withIdleReadTimeout(Duration d) {
        return new ConnectionPolicy(quietShutdown, ignoreUnexpectedEof, shutdownOnClose,
                handshakeTimeout, d, closeFlushTimeout, peerCloseTimeout);
    }

    /** A copy with another close_notify flush deadline. */
    public ConnectionPolicy withCloseFlushTimeout(Duration d) {
        return new ConnectionPolicy(quietShutdown, ignoreUnexpectedEof, shutdownOnClose,
                handshakeTimeout, idleReadTimeout, d, peerCloseTimeout);
    }

    /** A copy with another deadline for the peer's close_notify. */
    public ConnectionPolicy withPeerCloseTimeout(Duration d) {
        return new ConnectionPolicy(quietShutdown, ignoreUnexpectedEof, shutdownOnClose,
                handshakeTimeout, idleReadTimeout, closeFlushTimeout, d);
    }
}

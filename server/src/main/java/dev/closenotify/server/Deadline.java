package dev.closenotify.server;

import dev.closenotify.spi.ConnectionPolicy;

/**
 * The deadlines the echo server enforces on every connection, each taken from the server's
 * {@link ConnectionPolicy} ({@code Duration.ZERO} there means none). One that expires closes that
 * connection's socket at once, also while a write is blocked on a peer that does not read; the
 * connection ends with {@link dev.closenotify.spi.CloseReason#TIMEOUT} and the deadline is counted
 * ({@link ServerStats#deadlines()}).
 */
public enum Deadline {
    /** The whole handshake, from the accept: {@link ConnectionPolicy#handshakeTimeout()}. */
    HANDSHAKE,
    /**
     * No byte moved in either direction: {@link ConnectionPolicy#idleReadTimeout()}. A peer that
     * neither sends nor reads what it is sent back is idle, whichever way the connection waits.
     */
    IDLE,
    /**
     * Writing out the rest of the echo and our close_notify, from the moment the close_notify was
     * produced: {@link ConnectionPolicy#closeFlushTimeout()}.
     */
    CLOSE_FLUSH,
    /**
     * The peer's close_notify after ours (only when the server closes first, at a stop):
     * {@link ConnectionPolicy#peerCloseTimeout()}.
     */
    PEER_CLOSE
}

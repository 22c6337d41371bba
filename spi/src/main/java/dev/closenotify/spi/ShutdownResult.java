package dev.closenotify.spi;

/**
 * The result of one {@code shutdown()} step, mirroring {@code SSL_shutdown}'s return values
 * (SEMANTICS.md §2). Failures are never results: they are thrown as {@link TlsException}.
 */
public enum ShutdownResult {
    /** Our close_notify went out now; the peer's has not been received yet (OpenSSL: 0). */
    SENT,
    /** Both close_notify alerts have been exchanged, or quiet shutdown applied (OpenSSL: 1). */
    COMPLETE,
    /**
     * Non-blocking transport only: waiting for the peer's close_notify. Feed inbound bytes and call
     * {@code shutdown()} again.
     */
    WANT_READ,
    /**
     * Non-blocking transport only: our close_notify is produced and {@link ShutdownFlag#SENT} is
     * set, but not all of it fitted into the outbound buffer. Drain the buffer and call again; no
     * second close_notify is produced.
     */
    WANT_WRITE
}

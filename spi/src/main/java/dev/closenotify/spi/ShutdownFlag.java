package dev.closenotify.spi;

/**
 * The two shutdown flags of a connection, OpenSSL's {@code SSL_SENT_SHUTDOWN} and
 * {@code SSL_RECEIVED_SHUTDOWN} (SEMANTICS.md §1).
 *
 * <p>Flags can only be added, never cleared ({@link TlsConnection#addFlags}).
 */
public enum ShutdownFlag {
    /** Our close_notify was sent, or we were told to act as if it had been. */
    SENT,
    /** The peer's close_notify was received and processed (or treated as received). */
    RECEIVED
}

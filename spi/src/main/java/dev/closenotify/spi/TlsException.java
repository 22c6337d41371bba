package dev.closenotify.spi;

import java.io.IOException;
import java.util.Objects;
import java.util.Optional;

/**
 * Every failure of a closenotify connection: one checked type with a machine-readable
 * {@link Kind} (SEMANTICS.md §6), the equivalent of {@code SSL_get_error}'s classes.
 *
 * <p>End-of-stream after the peer's close_notify ({@code SSL_ERROR_ZERO_RETURN}) is not an error,
 * and neither are {@code WANT_READ}/{@code WANT_WRITE}: those are results. It extends
 * {@link IOException} so that the stream and channel views of a connection can throw it as is.
 */
public class TlsException extends IOException {
    private static final long serialVersionUID = 1L;

    /** What went wrong. Each misuse kind's message says what was done and what to do instead. */
    public enum Kind {
        /** The transport reached end-of-stream without the peer's close_notify (unexpected EOF). */
        TRUNCATED,
        /** The transport failed: connection reset, broken pipe, closed under us. */
        RESET,
        /** A TLS protocol failure: a fatal alert sent or received, a bad record, a failed handshake. */
        PROTOCOL,
        /** A deadline expired; the transport was closed. */
        TIMEOUT,
        /** A write after our close_notify was sent. Nothing was sent. */
        WRITE_AFTER_SHUTDOWN,
        /**
         * A write after the peer's close_notify where that is not allowed: always in TLS 1.2, and in
         * TLS 1.3 on a provider without {@link Capability#HALF_CLOSE_TLS13}. Nothing was sent.
         */
        WRITE_AFTER_PEER_CLOSE,
        /** {@code shutdown()} before the handshake completed (OpenSSL: shutdown while in init). */
        SHUTDOWN_WHILE_IN_HANDSHAKE,
        /** An operation on a connection that already failed; the cause is the original failure. */
        FAILED_EARLIER,
        /**
         * Application data arrived while waiting for the peer's close_notify. The data is not lost:
         * read it, then call {@code shutdown()} again.
         */
        PENDING_DATA,
        /** An operation on a connection that was closed locally. */
        CLOSED,
        /**
         * A read, or a wait for the peer's close_notify ({@code shutdown()} after
         * {@link ShutdownResult#SENT}), after our close_notify was sent, on a provider without
         * {@link Capability#READ_AFTER_SENT}: its stack closed the read direction with our
         * close_notify. Nothing was read or sent; the connection has ended with
         * {@link CloseReason#SENT_ONLY} and its session is kept. Close it; do not reuse the transport.
         *
         * @since 0.1
         */
        READ_AFTER_SHUTDOWN
    }

    private final Kind kind;
    private final String alert;

    /**
     * @param kind what went wrong
     * @param message what happened, and for misuse what to do instead
     * @param alert the TLS alert description (e.g. {@code bad_record_mac}), or {@code null}
     * @param cause the underlying exception, or {@code null}
     */
    public TlsException(Kind kind, String message, String alert, Throwable cause) {
        super(Objects.requireNonNull(message, "message"), cause);
        this.kind = Objects.requireNonNull(kind, "kind");
        this.alert = alert;
    }

    /** A failure without alert description. */
    public TlsException(Kind kind, String message, Throwable cause) {
        this(kind, message, null, cause);
    }

    /** A failure without alert description or cause. */
    public TlsException(Kind kind, String message) {
        this(kind, message, null, null);
    }

    /** What went wrong. */
    public Kind kind() {
        return kind;
    }

    /** The TLS alert description involved, where the stack exposes it. */
    public Optional<String> alert() {
        return Optional.ofNullable(alert);
    }

    @Override
    public String getMessage() {
        return "[" + kind + "] " + super.getMessage() + (alert == null ? "" : " (alert: " + alert + ")");
    }
}

package dev.closenotify.spi;

import java.nio.ByteBuffer;
import java.util.Optional;
import java.util.Set;

/**
 * One TLS connection over one transport, client or server side: what both transports share
 * ({@link TlsSocketConnection} blocking, {@link TlsBufferConnection} non-blocking).
 *
 * <p>Reading and writing may happen on two threads at once; {@code shutdown()} may be called while
 * another thread is blocked reading (SEMANTICS.md §7).
 */
public interface TlsConnection extends AutoCloseable {

    /** Client or server. */
    Role role();

    /** The name of the provider that made this connection. */
    String providerName();

    /** The shutdown flags now (SEMANTICS.md §1); an immutable snapshot. */
    Set<ShutdownFlag> flags();

    /**
     * Adds shutdown flags by hand, as OpenSSL's {@code SSL_set_shutdown} (SEMANTICS.md §2 rule 8).
     * With {@link ShutdownFlag#SENT} set, no close_notify is ever sent and the session stays
     * resumable when the connection is closed. With {@link ShutdownFlag#RECEIVED} set, reads return
     * end-of-stream. Flags are never cleared; adding one that is set changes nothing.
     */
    void addFlags(ShutdownFlag... flags);

    /** What the handshake settled; empty until it completed. */
    Optional<SessionFacts> session();

    /** How the connection ended; empty while it has not. */
    Optional<CloseOutcome> outcome();

    /** TLS bytes received from the transport so far. */
    long bytesIn();

    /** TLS bytes handed to the transport so far. */
    long bytesOut();

    /**
     * The bytes that arrived after the peer's close_notify, never processed as TLS (SEMANTICS.md
     * §5): a read-only buffer, empty when there are none or the close_notify has not arrived.
     * Bytes handed back here are removed from the connection.
     */
    ByteBuffer leftover();

    /**
     * Ends the connection and closes the transport. Without {@link ShutdownFlag#SENT} this is an
     * abortive close ({@link CloseReason#ABORTED}) and the session is dropped, unless the policy's
     * {@code shutdownOnClose} is on, in which case a close_notify is sent first. Never throws:
     * anything that goes wrong is recorded in {@link #outcome()}. Idempotent.
     */
    @Override
    void close();
}

package dev.closenotify.spi;

/**
 * The parts of the contract a provider may declare as gaps (SEMANTICS.md §9). Everything else is
 * required of every provider. A declared gap is tested the other way round: the documented
 * behaviour is asserted, and the conformance kit fails if the gap silently disappears.
 */
public enum Capability {
    /**
     * TLS 1.3 half-close: writing after the peer's close_notify was received. Without it, such a
     * write fails with {@link TlsException.Kind#WRITE_AFTER_PEER_CLOSE} and nothing is sent.
     */
    HALF_CLOSE_TLS13,
    /**
     * Reading the peer's data after our close_notify, and so waiting for the peer's close_notify
     * (SEMANTICS.md §2 rules 1 and 3, §5).
     *
     * <p>Without it, the stack closes the read direction when our close_notify goes out, and the
     * connection behaves exactly so:
     * <ul>
     *   <li>{@code shutdown()} first to close sends our close_notify and returns
     *       {@link ShutdownResult#SENT}, as everywhere; the connection has not ended yet.
     *   <li>After that, {@code read()} (once plaintext decrypted before our close_notify is
     *       consumed), {@code shutdown()} again, and {@code shutdown(Duration)} fail at once with
     *       {@link TlsException.Kind#READ_AFTER_SHUTDOWN}: nothing is read from the transport
     *       (the peer's bytes stay unread in the socket or inbound buffer), nothing is sent, nothing
     *       waits for a deadline. This is how the connection ended: the outcome is
     *       {@link CloseReason#SENT_ONLY} with flags {@code {SENT}} and the session kept (§4), just
     *       as if {@code close()} had followed the first {@code shutdown()}. Every later call
     *       answers the same until {@code close()}, which keeps that outcome.
     *   <li>{@code shutdown(Duration)} with no flag set sends our close_notify, then fails the same
     *       way.
     *   <li>It concerns our own close_notify only: with {@link ShutdownFlag#SENT} set by hand no
     *       close_notify went out, the stack still reads, and {@code shutdown()} waits for the
     *       peer's close_notify as the contract says. When the peer closed first
     *       ({@link ShutdownFlag#RECEIVED}), {@code shutdown()} returns
     *       {@link ShutdownResult#COMPLETE} as everywhere.
     * </ul>
     */
    READ_AFTER_SENT,
    /** TLS 1.3 session resumption. */
    RESUMPTION_TLS13
}

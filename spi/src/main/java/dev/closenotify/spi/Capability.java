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
     * Reading the peer's data after our close_notify, and so waiting for the peer's close_notify.
     * Without it, {@code shutdown()} after {@link ShutdownResult#SENT} reports how the connection
     * ended instead of waiting.
     */
    READ_AFTER_SENT,
    /** TLS 1.3 session resumption. */
    RESUMPTION_TLS13
}

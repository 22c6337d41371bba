package dev.closenotify.spi;

/** Why a connection ended (SEMANTICS.md §1). Readable once the connection has ended. */
public enum CloseReason {
    /** Both close_notify alerts were exchanged. */
    CLEAN,
    /** We sent our close_notify and did not wait for the peer's. */
    SENT_ONLY,
    /** Quiet shutdown: no alert was sent, by configuration. */
    QUIET,
    /** The transport reached end-of-stream without the peer's close_notify. */
    TRUNCATED,
    /** The transport failed or was reset. */
    RESET,
    /** A fatal alert was sent or received; see {@link CloseOutcome#alert()}. */
    FATAL_ALERT,
    /** The transport was closed locally without a shutdown. */
    ABORTED,
    /** A deadline expired: the peer's close_notify, a flush, a handshake or an idle read. */
    TIMEOUT
}

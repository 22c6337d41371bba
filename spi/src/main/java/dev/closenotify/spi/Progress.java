package dev.closenotify.spi;

/** How far a non-blocking step got (the non-blocking transport's handshake and flush). */
public enum Progress {
    /** The step is done. */
    DONE,
    /** More inbound bytes are needed: feed the inbound buffer and call again. */
    WANT_READ,
    /** The outbound buffer is full: drain it and call again. */
    WANT_WRITE
}

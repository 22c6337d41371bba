package dev.closenotify.tck.support;

/** How one direction of a recorded connection ended. */
public enum StreamEnd {
    /** The sender ended its stream (TCP FIN, or {@link BufferPipe#endOfStream(Direction)}); it was passed on. */
    EOF,
    /** The sender's transport failed (e.g. it reset the connection); a reset was passed on. */
    RESET,
    /** A {@link Cut#FIN} rule ended the stream. */
    CUT_FIN,
    /** A {@link Cut#RST} rule (in this or the other direction) reset the connection. */
    CUT_RST,
    /** Writing to the receiver failed (it closed or reset); what the sender wrote later was dropped. */
    RECEIVER_GONE,
    /** The proxy was closed while the stream was open. */
    CLOSED
}

package dev.closenotify.tck.support;

/** How a {@link Direction#cutAt(long, Cut) cut} ends a stream. */
public enum Cut {
    /**
     * An orderly end of stream: the receiver sees end-of-stream after the bytes before the cut
     * ({@link FaultyProxy}: TCP FIN via {@code shutdownOutput()}; {@link BufferPipe}:
     * {@code transportEof()}). The other direction keeps working.
     */
    FIN,
    /**
     * An abortive end: both ends of the connection are reset ({@link FaultyProxy}: {@code SO_LINGER
     * 0} and close of both sockets, so both peers see "Connection reset"; {@link BufferPipe}:
     * {@code transportReset(...)} on the receiver, then on the sender).
     */
    RST
}

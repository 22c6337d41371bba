package dev.closenotify.spi;

/** Whether a server asks for a client certificate. */
public enum ClientAuth {
    /** No client certificate is requested. */
    NONE,
    /** A client certificate is requested; the handshake succeeds without one. */
    WANT,
    /** A client certificate is required; the handshake fails without one. */
    NEED
}

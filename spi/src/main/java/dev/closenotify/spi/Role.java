package dev.closenotify.spi;

/** Which side of the TLS handshake a connection plays. */
public enum Role {
    CLIENT,
    SERVER
}

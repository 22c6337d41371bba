package dev.closenotify.spi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.net.SocketException;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class TlsExceptionTest {

    @Test
    void messageCarriesKindAndAlert() {
        TlsException e = new TlsException(TlsException.Kind.PROTOCOL, "handshake failed", "bad_record_mac", null);
        assertEquals("[PROTOCOL] handshake failed (alert: bad_record_mac)", e.getMessage());
        assertEquals(TlsException.Kind.PROTOCOL, e.kind());
        assertEquals(Optional.of("bad_record_mac"), e.alert());
    }

    @Test
    void messageWithoutAlertHasNoAlertPart() {
        TlsException e = new TlsException(TlsException.Kind.TRUNCATED, "transport EOF without close_notify");
        assertEquals("[TRUNCATED] transport EOF without close_notify", e.getMessage());
        assertEquals(Optional.empty(), e.alert());
        assertNull(e.getCause());
    }

    @Test
    void causeIsKeptAndToStringShowsTheFullMessage() {
        SocketException reset = new SocketException("Connection reset");
        TlsException e = new TlsException(TlsException.Kind.RESET, "read failed", reset);
        assertSame(reset, e.getCause());
        assertEquals(Optional.empty(), e.alert());
        assertEquals("dev.closenotify.spi.TlsException: [RESET] read failed", e.toString());
    }

    @Test
    void isAnIOException() {
        assertInstanceOf(IOException.class, new TlsException(TlsException.Kind.CLOSED, "closed"));
    }

    @Test
    void kindAndMessageAreRequired() {
        assertEquals("kind", assertThrows(NullPointerException.class,
                () -> new TlsException(null, "m")).getMessage());
        assertEquals("message", assertThrows(NullPointerException.class,
                () -> new TlsException(TlsException.Kind.CLOSED, null)).getMessage());
    }
}

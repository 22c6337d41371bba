package dev.closenotify.spi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

class ConnectionPolicyTest {
    private static final ConnectionPolicy D = ConnectionPolicy.DEFAULT;
    private static final Duration NEG = Duration.ofMillis(-1);

    @Test
    void defaults() {
        assertFalse(D.quietShutdown());
        assertFalse(D.ignoreUnexpectedEof());
        assertFalse(D.shutdownOnClose());
        assertEquals(Duration.ofSeconds(30), D.handshakeTimeout());
        assertEquals(Duration.ZERO, D.idleReadTimeout());
        assertEquals(Duration.ofSeconds(5), D.closeFlushTimeout());
        assertEquals(Duration.ofSeconds(10), D.peerCloseTimeout());
    }

    @Test
    void negativeDeadlinesAreRejectedByName() {
        assertRejected("handshakeTimeout", p -> p.withHandshakeTimeout(NEG));
        assertRejected("idleReadTimeout", p -> p.withIdleReadTimeout(NEG));
        assertRejected("closeFlushTimeout", p -> p.withCloseFlushTimeout(NEG));
        assertRejected("peerCloseTimeout", p -> p.withPeerCloseTimeout(NEG));
    }

    private static void assertRejected(String name, Function<ConnectionPolicy, ConnectionPolicy> change) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> change.apply(D));
        assertEquals(name + " must not be negative (ZERO means no deadline): PT-0.001S", e.getMessage());
    }

    @Test
    void nullDeadlinesAreRejectedByName() {
        assertEquals("handshakeTimeout", assertThrows(NullPointerException.class,
                () -> D.withHandshakeTimeout(null)).getMessage());
        assertEquals("peerCloseTimeout", assertThrows(NullPointerException.class,
                () -> D.withPeerCloseTimeout(null)).getMessage());
    }

    @Test
    void zeroMeansNoDeadlineAndIsAccepted() {
        ConnectionPolicy p = D.withHandshakeTimeout(Duration.ZERO).withIdleReadTimeout(Duration.ZERO)
                .withCloseFlushTimeout(Duration.ZERO).withPeerCloseTimeout(Duration.ZERO);
        assertEquals(new ConnectionPolicy(false, false, false, Duration.ZERO, Duration.ZERO, Duration.ZERO,
                Duration.ZERO), p);
    }

    @Test
    void eachWitherChangesOnlyItsOwnField() {
        Duration a = Duration.ofSeconds(30);
        Duration b = Duration.ZERO;
        Duration c = Duration.ofSeconds(5);
        Duration d = Duration.ofSeconds(10);
        Duration x = Duration.ofMillis(1234);
        assertEquals(new ConnectionPolicy(true, false, false, a, b, c, d), D.withQuietShutdown(true));
        assertEquals(new ConnectionPolicy(false, true, false, a, b, c, d), D.withIgnoreUnexpectedEof(true));
        assertEquals(new ConnectionPolicy(false, false, true, a, b, c, d), D.withShutdownOnClose(true));
        assertEquals(new ConnectionPolicy(false, false, false, x, b, c, d), D.withHandshakeTimeout(x));
        assertEquals(new ConnectionPolicy(false, false, false, a, x, c, d), D.withIdleReadTimeout(x));
        assertEquals(new ConnectionPolicy(false, false, false, a, b, x, d), D.withCloseFlushTimeout(x));
        assertEquals(new ConnectionPolicy(false, false, false, a, b, c, x), D.withPeerCloseTimeout(x));
        assertEquals(D, D.withQuietShutdown(true).withQuietShutdown(false));
    }
}

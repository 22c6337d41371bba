package dev.closenotify.spi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import org.junit.jupiter.api.Test;

class AvailabilityTest {

    @Test
    void availableHasNoCause() {
        Availability a = Availability.available();
        assertTrue(a.isAvailable());
        assertEquals(Optional.empty(), a.cause());
    }

    @Test
    void unavailableKeepsItsCause() {
        UnsatisfiedLinkError cause = new UnsatisfiedLinkError("no conscrypt_openjdk_jni in java.library.path");
        Availability a = Availability.unavailable(cause);
        assertFalse(a.isAvailable());
        assertSame(cause, a.cause().orElseThrow());
    }

    @Test
    void nullIsRejected() {
        assertEquals("cause", assertThrows(NullPointerException.class, () -> Availability.unavailable(null)).getMessage());
        assertEquals("cause", assertThrows(NullPointerException.class, () -> new Availability(null)).getMessage());
    }
}

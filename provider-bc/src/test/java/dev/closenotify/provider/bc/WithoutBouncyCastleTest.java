package dev.closenotify.provider.bc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.closenotify.core.EngineShutdownProvider;
import dev.closenotify.spi.ShutdownProvider;
import java.net.URL;
import java.net.URLClassLoader;
import java.util.Optional;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * SPI rule: the provider's constructor must not fail when its stack is missing; availability()
 * says why instead. Loaded here with spi, core and this provider only, no BouncyCastle jar.
 */
class WithoutBouncyCastleTest {

    @Test
    @DisplayName("without bctls/bcprov: constructed, unavailable with the missing class as cause")
    void unavailableWithCause() throws Exception {
        URL[] classes = {location(ShutdownProvider.class), location(EngineShutdownProvider.class),
                location(BouncyCastleShutdownProvider.class)};
        try (URLClassLoader isolated = new URLClassLoader(classes, ClassLoader.getPlatformClassLoader())) {
            Class<?> type = isolated.loadClass(BouncyCastleShutdownProvider.class.getName());
            Object provider = type.getConstructor().newInstance();
            assertEquals("bc", type.getMethod("name").invoke(provider));
            Object availability = type.getMethod("availability").invoke(provider);
            assertFalse((Boolean) availability.getClass().getMethod("isAvailable").invoke(availability));
            Optional<?> cause = (Optional<?>) availability.getClass().getMethod("cause").invoke(availability);
            assertTrue(cause.orElseThrow() instanceof NoClassDefFoundError, cause::toString);
            assertTrue(((Throwable) cause.get()).getMessage().contains("org/bouncycastle"), cause::toString);
        }
    }

    private static URL location(Class<?> c) throws Exception {
        return c.getProtectionDomain().getCodeSource().getLocation();
    }
}

package dev.closenotify.provider.jsse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.closenotify.spi.ProviderLookupException;
import dev.closenotify.spi.ShutdownProvider;
import dev.closenotify.spi.ShutdownProviders;
import dev.closenotify.spi.ShutdownProviders.Candidate;
import java.util.Arrays;
import java.util.List;
import java.util.ServiceConfigurationError;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Provider lookup on the real class path of this module: jsse plus the deliberately broken
 * {@link BrokenProviders}, which rank above it (STYLE.md: each provider's failure is isolated).
 */
class LookupTest {
    private String savedProperty;

    @BeforeEach
    void clearProperty() {
        savedProperty = System.clearProperty(ShutdownProviders.PROVIDER_PROPERTY);
    }

    @AfterEach
    void restoreProperty() {
        if (savedProperty != null) {
            System.setProperty(ShutdownProviders.PROVIDER_PROPERTY, savedProperty);
        }
    }

    @Test
    @DisplayName("get() passes over higher-priority providers that are broken and returns jsse")
    void getReturnsJsse() {
        ShutdownProvider p = ShutdownProviders.get();
        assertInstanceOf(JsseShutdownProvider.class, p);
        assertEquals("jsse", p.name());
        assertTrue(p.availability().isAvailable());
    }

    @Test
    @DisplayName("get(\"jsse\") returns jsse")
    void getByName() {
        assertInstanceOf(JsseShutdownProvider.class, ShutdownProviders.get("jsse"));
    }

    @Test
    @DisplayName("get(\"bc\") fails: no such provider: bc (available: jsse), the broken ones' causes attached")
    void getUnknownName() {
        ProviderLookupException e = assertThrows(ProviderLookupException.class, () -> ShutdownProviders.get("bc"));
        assertEquals("no such provider: bc (available: jsse)", e.getMessage());
        List<Throwable> suppressed = Arrays.asList(e.getSuppressed());
        assertTrue(suppressed.stream().anyMatch(t -> t instanceof UnsatisfiedLinkError
                && BrokenProviders.ThrowingAvailability.CAUSE.equals(t.getMessage())), "suppressed: " + suppressed);
        assertTrue(suppressed.stream().anyMatch(t -> t instanceof ServiceConfigurationError), "suppressed: " + suppressed);
    }

    @Test
    @DisplayName("get(\"broken\") fails naming the provider's cause")
    void getBrokenByName() {
        ProviderLookupException e = assertThrows(ProviderLookupException.class,
                () -> ShutdownProviders.get(BrokenProviders.ThrowingAvailability.NAME));
        assertTrue(e.getMessage().startsWith("provider broken is not available: "), e.getMessage());
        assertTrue(e.getMessage().contains(BrokenProviders.ThrowingAvailability.CAUSE), e.getMessage());
        assertTrue(e.getMessage().endsWith("(available: jsse)"), e.getMessage());
    }

    @Test
    @DisplayName("candidates() lists jsse first, then each broken provider unavailable with a printable cause")
    void candidatesListTheBrokenOnes() {
        List<Candidate> all = ShutdownProviders.candidates();
        assertEquals(3, all.size(), "jsse and the two broken providers: " + all);

        Candidate jsse = all.get(0);
        assertEquals("jsse", jsse.name(), "the only available provider comes first: " + all);
        assertTrue(jsse.availability().isAvailable());

        Candidate broken = all.stream().filter(c -> c.name().equals(BrokenProviders.ThrowingAvailability.NAME))
                .findFirst().orElseThrow(() -> new AssertionError("broken is not listed: " + all));
        assertFalse(broken.availability().isAvailable());
        assertInstanceOf(BrokenProviders.ThrowingAvailability.class, broken.provider());
        Throwable cause = broken.availability().cause().orElseThrow();
        assertTrue(cause.toString().contains(BrokenProviders.ThrowingAvailability.CAUSE), cause.toString());

        Candidate unconstructible = all.stream().filter(c -> c.provider() == null).findFirst()
                .orElseThrow(() -> new AssertionError("the unconstructible provider is not listed: " + all));
        assertFalse(unconstructible.availability().isAvailable());
        Throwable error = unconstructible.availability().cause().orElseThrow();
        assertInstanceOf(ServiceConfigurationError.class, error);
        assertTrue(error.toString().contains(BrokenProviders.ThrowingConstructor.class.getName()),
                "the cause names the class: " + error);
        Throwable root = error.getCause();
        assertTrue(root != null && BrokenProviders.ThrowingConstructor.CAUSE.equals(root.getMessage()),
                "the constructor's exception is kept: " + root);
    }
}

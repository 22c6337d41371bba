package dev.closenotify.provider.conscrypt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.closenotify.provider.jsse.JsseShutdownProvider;
import dev.closenotify.spi.ProviderLookupException;
import dev.closenotify.spi.ShutdownProvider;
import dev.closenotify.spi.ShutdownProviders;
import dev.closenotify.spi.ShutdownProviders.Candidate;
import dev.closenotify.spi.TlsConfig;
import dev.closenotify.tck.support.TestCertificates;
import java.io.IOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.security.Provider;
import java.security.Security;
import java.util.Arrays;
import java.util.Collections;
import java.util.Enumeration;
import java.util.List;
import org.conscrypt.Conscrypt;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Availability and lookup (STYLE.md: each provider's failure is isolated): where Conscrypt's
 * native library loads, conscrypt outranks jsse; where it does not, conscrypt is unavailable with
 * the loader's own error and jsse is still found. The missing library is staged by a class loader
 * that loads Conscrypt and this provider afresh but cannot find {@code META-INF/native/*}.
 */
class AvailabilityTest {
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
    @DisplayName("with the native library: conscrypt is available and chosen over jsse (priority 20 > 0)")
    void chosenWhereAvailable() {
        List<Candidate> all = ShutdownProviders.candidates();
        assertEquals(List.of("conscrypt", "jsse"), all.stream().map(Candidate::name).toList(), all::toString);
        assertTrue(all.get(0).availability().isAvailable(), all::toString);
        assertInstanceOf(ConscryptShutdownProvider.class, ShutdownProviders.get());
        assertEquals(ConscryptShutdownProvider.PRIORITY, ShutdownProviders.get("conscrypt").priority());
    }

    @Test
    @DisplayName("without the native library: conscrypt is unavailable with the UnsatisfiedLinkError, jsse is found")
    void nativeLibraryHidden() throws Exception {
        try (NoNativeLibrary loader = new NoNativeLibrary()) {
            List<Candidate> all = ShutdownProviders.candidates(loader);
            Candidate conscrypt = all.stream().filter(c -> c.name().equals("conscrypt")).findFirst()
                    .orElseThrow(() -> new AssertionError("conscrypt is not listed: " + all));
            assertNotSame(ConscryptShutdownProvider.class, conscrypt.provider().getClass(),
                    "the provider was loaded afresh by the hiding loader");
            assertFalse(conscrypt.availability().isAvailable(), all::toString);
            Throwable cause = conscrypt.availability().cause().orElseThrow();
            assertInstanceOf(UnsatisfiedLinkError.class, cause, "the real cause: " + cause);
            assertTrue(chain(cause).contains("conscrypt_openjdk_jni"), "names the library: " + chain(cause));

            ShutdownProvider chosen = ShutdownProviders.get(loader);
            assertInstanceOf(JsseShutdownProvider.class, chosen, "jsse is still found: " + all);
            ProviderLookupException e = assertThrows(ProviderLookupException.class,
                    () -> ShutdownProviders.get("conscrypt", loader));
            assertTrue(e.getMessage().startsWith("provider conscrypt is not available: java.lang.UnsatisfiedLinkError"),
                    e.getMessage());
            assertTrue(e.getMessage().endsWith("(available: jsse)"), e.getMessage());

            IllegalStateException refused = assertThrows(IllegalStateException.class, () -> conscrypt.provider()
                    .newContext(TlsConfig.client().build()));
            assertTrue(refused.getMessage().startsWith("provider conscrypt is not available"), refused.getMessage());
        }
        assertTrue(new ConscryptShutdownProvider().availability().isAvailable(),
                "the real class path is unaffected");
    }

    @Test
    @DisplayName("Conscrypt is never registered with java.security.Security")
    void noGlobalProvider() {
        new ConscryptShutdownProvider().newContext(TlsConfig.client()
                .trustManager(TestCertificates.get().trustManager()).build());
        List<Provider> registered = Arrays.asList(Security.getProviders());
        assertTrue(registered.stream().noneMatch(Conscrypt::isConscrypt), "registered: " + registered);
        assertNull(Security.getProvider("Conscrypt"));
    }

    private static String chain(Throwable t) {
        StringBuilder b = new StringBuilder();
        for (Throwable c = t; c != null; c = c.getCause()) {
            b.append(c).append(" / ");
            for (Throwable s : c.getSuppressed()) {
                b.append(chain(s));
            }
        }
        return b.toString();
    }

    /**
     * Loads Conscrypt and this provider itself (child first) and finds no {@code META-INF/native/}
     * resource, as on a platform without a bundled library. Everything else, the SPI and jsse
     * included, comes from the test class path, so the providers it finds are real candidates.
     */
    private static final class NoNativeLibrary extends URLClassLoader {
        private static final List<String> OWN = List.of("org.conscrypt.", "dev.closenotify.provider.conscrypt.");

        NoNativeLibrary() {
            super(new URL[] {location(Conscrypt.class), location(ConscryptShutdownProvider.class)},
                    AvailabilityTest.class.getClassLoader());
        }

        private static URL location(Class<?> c) {
            return c.getProtectionDomain().getCodeSource().getLocation();
        }

        @Override
        protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
            if (OWN.stream().noneMatch(name::startsWith)) {
                return super.loadClass(name, resolve);
            }
            synchronized (getClassLoadingLock(name)) {
                Class<?> c = findLoadedClass(name);
                if (c == null) {
                    c = findClass(name);
                }
                if (resolve) {
                    resolveClass(c);
                }
                return c;
            }
        }

        private static boolean hidden(String name) {
            return name.startsWith("META-INF/native/") || name.startsWith("/META-INF/native/");
        }

        @Override
        public URL getResource(String name) {
            return hidden(name) ? null : super.getResource(name);
        }

        @Override
        public Enumeration<URL> getResources(String name) throws IOException {
            return hidden(name) ? Collections.emptyEnumeration() : super.getResources(name);
        }

        @Override
        public URL findResource(String name) {
            return hidden(name) ? null : super.findResource(name);
        }
    }
}

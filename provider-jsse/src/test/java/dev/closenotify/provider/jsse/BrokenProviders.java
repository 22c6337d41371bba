package dev.closenotify.provider.jsse;

import dev.closenotify.spi.Availability;
import dev.closenotify.spi.Capability;
import dev.closenotify.spi.ShutdownProvider;
import dev.closenotify.spi.TlsConfig;
import dev.closenotify.spi.TlsContext;
import java.util.Map;

/**
 * Providers that break in the two ways a real one can (a stack whose availability check blows up, a
 * class that cannot even be instantiated), registered next to jsse in this module's test
 * {@code META-INF/services} for {@link LookupTest}. Both claim a priority above jsse's.
 */
final class BrokenProviders {
    private BrokenProviders() {
    }

    /** Its availability check throws instead of reporting; it must be passed over with that cause. */
    public static final class ThrowingAvailability implements ShutdownProvider {
        static final String NAME = "broken";
        static final String CAUSE = "native library libbroken.so could not be loaded (test)";

        public ThrowingAvailability() {
        }

        @Override
        public String name() {
            return NAME;
        }

        @Override
        public Availability availability() {
            throw new UnsatisfiedLinkError(CAUSE);
        }

        @Override
        public Map<Capability, String> gaps() {
            return Map.of();
        }

        @Override
        public int priority() {
            return 1000;
        }

        @Override
        public TlsContext newContext(TlsConfig config) {
            throw new IllegalStateException("a broken test provider makes no contexts");
        }
    }

    /** Its constructor throws: ServiceLoader reports a ServiceConfigurationError for it. */
    public static final class ThrowingConstructor implements ShutdownProvider {
        static final String CAUSE = "the stack's classes are missing (test)";

        public ThrowingConstructor() {
            throw new IllegalStateException(CAUSE);
        }

        @Override
        public String name() {
            return "unconstructible";
        }

        @Override
        public Availability availability() {
            return Availability.available();
        }

        @Override
        public Map<Capability, String> gaps() {
            return Map.of();
        }

        @Override
        public int priority() {
            return 2000;
        }

        @Override
        public TlsContext newContext(TlsConfig config) {
            throw new IllegalStateException("never constructed");
        }
    }
}

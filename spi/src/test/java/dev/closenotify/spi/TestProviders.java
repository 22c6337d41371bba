package dev.closenotify.spi;

import java.util.Map;

/**
 * Lookup-only fake providers for {@link ShutdownProvidersTest}, registered in the test
 * {@code META-INF/services} file (all but {@link Omega} and {@link Zulu}, which only a test class
 * loader serves). None can make a context.
 */
final class TestProviders {
    private TestProviders() {
    }

    /** A provider that can only be looked up. */
    abstract static class Fake implements ShutdownProvider {
        private final String name;
        private final int priority;

        Fake(String name, int priority) {
            this.name = name;
            this.priority = priority;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public int priority() {
            return priority;
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
        public TlsContext newContext(TlsConfig config) {
            throw new UnsupportedOperationException(name + " is a lookup-only test fake");
        }
    }

    /** Available, the highest priority of the available ones. */
    public static final class Alpha extends Fake {
        public Alpha() {
            super("alpha", 10);
        }
    }

    /** Available, lower priority than alpha; listed first in the services file. */
    public static final class Beta extends Fake {
        public Beta() {
            super("beta", 5);
        }
    }

    /** Available, the same priority as alpha; never in the services file, see ShutdownProvidersTest. */
    public static final class Omega extends Fake {
        public Omega() {
            super("omega", 10);
        }
    }

    /** Available, above alpha although after it by name; never in the services file. */
    public static final class Zulu extends Fake {
        public Zulu() {
            super("zulu", 20);
        }
    }

    /** Unavailable with a cause, and the highest priority of all: it must still not be chosen. */
    public static final class Unavailable extends Fake {
        static final String CAUSE = "native library libfake.so would not load";

        public Unavailable() {
            super("unavailable", 100);
        }

        @Override
        public Availability availability() {
            return Availability.unavailable(new UnsatisfiedLinkError(CAUSE));
        }
    }

    /** Breaks its contract: availability() throws. */
    public static final class ThrowingAvailability extends Fake {
        static final String CAUSE = "availability check exploded";

        public ThrowingAvailability() {
            super("throwing", 50);
        }

        @Override
        public Availability availability() {
            throw new IllegalStateException(CAUSE);
        }
    }

    /** Breaks its contract: the constructor throws, so ServiceLoader cannot instantiate it. */
    public static final class ThrowingConstructor extends Fake {
        static final String CAUSE = "constructor exploded";

        public ThrowingConstructor() {
            super("ctor", 1000);
            throw new IllegalStateException(CAUSE);
        }
    }
}

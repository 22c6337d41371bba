package dev.closenotify.spi;

import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.stream.Collectors;

/**
 * Finds a {@link ShutdownProvider}, in a fixed order: an explicit name, then the system property
 * {@value #PROVIDER_PROPERTY}, then the available provider with the highest
 * {@linkplain ShutdownProvider#priority() priority} (ties by name; never by class path order).
 *
 * <p>Each provider's failure is isolated: one that cannot be instantiated, or whose availability
 * check throws, is reported as unavailable with its cause and never breaks discovery of the others.
 */
public final class ShutdownProviders {
    /** The system property naming the provider to use when none is named in code. */
    public static final String PROVIDER_PROPERTY = "closenotify.provider";

    private static final Logger LOG = System.getLogger(ShutdownProviders.class.getName());

    private ShutdownProviders() {
    }

    /**
     * One provider found by {@link ServiceLoader}, or a provider that could not be loaded.
     *
     * @param name the provider's name; for one that failed to load, what is known of it
     * @param provider the provider; {@code null} only when it could not be instantiated
     * @param availability whether it can be used, and if not why
     */
    public record Candidate(String name, ShutdownProvider provider, Availability availability) {
        public Candidate {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(availability, "availability");
        }
    }

    /** Every provider registered with the context class loader, usable or not, in lookup order. */
    public static List<Candidate> candidates() {
        return candidates(Thread.currentThread().getContextClassLoader());
    }

    /** Every provider registered with {@code loader}, usable or not, in lookup order. */
    public static List<Candidate> candidates(ClassLoader loader) {
        List<Candidate> found = new ArrayList<>();
        Iterator<ShutdownProvider> it = ServiceLoader.load(ShutdownProvider.class, loader).iterator();
        int broken = 0;
        while (true) {
            ShutdownProvider provider;
            try {
                if (!it.hasNext()) {
                    break;
                }
                provider = it.next();
            } catch (ServiceConfigurationError e) {
                // The iterator goes on to the next provider after an error (ServiceLoader's contract).
                found.add(new Candidate("<unloadable #" + (++broken) + ">", null, Availability.unavailable(e)));
                continue;
            }
            found.add(inspect(provider));
        }
        found.sort(Comparator.comparing((Candidate c) -> !c.availability().isAvailable())
                .thenComparing(c -> c.provider() == null ? 0 : -safePriority(c.provider()))
                .thenComparing(Candidate::name));
        return List.copyOf(found);
    }

    private static Candidate inspect(ShutdownProvider provider) {
        String name;
        try {
            name = Objects.requireNonNull(provider.name(), "name()");
        } catch (RuntimeException | LinkageError e) {
            return new Candidate(provider.getClass().getName(), provider, Availability.unavailable(e));
        }
        try {
            Availability a = Objects.requireNonNull(provider.availability(), "availability()");
            return new Candidate(name, provider, a);
        } catch (RuntimeException | LinkageError e) {
            return new Candidate(name, provider, Availability.unavailable(e));
        }
    }

    private static int safePriority(ShutdownProvider p) {
        try {
            return p.priority();
        } catch (RuntimeException | LinkageError e) {
            return Integer.MIN_VALUE;
        }
    }

    /**
     * The provider named by {@value #PROVIDER_PROPERTY} if set, else the best available one.
     *
     * @throws ProviderLookupException when the named provider is missing or unavailable, or none
     *     is usable (each provider's cause attached as suppressed)
     */
    public static ShutdownProvider get() {
        return get(Thread.currentThread().getContextClassLoader());
    }

    /** As {@link #get()}, looking in {@code loader}. */
    public static ShutdownProvider get(ClassLoader loader) {
        String named = System.getProperty(PROVIDER_PROPERTY);
        if (named != null && !named.isBlank()) {
            return get(named.trim(), loader);
        }
        List<Candidate> all = candidates(loader);
        for (Candidate c : all) {
            if (c.availability().isAvailable()) {
                LOG.log(Level.DEBUG, () -> "closenotify: chose provider " + c.name() + passedOver(all, c));
                return c.provider();
            }
        }
        ProviderLookupException e = new ProviderLookupException(all.isEmpty()
                ? "no closenotify provider on the class path: add one, e.g. closenotify-provider-jsse"
                : "no usable closenotify provider: " + describe(all));
        all.forEach(c -> c.availability().cause().ifPresent(e::addSuppressed));
        throw e;
    }

    /**
     * The provider called {@code name}.
     *
     * @throws ProviderLookupException "no such provider: X (available: ...)", or when it is there
     *     but unavailable, with its cause
     */
    public static ShutdownProvider get(String name) {
        return get(name, Thread.currentThread().getContextClassLoader());
    }

    /** As {@link #get(String)}, looking in {@code loader}. */
    public static ShutdownProvider get(String name, ClassLoader loader) {
        Objects.requireNonNull(name, "name");
        List<Candidate> all = candidates(loader);
        for (Candidate c : all) {
            if (c.name().equals(name)) {
                if (c.availability().isAvailable()) {
                    LOG.log(Level.DEBUG, () -> "closenotify: chose provider " + name + " by name" + passedOver(all, c));
                    return c.provider();
                }
                ProviderLookupException e = new ProviderLookupException("provider " + name
                        + " is not available: " + c.availability().cause().map(Throwable::toString).orElse("?")
                        + " (available: " + availableNames(all) + ")");
                c.availability().cause().ifPresent(e::addSuppressed);
                throw e;
            }
        }
        ProviderLookupException e = new ProviderLookupException(
                "no such provider: " + name + " (available: " + availableNames(all) + ")");
        all.forEach(c -> c.availability().cause().ifPresent(e::addSuppressed));
        throw e;
    }

    private static String availableNames(List<Candidate> all) {
        String names = all.stream().filter(c -> c.availability().isAvailable()).map(Candidate::name)
                .collect(Collectors.joining(", "));
        return names.isEmpty() ? "none" : names;
    }

    private static String describe(List<Candidate> all) {
        return all.stream().map(c -> c.name() + ": " + c.availability().cause().map(Throwable::toString)
                .orElse("available")).collect(Collectors.joining("; "));
    }

    private static String passedOver(List<Candidate> all, Candidate chosen) {
        String others = all.stream().filter(c -> c != chosen).map(c -> c.name()
                + (c.availability().isAvailable() ? "" : " (unavailable: "
                        + c.availability().cause().map(Throwable::getMessage).orElse("?") + ")"))
                .collect(Collectors.joining(", "));
        return others.isEmpty() ? "" : "; passed over: " + others;
    }
}

package dev.closenotify.spi;

import java.util.Map;

/**
 * The service a TLS stack implements to offer the closenotify contract ({@code SEMANTICS.md}).
 * Registered through {@code META-INF/services/dev.closenotify.spi.ShutdownProvider} (and
 * {@code provides} in a module descriptor), found by {@link ShutdownProviders}.
 *
 * <p>An implementation must have a public no-argument constructor that does not fail when its
 * stack is missing: report that through {@link #availability()} instead, so that a broken
 * provider never hides the others.
 */
public interface ShutdownProvider {

    /** A short, stable, lower-case name, e.g. {@code jsse}; what {@code closenotify.provider} names. */
    String name();

    /**
     * Whether this provider can be used in this JVM, with a printable cause when it cannot. Must
     * not throw.
     */
    Availability availability();

    /**
     * The capabilities of SEMANTICS.md §9 this provider does not have, each with the reason.
     * Empty for a provider that meets the whole contract.
     */
    Map<Capability, String> gaps();

    /**
     * Makes a context for {@code config}.
     *
     * @throws IllegalArgumentException when the configuration cannot be honoured by this stack,
     *     saying why
     * @throws IllegalStateException when the provider is not {@linkplain #availability() available}
     */
    TlsContext newContext(TlsConfig config);

    /**
     * The rank among available providers when none is named: the highest wins; equal ranks go by
     * name.
     *
     * @implSpec returns 0.
     * @since 0.1
     */
    default int priority() {
        return 0;
    }

    /**
     * Whether {@code capability} is met, i.e. not declared as a gap.
     *
     * @implSpec returns {@code !gaps().containsKey(capability)}.
     * @since 0.1
     */
    default boolean supports(Capability capability) {
        return !gaps().containsKey(capability);
    }
}

package dev.closenotify.spi;

import java.util.Objects;
import java.util.Optional;

/**
 * Whether a provider can be used in this JVM, and if not, why.
 *
 * @param cause empty when available; otherwise what made the provider unusable (a missing class, a
 *     native library that would not load, ...)
 */
public record Availability(Optional<Throwable> cause) {
    private static final Availability AVAILABLE = new Availability(Optional.empty());

    public Availability {
        Objects.requireNonNull(cause, "cause");
    }

    /** The provider is usable. */
    public static Availability available() {
        return AVAILABLE;
    }

    /** The provider is not usable, because of {@code cause}. */
    public static Availability unavailable(Throwable cause) {
        return new Availability(Optional.of(Objects.requireNonNull(cause, "cause")));
    }

    /** Whether the provider is usable. */
    public boolean isAvailable() {
        return cause.isEmpty();
    }
}

package dev.closenotify.tck;

import dev.closenotify.spi.Capability;
import dev.closenotify.spi.Role;
import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Repeatable;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a contract test whose assertions depend on a capability a provider may declare as a gap
 * (SEMANTICS.md §9): it asks {@link dev.closenotify.spi.ShutdownProvider#supports(Capability)}, and
 * for a declared gap asserts the documented other behaviour instead of skipping.
 *
 * <p>A conformance report reads it from the test method: a test that passed on a provider declaring
 * one of these capabilities as a gap is shown as "gap: CAPABILITY (the provider's reason)", not as a
 * plain pass. Every test that branches on {@code supports(...)}, directly or through a helper, carries
 * it.
 *
 * <p>In a cross-provider test ({@link CrossProviderContract}) {@link #side()} says whose gap the test
 * branches on; in a single-provider test both sides are the one provider.
 */
@Documented
@Target(ElementType.METHOD)
@Retention(RetentionPolicy.RUNTIME)
@Repeatable(GapAware.List.class)
public @interface GapAware {

    /** The capabilities the test asks about. */
    Capability[] value();

    /** Whose declared gap changes what the test asserts: the client's, the server's, or either's. */
    Role[] side() default {Role.CLIENT, Role.SERVER};

    /**
     * The protocols ({@code TLSv1.3}, {@code TLSv1.2}) in which the test branches on the capability;
     * empty for every protocol the capability concerns ({@code ..._TLS13} capabilities concern TLS 1.3
     * only).
     */
    String[] protocols() default {};

    /** The container of repeated {@link GapAware} annotations. */
    @Documented
    @Target(ElementType.METHOD)
    @Retention(RetentionPolicy.RUNTIME)
    @interface List {
        /** The annotations. */
        GapAware[] value();
    }
}

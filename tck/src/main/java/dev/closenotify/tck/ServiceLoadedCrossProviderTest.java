package dev.closenotify.tck;

import dev.closenotify.spi.ShutdownProvider;
import dev.closenotify.spi.ShutdownProviders;
import java.util.List;
import java.util.Objects;

/**
 * The zero-code way to run the {@link CrossProviderContract}: every provider that
 * {@link java.util.ServiceLoader} finds on the test class path is paired with every one (itself
 * included), as client and as server. With only one provider the matrix is that provider with itself.
 *
 * <p>A pair with a provider that is not available in this JVM is SKIPPED with its cause, never a
 * pass; a provider that could not even be instantiated is left out here (ServiceLoadedProvidersTest
 * reports it); with no provider at all, the run fails.
 */
public class ServiceLoadedCrossProviderTest extends CrossProviderContract {

    @Override
    protected List<ShutdownProvider> providers() {
        List<ShutdownProviders.Candidate> found = ShutdownProviders.candidates();
        if (found.isEmpty()) {
            throw new IllegalStateException("no ShutdownProvider on the test class path:"
                    + " add your provider's artifact (with its META-INF/services entry) as a test dependency");
        }
        return found.stream().map(ShutdownProviders.Candidate::provider).filter(Objects::nonNull).toList();
    }
}

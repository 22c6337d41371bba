package dev.closenotify.tck;

import dev.closenotify.spi.ShutdownProvider;
import dev.closenotify.spi.ShutdownProviders;
import java.util.List;
import java.util.Objects;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The zero-code way to run the kit: every provider that {@link java.util.ServiceLoader} finds on
 * the test class path gets the whole of {@link ShutdownProviderTck}. A project only adds the TCK as
 * a test dependency and lists it in surefire's {@code dependenciesToScan}; see the TCK's README.
 *
 * <p>An unavailable provider is reported as a failed precondition (SKIPPED, with its cause), never
 * as a pass; with no provider at all, the one test that says so fails.
 */
@ParameterizedClass(name = "{0}")
@MethodSource("providers")
public class ServiceLoadedProvidersTest extends ShutdownProviderTck {

    /** The message of the precondition that skips an unavailable provider. */
    public static final String UNAVAILABLE = "provider not available in this JVM: ";

    @Parameter
    ProviderUnderTest underTest;

    /** A found provider, named for the report. */
    public record ProviderUnderTest(ShutdownProviders.Candidate candidate) {
        @Override
        public String toString() {
            return candidate.name();
        }
    }

    static List<ProviderUnderTest> providers() {
        List<ShutdownProviders.Candidate> found = ShutdownProviders.candidates();
        if (found.isEmpty()) {
            throw new IllegalStateException("no ShutdownProvider on the test class path:"
                    + " add your provider's artifact (with its META-INF/services entry) as a test dependency");
        }
        return found.stream().map(ProviderUnderTest::new).toList();
    }

    @Override
    protected ShutdownProvider createProvider() {
        ShutdownProviders.Candidate c = underTest.candidate();
        Assumptions.assumeTrue(c.availability().isAvailable(), () -> UNAVAILABLE + c.name() + ": "
                + c.availability().cause().map(Throwable::toString).orElse("?"));
        return Objects.requireNonNull(c.provider(), "provider");
    }
}

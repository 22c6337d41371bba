package dev.closenotify.tck;

import dev.closenotify.spi.ShutdownProvider;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The closenotify conformance kit: extend this class in your test sources, return your provider
 * from {@link #createProvider()}, and every rule of SEMANTICS.md runs against it, for TLS 1.3 and
 * TLS 1.2, on the blocking and the non-blocking transport.
 *
 * <pre>{@code
 * class MyProviderTckTest extends ShutdownProviderTck {
 *     protected ShutdownProvider createProvider() {
 *         return new MyShutdownProvider();
 *     }
 * }
 * }</pre>
 *
 * <p>The kit judges only what is observable through the SPI and the wire, so a provider need not
 * use closenotify's core. A capability the provider declares as a gap (SEMANTICS.md §9) is not
 * skipped: the documented behaviour is asserted instead, so the test fails if the gap silently
 * disappears. Such tests carry {@link GapAware}, so that a report can tell a pass through a declared
 * gap from a plain pass.
 */
@ExtendWith(KnownDivergences.class)
public abstract class ShutdownProviderTck {

    /** Where a provider documents its known divergences: {@code <this>/<provider name>.properties}. */
    public static final String DIVERGENCES_RESOURCE = "META-INF/closenotify/tck-divergences/";

    /** The provider under test. Called for each test; a fresh or a shared instance will do. */
    protected abstract ShutdownProvider createProvider();

    /**
     * Whether the stack exposes the description of a received fatal alert (SEMANTICS.md §6: "where
     * the stack exposes it"); when it does not, the kit still requires the failure and its close
     * reason, but not the description.
     *
     * @implSpec returns {@code true}.
     */
    protected boolean reportsAlertDescriptions() {
        return true;
    }

    /**
     * Tests this provider is known to fail, each with the reason: a rule it breaks that no
     * SEMANTICS.md §9 gap covers. Keys are test method names, optionally with the protocol
     * ({@code writeOnlyClient[TLSv1.3]}). Strict: a listed test must fail, and fails when it passes
     * (see {@link KnownDivergences}); the conformance report shows each as a divergence.
     *
     * @implSpec reads {@value #DIVERGENCES_RESOURCE}{@code <name>.properties} through the provider's
     *     class loader, if there is one; else none.
     */
    protected Map<String, String> knownDivergences() {
        ShutdownProvider p = provider();
        ClassLoader loader = p.getClass().getClassLoader();
        String resource = DIVERGENCES_RESOURCE + p.name() + ".properties";
        try (InputStream in = loader == null ? null : loader.getResourceAsStream(resource)) {
            if (in == null) {
                return Map.of();
            }
            Properties props = new Properties();
            props.load(new InputStreamReader(in, StandardCharsets.UTF_8));
            Map<String, String> out = new TreeMap<>();
            props.stringPropertyNames().forEach(k -> out.put(k, props.getProperty(k)));
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + resource, e);
        }
    }

    /** The provider the nested groups test. */
    protected final ShutdownProvider provider() {
        return createProvider();
    }

    /** §2, §3, §5–§8 on a blocking socket. */
    @Nested
    @DisplayName("blocking transport")
    class BlockingTransport extends BlockingShutdownContract {
        @Override
        protected ShutdownProvider provider() {
            return ShutdownProviderTck.this.provider();
        }

        @Override
        protected boolean reportsAlertDescriptions() {
            return ShutdownProviderTck.this.reportsAlertDescriptions();
        }
    }

    /** §2, §3, §5, §6 on the caller's buffer pair. */
    @Nested
    @DisplayName("non-blocking transport")
    class BufferTransport extends BufferShutdownContract {
        @Override
        protected ShutdownProvider provider() {
            return ShutdownProviderTck.this.provider();
        }
    }

    /** §4 sessions and the cache. */
    @Nested
    @DisplayName("sessions")
    class Sessions extends SessionContract {
        @Override
        protected ShutdownProvider provider() {
            return ShutdownProviderTck.this.provider();
        }
    }

    /** §4 TLS 1.3 tickets. */
    @Nested
    @DisplayName("tickets")
    class Tickets extends TicketContract {
        @Override
        protected ShutdownProvider provider() {
            return ShutdownProviderTck.this.provider();
        }
    }
}

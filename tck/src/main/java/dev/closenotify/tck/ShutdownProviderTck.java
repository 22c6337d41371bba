package dev.closenotify.tck;

import dev.closenotify.spi.ShutdownProvider;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;

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
 * disappears.
 */
public abstract class ShutdownProviderTck {

    /** The provider under test. Called for each test; a fresh or a shared instance will do. */
    protected abstract ShutdownProvider createProvider();

    /** The provider the nested groups test. */
    protected final ShutdownProvider provider() {
        return createProvider();
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

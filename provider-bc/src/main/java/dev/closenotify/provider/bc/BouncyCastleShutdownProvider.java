package dev.closenotify.provider.bc;

import dev.closenotify.core.EngineShutdownProvider;
import dev.closenotify.spi.Availability;
import dev.closenotify.spi.Capability;
import java.security.GeneralSecurityException;
import java.security.Provider;
import java.util.Map;
import java.util.Optional;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.TrustManager;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.jsse.provider.BouncyCastleJsseProvider;
import org.bouncycastle.tls.AlertDescription;
import org.bouncycastle.tls.TlsFatalAlert;
import org.bouncycastle.tls.TlsFatalAlertReceived;

/**
 * The closenotify contract over BouncyCastle's TLS stack (bctls), through the core.
 *
 * <p>BCJSSE runs as a private {@code new BouncyCastleJsseProvider(new BouncyCastleProvider())}:
 * nothing is added to {@link java.security.Security}, so other code in the JVM sees no change. Key
 * managers that speak SunJSSE's key type names (the JDK's own {@code KeyManagerFactory} ones, which
 * {@code TlsConfig} carries) are adapted to BCJSSE's names; trust managers are taken as they are.
 * BCJSSE's java.util.logging output is quiet by default (only SEVERE, and only where the user set
 * no level; see the README).
 *
 * <p>What BCJSSE does natively and what closenotify makes of it:
 * <ul>
 *   <li>It closes its inbound side when it sends its close_notify: declared as
 *       {@link Capability#READ_AFTER_SENT}; {@code shutdown()} after SENT fails
 *       {@code READ_AFTER_SHUTDOWN} and the connection ends SENT_ONLY (see the capability).
 *   <li>It answers the peer's close_notify at once, in TLS 1.3 too: declared as
 *       {@link Capability#HALF_CLOSE_TLS13}; the answer goes out only when the application calls
 *       {@code shutdown()}, never behind its back.
 *   <li>bctls has no TLS 1.3 resumption: declared as {@link Capability#RESUMPTION_TLS13}.
 *   <li>It keeps a TLS 1.2 session after a bad record or a missing close_notify: the core drops it
 *       (SEMANTICS.md §4), on both sides.
 *   <li>It reports a missing close_notify with its own {@code TlsNoCloseNotifyException} from
 *       {@code closeInbound()}: the core never asks, it sees the transport's EOF itself and reports
 *       a {@code TRUNCATED} {@link dev.closenotify.spi.TlsException}.
 *   <li>Its fatal alerts come as {@code TlsFatalAlert}/{@code TlsFatalAlertReceived} causes: their
 *       description is reported ({@link #alertDescription}).
 * </ul>
 *
 * <p>Priority -10: below jsse (0). A stack with declared gaps is used when it is asked for by
 * name ({@code ShutdownProviders.get("bc")}, {@code -Dclosenotify.provider=bc}) or is the only one,
 * never instead of one that meets the whole contract just because it is on the class path.
 */
public final class BouncyCastleShutdownProvider extends EngineShutdownProvider {
    /** The name to ask for: {@code ShutdownProviders.get("bc")}, {@code -Dclosenotify.provider=bc}. */
    public static final String NAME = "bc";
    /** The rank among available providers: below jsse, see the class comment. */
    public static final int PRIORITY = -10;

    private static final Map<Capability, String> GAPS = Map.of(
            Capability.READ_AFTER_SENT, "BCJSSE closes its inbound side when it sends its close_notify (one"
                    + " 'closed' state for both directions): the peer's data and close_notify after ours are never read",
            Capability.HALF_CLOSE_TLS13, "BCJSSE answers the peer's close_notify at once and closes its outbound"
                    + " side in TLS 1.3 as in TLS 1.2: nothing can be written after RECEIVED",
            Capability.RESUMPTION_TLS13, "bctls implements no TLS 1.3 session resumption (no PSK, no"
                    + " NewSessionTicket): every TLS 1.3 handshake is full");

    /** For ServiceLoader; never fails, even without BouncyCastle on the class path. */
    public BouncyCastleShutdownProvider() {
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public int priority() {
        return PRIORITY;
    }

    @Override
    public Availability availability() {
        try {
            Stack.provider();
            return Availability.available();
        } catch (LinkageError | RuntimeException e) {
            return Availability.unavailable(e);
        }
    }

    @Override
    public Map<Capability, String> gaps() {
        return GAPS;
    }

    @Override
    protected SSLContext newSslContext(KeyManager[] keyManagers, TrustManager[] trustManagers)
            throws GeneralSecurityException {
        SSLContext ctx = SSLContext.getInstance("TLS", Stack.provider());
        KeyManager[] km = new KeyManager[keyManagers.length];
        for (int i = 0; i < km.length; i++) {
            km[i] = KeyTypeAdapter.adapt(keyManagers[i]);
        }
        ctx.init(km.length == 0 ? null : km, trustManagers.length == 0 ? null : trustManagers, null);
        return ctx;
    }

    /**
     * {@inheritDoc}
     *
     * <p>BCJSSE wraps its alerts: a sent one as a {@code TlsFatalAlert} cause, a received one as a
     * {@code TlsFatalAlertReceived}, each with the alert's code.
     */
    @Override
    protected Optional<String> alertDescription(SSLException failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof TlsFatalAlert sent) {
                return Optional.of(AlertDescription.getName(sent.getAlertDescription()));
            }
            if (t instanceof TlsFatalAlertReceived received) {
                return Optional.of(AlertDescription.getName(received.getAlertDescription()));
            }
        }
        return super.alertDescription(failure);
    }

    /** The private BCJSSE provider, made once, with BC's logging quiet first. */
    private static final class Stack {
        private static final Provider PROVIDER = make();

        static Provider provider() {
            return PROVIDER;
        }

        private static Provider make() {
            BcLogging.init();
            return new BouncyCastleJsseProvider(new BouncyCastleProvider());
        }
    }
}

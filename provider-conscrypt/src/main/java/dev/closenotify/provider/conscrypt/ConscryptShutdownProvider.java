package dev.closenotify.provider.conscrypt;

import dev.closenotify.core.EngineShutdownProvider;
import dev.closenotify.spi.Availability;
import dev.closenotify.spi.Capability;
import dev.closenotify.spi.Role;
import dev.closenotify.spi.TlsConfig;
import java.security.GeneralSecurityException;
import java.util.Map;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * The closenotify contract over Conscrypt ({@code org.conscrypt:conscrypt-openjdk-uber}, BoringSSL
 * through JNI), through the core. The core already sends close_notify itself, detects truncation
 * from the raw EOF and never feeds the engine bytes after the peer's close_notify; this class adds
 * what Conscrypt needs on top:
 * <ul>
 *   <li>a JDK trust manager is told TLS 1.3's authentication type as JSSE names it
 *       ({@link Tls13AuthTypeTrustManager}): it rejects Conscrypt's name, and with it every TLS 1.3
 *       handshake;</li>
 *   <li>servers issue session tickets, without which BoringSSL never resumes TLS 1.3;</li>
 *   <li>one gap, {@link Capability#HALF_CLOSE_TLS13}: BoringSSL cannot write after the peer's
 *       close_notify.</li>
 * </ul>
 *
 * <p>Priority 20, above JSSE: Conscrypt is the faster stack where its native library loads. When it
 * does not (another platform, JDK 24+ refusing native access), the provider reports itself
 * unavailable with the loader's error and lookup goes on to the others. Conscrypt is never
 * registered with {@code java.security.Security}.
 *
 * <p>On JDK 24 and newer the JVM must allow native access to the class path's unnamed module:
 * {@code --enable-native-access=ALL-UNNAMED} on the command line, or
 * {@code Enable-Native-Access: ALL-UNNAMED} in an executable jar's manifest.
 */
public final class ConscryptShutdownProvider extends EngineShutdownProvider {
    /** The name to ask for: {@code ShutdownProviders.get("conscrypt")}, {@code -Dclosenotify.provider=conscrypt}. */
    public static final String NAME = "conscrypt";
    /** Above JSSE's 0: where both are available, Conscrypt is chosen. */
    public static final int PRIORITY = 20;

    private static final Map<Capability, String> GAPS = Map.of(Capability.HALF_CLOSE_TLS13,
            "BoringSSL, under Conscrypt, has no TLS 1.3 half-close: once the peer's close_notify is read,"
                    + " its engine answers the next write with its own close_notify instead of the data");

    /** For ServiceLoader. Does not touch Conscrypt: a missing stack shows in {@link #availability()}. */
    public ConscryptShutdownProvider() {
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
        return Probe.AVAILABILITY;
    }

    /** Probed once per class loader: a native library loads (or fails) once. */
    private static final class Probe {
        static final Availability AVAILABILITY = probe();

        private static Availability probe() {
            try {
                return ConscryptStack.probe();
            } catch (LinkageError e) {
                // Conscrypt's classes are not on the class path at all.
                return Availability.unavailable(e);
            }
        }
    }

    @Override
    public Map<Capability, String> gaps() {
        return GAPS;
    }

    @Override
    protected SSLContext newSslContext(KeyManager[] keyManagers, TrustManager[] trustManagers)
            throws GeneralSecurityException {
        SSLContext ctx = SSLContext.getInstance("TLS", ConscryptStack.provider());
        TrustManager[] tm = new TrustManager[trustManagers.length];
        for (int i = 0; i < tm.length; i++) {
            tm[i] = trustManagers[i] instanceof X509ExtendedTrustManager x && !ConscryptStack.isConscrypt(x)
                    ? new Tls13AuthTypeTrustManager(x) : trustManagers[i];
        }
        ctx.init(keyManagers.length == 0 ? null : keyManagers, tm.length == 0 ? null : tm, null);
        return ctx;
    }

    @Override
    protected void configureEngine(SSLEngine engine, TlsConfig config) {
        if (config.role() == Role.SERVER && ConscryptStack.isConscrypt(engine)) {
            ConscryptStack.useSessionTickets(engine);
        }
    }
}

package dev.closenotify.provider.jsse;

import dev.closenotify.core.EngineShutdownProvider;
import dev.closenotify.spi.Availability;
import dev.closenotify.spi.Capability;
import java.security.GeneralSecurityException;
import java.security.NoSuchAlgorithmException;
import java.security.NoSuchProviderException;
import java.util.Map;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;

/**
 * The closenotify contract over the JDK's own TLS stack, SunJSSE, through the core. JSSE meets the
 * whole contract: TLS 1.3 half-close, reading after our close_notify and TLS 1.3 resumption all
 * work, so no gap is declared.
 *
 * <p>Priority 0: JSSE is always there, so it is the fallback when a faster stack is on the class
 * path and available.
 */
public final class JsseShutdownProvider extends EngineShutdownProvider {
    /** The name to ask for: {@code ShutdownProviders.get("jsse")}, {@code -Dclosenotify.provider=jsse}. */
    public static final String NAME = "jsse";
    private static final String STACK = "SunJSSE";

    /** For ServiceLoader. */
    public JsseShutdownProvider() {
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Availability availability() {
        try {
            SSLContext.getInstance("TLS", STACK);
            return Availability.available();
        } catch (NoSuchAlgorithmException | NoSuchProviderException e) {
            return Availability.unavailable(e);
        }
    }

    @Override
    public Map<Capability, String> gaps() {
        return Map.of();
    }

    @Override
    protected SSLContext newSslContext(KeyManager[] keyManagers, TrustManager[] trustManagers)
            throws GeneralSecurityException {
        SSLContext ctx = SSLContext.getInstance("TLS", STACK);
        ctx.init(keyManagers.length == 0 ? null : keyManagers, trustManagers.length == 0 ? null : trustManagers, null);
        return ctx;
    }
}

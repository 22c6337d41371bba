package dev.closenotify.tck.selftest;

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
 * A real provider for the self-tests: the core over SunJSSE, as {@code provider-jsse} does (which the
 * TCK cannot depend on: provider-jsse's own tests depend on the TCK). It meets the whole contract and
 * declares no gap; the broken providers wrap it, and the control runs judge it unbroken.
 */
class JdkTestProvider extends EngineShutdownProvider {
    static final String NAME = "jdk-test";
    private static final String STACK = "SunJSSE";

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

package dev.closenotify.provider.conscrypt;

import dev.closenotify.spi.Availability;
import java.security.Provider;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import org.conscrypt.Conscrypt;

/**
 * Every reference to Conscrypt's own classes, kept out of {@link ConscryptShutdownProvider} so that
 * the provider class itself loads and links without Conscrypt: ServiceLoader can always make it,
 * and it reports a missing jar or native library through its availability instead of failing.
 * Nothing here may be called before {@link #probe()} said the stack is available.
 */
final class ConscryptStack {
    private ConscryptStack() {
    }

    /** Whether Conscrypt's classes and its native library load here, and if not, why. Never throws. */
    static Availability probe() {
        try {
            // Rethrows the UnsatisfiedLinkError of the native library's loading, with its causes.
            Conscrypt.checkAvailability();
            return Availability.available();
        } catch (LinkageError | RuntimeException e) {
            return Availability.unavailable(e);
        }
    }

    /** One JCA provider for all contexts, never registered with {@code java.security.Security}. */
    static Provider provider() {
        return Holder.PROVIDER;
    }

    private static final class Holder {
        static final Provider PROVIDER = Conscrypt.newProvider();
    }

    static boolean isConscrypt(SSLEngine engine) {
        return Conscrypt.isConscrypt(engine);
    }

    static boolean isConscrypt(TrustManager trustManager) {
        return Conscrypt.isConscrypt(trustManager);
    }

    /**
     * Lets a server engine issue session tickets. Conscrypt disables them by default, and BoringSSL
     * resumes TLS 1.3 only with tickets: without this, TLS 1.3 never resumes.
     */
    static void useSessionTickets(SSLEngine engine) {
        Conscrypt.setUseSessionTickets(engine, true);
    }
}

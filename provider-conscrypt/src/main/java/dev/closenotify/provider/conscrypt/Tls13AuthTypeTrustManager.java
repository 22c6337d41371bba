package dev.closenotify.provider.conscrypt;

import java.net.Socket;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * Passes the JDK's name for the TLS 1.3 server authentication type to a trust manager that is not
 * Conscrypt's. Conscrypt calls {@code checkServerTrusted} with {@code "GENERIC"} in TLS 1.3, which
 * the JDK's own PKIX trust manager rejects ({@code CertificateException: Unknown authType:
 * GENERIC}), so every TLS 1.3 handshake with a JDK trust manager would fail. JSSE itself passes
 * {@code "UNKNOWN"} there, which every JDK trust manager accepts; that is what the delegate sees.
 * Everything else is handed through unchanged.
 */
final class Tls13AuthTypeTrustManager extends X509ExtendedTrustManager {
    /** Conscrypt's (BoringSSL's) authentication type for TLS 1.3. */
    static final String CONSCRYPT_TLS13 = "GENERIC";
    /** JSSE's authentication type for TLS 1.3. */
    static final String JSSE_TLS13 = "UNKNOWN";

    private final X509ExtendedTrustManager delegate;

    Tls13AuthTypeTrustManager(X509ExtendedTrustManager delegate) {
        this.delegate = delegate;
    }

    private static String authType(String authType) {
        return CONSCRYPT_TLS13.equals(authType) ? JSSE_TLS13 : authType;
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        delegate.checkServerTrusted(chain, authType(authType));
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
            throws CertificateException {
        delegate.checkServerTrusted(chain, authType(authType), socket);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
            throws CertificateException {
        delegate.checkServerTrusted(chain, authType(authType), engine);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        delegate.checkClientTrusted(chain, authType);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
            throws CertificateException {
        delegate.checkClientTrusted(chain, authType, socket);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
            throws CertificateException {
        delegate.checkClientTrusted(chain, authType, engine);
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return delegate.getAcceptedIssuers();
    }
}

package dev.closenotify.bench;

import dev.closenotify.server.KeyMaterial;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/**
 * The one key every server of a run uses (EC P-256, generated once per run by
 * {@link KeyMaterial#selfSigned()}), so no server pays for a different certificate, and the suites
 * every comparison is pinned to.
 */
final class BenchKeys {
    static final char[] PASSWORD = "bench".toCharArray();
    static final String ALIAS = "server";
    /** Common to every stack here; Conscrypt ignores TLS 1.3 suite limits but picks this one anyway. */
    static final String TLS13_SUITE = "TLS_AES_128_GCM_SHA256";
    /** The TLS 1.2 counterpart for an EC key. */
    static final String TLS12_SUITE = "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256";
    static final List<String> SUITES = List.of(TLS13_SUITE, TLS12_SUITE);

    private BenchKeys() {
    }

    /** Writes a new key and certificate: {@code dir/server.p12} and {@code dir/server.pem}. */
    static void generate(Path dir) throws IOException, GeneralSecurityException {
        KeyMaterial keys = KeyMaterial.selfSigned();
        String alias = keys.keyManager().getServerAliases("EC", null)[0];
        PrivateKey key = keys.keyManager().getPrivateKey(alias);
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        ks.setKeyEntry(ALIAS, key, PASSWORD, keys.chain().toArray(Certificate[]::new));
        Files.createDirectories(dir);
        try (OutputStream out = Files.newOutputStream(p12(dir))) {
            ks.store(out, PASSWORD);
        }
        Files.writeString(pem(dir), keys.certificatesPem(), StandardCharsets.US_ASCII);
    }

    static Path p12(Path dir) {
        return dir.resolve("server.p12");
    }

    static Path pem(Path dir) {
        return dir.resolve("server.pem");
    }

    static KeyStore load(Path dir) throws IOException, GeneralSecurityException {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(p12(dir))) {
            ks.load(in, PASSWORD);
        }
        return ks;
    }

    static PrivateKey privateKey(KeyStore ks) throws GeneralSecurityException {
        return (PrivateKey) ks.getKey(ALIAS, PASSWORD);
    }

    static X509Certificate[] chain(KeyStore ks) throws GeneralSecurityException {
        Certificate[] c = ks.getCertificateChain(ALIAS);
        X509Certificate[] x = new X509Certificate[c.length];
        for (int i = 0; i < c.length; i++) {
            x[i] = (X509Certificate) c[i];
        }
        return x;
    }

    /** A trust manager that trusts exactly the run's certificate. */
    static X509TrustManager trust(Path dir) throws IOException, GeneralSecurityException {
        KeyStore ts = KeyStore.getInstance("PKCS12");
        ts.load(null, null);
        CertificateFactory cf = CertificateFactory.getInstance("X.509");
        ts.setCertificateEntry("server",
                cf.generateCertificate(new ByteArrayInputStream(Files.readAllBytes(pem(dir)))));
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ts);
        return (X509TrustManager) tmf.getTrustManagers()[0];
    }
}

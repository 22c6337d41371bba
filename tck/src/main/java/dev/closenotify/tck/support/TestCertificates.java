package dev.closenotify.tck.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedKeyManager;
import javax.net.ssl.X509ExtendedTrustManager;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * Test certificates, generated once per JVM on first use (about a second) and shared by every test:
 *
 * <ul>
 *   <li>a test CA (EC P-256, self-signed, {@code basicConstraints CA:true}), the only one
 *       {@link #trustManager()} trusts;
 *   <li>{@link Identity#SERVER}: an EC P-256 server certificate from it, {@code CN=localhost},
 *       SAN {@code DNS:localhost, IP:127.0.0.1}, EKU serverAuth;
 *   <li>{@link Identity#RSA_SERVER}: the same with an RSA-2048 key (still signed by the EC CA);
 *   <li>{@link Identity#CLIENT}: an EC P-256 client certificate from it, EKU clientAuth;
 *   <li>{@link Identity#ROGUE_SERVER}: a server certificate with the same names from a separate
 *       "rogue" CA that nothing trusts, for wrong-certificate tests.
 * </ul>
 *
 * <p>Key and trust managers come from the JDK's own {@code KeyManagerFactory} and
 * {@code TrustManagerFactory} ("PKIX") over in-memory PKCS12 key stores; BouncyCastle only builds
 * the certificates and is never registered as a JCA provider. Stacks that need their own factories
 * (e.g. BC JSSE's "PKIX") can use {@link #keyStore(Identity)}, {@link #trustStore()} and
 * {@link #PASSWORD}.
 */
public final class TestCertificates {

    /** The certified identities. */
    public enum Identity {
        SERVER, RSA_SERVER, CLIENT, ROGUE_SERVER
    }

    /**
     * The PEM files {@link #writePem(Path)} wrote: certificates with one {@code CERTIFICATE} block
     * (the leaf only), keys as unencrypted PKCS#8 ({@code PRIVATE KEY}).
     */
    public record PemFiles(
            Path caCertificate,
            Path serverCertificate,
            Path serverKey,
            Path rsaServerCertificate,
            Path rsaServerKey,
            Path clientCertificate,
            Path clientKey) {}

    /** The password of every key store and key entry here. */
    public static final String PASSWORD = "closenotify";

    /** The alias of the key entry in {@link #keyStore(Identity)}. */
    public static final String KEY_ALIAS = "key";

    /** The alias of the CA entry in {@link #trustStore()}. */
    public static final String CA_ALIAS = "closenotify-test-ca";

    private static final Duration VALIDITY = Duration.ofDays(3650);

    private final X509Certificate caCertificate;
    private final Map<Identity, PrivateKey> keys;
    private final Map<Identity, List<X509Certificate>> chains;
    private final Map<Identity, X509ExtendedKeyManager> keyManagers;
    private final X509ExtendedTrustManager trustManager;

    private static final class Holder {
        static final TestCertificates INSTANCE = generate();
    }

    private TestCertificates(X509Certificate caCertificate, Map<Identity, PrivateKey> keys,
            Map<Identity, List<X509Certificate>> chains) throws GeneralSecurityException {
        this.caCertificate = caCertificate;
        this.keys = keys;
        this.chains = chains;
        Map<Identity, X509ExtendedKeyManager> managers = new EnumMap<>(Identity.class);
        for (Identity identity : Identity.values()) {
            KeyManagerFactory factory = KeyManagerFactory.getInstance("PKIX");
            factory.init(keyStore(identity), PASSWORD.toCharArray());
            managers.put(identity, only(factory.getKeyManagers(), X509ExtendedKeyManager.class));
        }
        this.keyManagers = managers;
        TrustManagerFactory factory = TrustManagerFactory.getInstance("PKIX");
        factory.init(trustStore());
        this.trustManager = only(factory.getTrustManagers(), X509ExtendedTrustManager.class);
    }

    /** The certificates of this JVM, generated on the first call. */
    public static TestCertificates get() {
        return Holder.INSTANCE;
    }

    /** Key manager of the EC P-256 server certificate (chain: server, CA). */
    public X509ExtendedKeyManager serverKeyManager() {
        return keyManager(Identity.SERVER);
    }

    /** Key manager of the RSA-2048 server certificate (chain: server, CA). */
    public X509ExtendedKeyManager rsaServerKeyManager() {
        return keyManager(Identity.RSA_SERVER);
    }

    /** Key manager of the client certificate, for client authentication (chain: client, CA). */
    public X509ExtendedKeyManager clientKeyManager() {
        return keyManager(Identity.CLIENT);
    }

    /** Key manager of the rogue server certificate, which {@link #trustManager()} rejects. */
    public X509ExtendedKeyManager rogueServerKeyManager() {
        return keyManager(Identity.ROGUE_SERVER);
    }

    /** The (shared, thread-safe) JDK "PKIX" key manager of {@code identity}. */
    public X509ExtendedKeyManager keyManager(Identity identity) {
        return keyManagers.get(Objects.requireNonNull(identity, "identity"));
    }

    /** A JDK "PKIX" trust manager that trusts only the test CA. */
    public X509ExtendedTrustManager trustManager() {
        return trustManager;
    }

    /** The test CA's certificate. */
    public X509Certificate caCertificate() {
        return caCertificate;
    }

    /** The certificate chain of {@code identity}: the leaf, then its CA. */
    public List<X509Certificate> certificateChain(Identity identity) {
        return chains.get(Objects.requireNonNull(identity, "identity"));
    }

    /** The leaf certificate of {@code identity}. */
    public X509Certificate certificate(Identity identity) {
        return certificateChain(identity).get(0);
    }

    /** The private key of {@code identity}. */
    public PrivateKey privateKey(Identity identity) {
        return keys.get(Objects.requireNonNull(identity, "identity"));
    }

    /**
     * A new in-memory PKCS12 key store holding {@code identity}'s key and chain under
     * {@link #KEY_ALIAS}, protected by {@link #PASSWORD}.
     */
    public KeyStore keyStore(Identity identity) throws GeneralSecurityException {
        KeyStore store = emptyPkcs12();
        store.setKeyEntry(KEY_ALIAS, privateKey(identity), PASSWORD.toCharArray(),
                certificateChain(identity).toArray(X509Certificate[]::new));
        return store;
    }

    /** A new in-memory PKCS12 key store holding only the test CA, as a trusted entry. */
    public KeyStore trustStore() throws GeneralSecurityException {
        KeyStore store = emptyPkcs12();
        store.setCertificateEntry(CA_ALIAS, caCertificate);
        return store;
    }

    /**
     * A new JDK {@code SSLContext("TLS")} presenting {@code identity} and trusting only the test CA.
     */
    public SSLContext jdkContext(Identity identity) throws GeneralSecurityException {
        return jdkContext(new KeyManager[] {keyManager(identity)});
    }

    /** A new JDK {@code SSLContext("TLS")} without a certificate, trusting only the test CA. */
    public SSLContext jdkClientContext() throws GeneralSecurityException {
        return jdkContext(new KeyManager[0]);
    }

    /**
     * Writes the CA certificate and the server, RSA server and client certificates and keys as PEM
     * files into {@code dir} (created if needed; existing files are replaced), for foreign peers such
     * as the {@code openssl} binary.
     */
    public PemFiles writePem(Path dir) throws IOException {
        Objects.requireNonNull(dir, "dir");
        Files.createDirectories(dir);
        PemFiles files = new PemFiles(dir.resolve("ca.pem"), dir.resolve("server.pem"), dir.resolve("server-key.pem"),
                dir.resolve("rsa-server.pem"), dir.resolve("rsa-server-key.pem"), dir.resolve("client.pem"),
                dir.resolve("client-key.pem"));
        try {
            writePem(files.caCertificate(), "CERTIFICATE", caCertificate.getEncoded());
            writePem(files.serverCertificate(), "CERTIFICATE", certificate(Identity.SERVER).getEncoded());
            writePem(files.rsaServerCertificate(), "CERTIFICATE", certificate(Identity.RSA_SERVER).getEncoded());
            writePem(files.clientCertificate(), "CERTIFICATE", certificate(Identity.CLIENT).getEncoded());
        } catch (CertificateEncodingException e) {
            throw new IOException("cannot encode a test certificate", e);
        }
        writePem(files.serverKey(), "PRIVATE KEY", privateKey(Identity.SERVER).getEncoded());
        writePem(files.rsaServerKey(), "PRIVATE KEY", privateKey(Identity.RSA_SERVER).getEncoded());
        writePem(files.clientKey(), "PRIVATE KEY", privateKey(Identity.CLIENT).getEncoded());
        return files;
    }

    // ---- generation

    private static TestCertificates generate() {
        try {
            Instant now = Instant.now();
            KeyPair caKeys = ecKeyPair();
            X500Name caName = new X500Name("CN=closenotify test CA,O=closenotify");
            X509Certificate ca = caCertificate(caName, caKeys, now);

            KeyPair rogueCaKeys = ecKeyPair();
            X500Name rogueCaName = new X500Name("CN=closenotify rogue CA,O=nobody trusts this");
            X509Certificate rogueCa = caCertificate(rogueCaName, rogueCaKeys, now);

            Map<Identity, PrivateKey> keys = new EnumMap<>(Identity.class);
            Map<Identity, List<X509Certificate>> chains = new EnumMap<>(Identity.class);

            KeyPair server = ecKeyPair();
            keys.put(Identity.SERVER, server.getPrivate());
            chains.put(Identity.SERVER, List.of(leaf(ca, caKeys, "CN=localhost,O=closenotify test server", server, true, now), ca));

            KeyPairGenerator rsa = KeyPairGenerator.getInstance("RSA");
            rsa.initialize(2048);
            KeyPair rsaServer = rsa.generateKeyPair();
            keys.put(Identity.RSA_SERVER, rsaServer.getPrivate());
            chains.put(Identity.RSA_SERVER,
                    List.of(leaf(ca, caKeys, "CN=localhost,O=closenotify test RSA server", rsaServer, true, now), ca));

            KeyPair client = ecKeyPair();
            keys.put(Identity.CLIENT, client.getPrivate());
            chains.put(Identity.CLIENT, List.of(leaf(ca, caKeys, "CN=closenotify test client,O=closenotify", client, false, now), ca));

            KeyPair rogue = ecKeyPair();
            keys.put(Identity.ROGUE_SERVER, rogue.getPrivate());
            chains.put(Identity.ROGUE_SERVER,
                    List.of(leaf(rogueCa, rogueCaKeys, "CN=localhost,O=closenotify rogue server", rogue, true, now), rogueCa));

            return new TestCertificates(ca, Map.copyOf(keys), Map.copyOf(chains));
        } catch (GeneralSecurityException | IOException | OperatorCreationException e) {
            throw new IllegalStateException("cannot generate the test certificates", e);
        }
    }

    private static X509Certificate caCertificate(X500Name name, KeyPair keys, Instant now)
            throws GeneralSecurityException, CertIOException, OperatorCreationException {
        JcaX509ExtensionUtils extensions = new JcaX509ExtensionUtils();
        X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(name, serial(), Date.from(now.minus(Duration.ofDays(1))),
                Date.from(now.plus(VALIDITY)), name, keys.getPublic())
                .addExtension(Extension.basicConstraints, true, new BasicConstraints(true))
                .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign))
                .addExtension(Extension.subjectKeyIdentifier, false, extensions.createSubjectKeyIdentifier(keys.getPublic()));
        return sign(builder, keys.getPrivate());
    }

    private static X509Certificate leaf(X509Certificate issuer, KeyPair issuerKeys, String subject, KeyPair keys, boolean server,
            Instant now) throws GeneralSecurityException, CertIOException, OperatorCreationException {
        JcaX509ExtensionUtils extensions = new JcaX509ExtensionUtils();
        boolean rsa = "RSA".equals(keys.getPublic().getAlgorithm());
        int usage = KeyUsage.digitalSignature | (rsa ? KeyUsage.keyEncipherment : 0);
        X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(issuer, serial(), Date.from(now.minus(Duration.ofDays(1))),
                Date.from(now.plus(VALIDITY)), new X500Name(subject), keys.getPublic())
                .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
                .addExtension(Extension.keyUsage, true, new KeyUsage(usage))
                .addExtension(Extension.extendedKeyUsage, false,
                        new ExtendedKeyUsage(server ? KeyPurposeId.id_kp_serverAuth : KeyPurposeId.id_kp_clientAuth))
                .addExtension(Extension.subjectKeyIdentifier, false, extensions.createSubjectKeyIdentifier(keys.getPublic()))
                .addExtension(Extension.authorityKeyIdentifier, false, extensions.createAuthorityKeyIdentifier(issuer));
        if (server) {
            builder.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName[] {
                new GeneralName(GeneralName.dNSName, "localhost"), new GeneralName(GeneralName.iPAddress, "127.0.0.1")}));
        }
        return sign(builder, issuerKeys.getPrivate());
    }

    private static X509Certificate sign(X509v3CertificateBuilder builder, PrivateKey issuerKey)
            throws GeneralSecurityException, OperatorCreationException {
        // Signed through the JDK's own providers; BouncyCastle is never registered globally.
        return new JcaX509CertificateConverter().getCertificate(builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(issuerKey)));
    }

    private static KeyPair ecKeyPair() throws GeneralSecurityException {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"));
        return generator.generateKeyPair();
    }

    private static BigInteger serial() {
        return new BigInteger(63, new SecureRandom()).add(BigInteger.ONE);
    }

    private static KeyStore emptyPkcs12() throws GeneralSecurityException {
        KeyStore store = KeyStore.getInstance("PKCS12");
        try {
            store.load(null, null);
        } catch (IOException e) {
            throw new UncheckedIOException(e); // cannot happen without a stream
        }
        return store;
    }

    private SSLContext jdkContext(KeyManager[] keyManagers) throws GeneralSecurityException {
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(keyManagers, new TrustManager[] {trustManager}, null);
        return context;
    }

    private static <T> T only(Object[] managers, Class<T> type) {
        if (managers.length != 1 || !type.isInstance(managers[0])) {
            throw new IllegalStateException("expected one " + type.getSimpleName() + ", got " + List.of(managers));
        }
        return type.cast(managers[0]);
    }

    private static void writePem(Path file, String label, byte[] der) throws IOException {
        String pem = "-----BEGIN " + label + "-----\n"
                + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
                + "\n-----END " + label + "-----\n";
        Files.writeString(file, pem, StandardCharsets.US_ASCII);
    }
}

package dev.closenotify.server;

import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.Certificate;
import java.security.cert.CertificateEncodingException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.Date;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.X509ExtendedKeyManager;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.PEMEncryptedKeyPair;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.PKCS8EncryptedPrivateKeyInfo;

/**
 * A server's certificate chain and private key, as a {@link KeyManager} for
 * {@code TlsConfig.server(km)}: read from PEM files or a PKCS#12 key store, or generated
 * (self-signed, for trying the server out).
 *
 * <p>Everything here uses the JDK's own JCA providers: BouncyCastle only parses PEM and builds the
 * generated certificate, and is never registered as a provider.
 *
 * @param keyManager the JDK ({@code SunX509}) key manager presenting {@code chain}, holding the
 *     key decrypted once
 * @param chain the certificate chain, the server's own certificate first
 */
public record KeyMaterial(X509ExtendedKeyManager keyManager, List<X509Certificate> chain) {

    /** How long a generated certificate is valid. */
    public static final Duration GENERATED_VALIDITY = Duration.ofDays(30);
    /** The names a generated certificate is for. */
    public static final List<String> GENERATED_NAMES = List.of("localhost", "127.0.0.1", "::1");

    private static final char[] IN_MEMORY_PASSWORD = "closenotify".toCharArray();

    public KeyMaterial {
        Objects.requireNonNull(keyManager, "keyManager");
        chain = List.copyOf(chain);
        if (chain.isEmpty()) {
            throw new IllegalArgumentException("chain must hold at least the server's certificate");
        }
    }

    /** The server's own certificate. */
    public X509Certificate certificate() {
        return chain.get(0);
    }

    /** The SHA-256 fingerprint of the server's certificate, as {@code openssl x509 -fingerprint -sha256} shows it. */
    public String fingerprint() {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(certificate().getEncoded());
            return HexFormat.ofDelimiter(":").withUpperCase().formatHex(digest);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("SHA-256 is always there", e);
        }
    }

    /** The chain as PEM {@code CERTIFICATE} blocks, e.g. for {@code openssl s_client -CAfile}. */
    public String certificatesPem() {
        StringBuilder pem = new StringBuilder();
        Base64.Encoder base64 = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII));
        for (X509Certificate c : chain) {
            try {
                pem.append("-----BEGIN CERTIFICATE-----\n").append(base64.encodeToString(c.getEncoded()))
                        .append("\n-----END CERTIFICATE-----\n");
            } catch (CertificateEncodingException e) {
                throw new IllegalStateException("a parsed certificate encodes again", e);
            }
        }
        return pem.toString();
    }

    /**
     * A new self-signed certificate for {@code localhost}, {@code 127.0.0.1} and {@code ::1} (EC
     * P-256, valid for {@link #GENERATED_VALIDITY}), for trying the server out: clients trust it
     * only when told to ({@code openssl s_client -CAfile}).
     */
    public static KeyMaterial selfSigned() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec("secp256r1"));
            KeyPair keys = generator.generateKeyPair();
            X500Name name = new X500Name("CN=localhost,O=closenotify echo server (self-signed)");
            Instant now = Instant.now();
            List<GeneralName> names = new ArrayList<>();
            for (String n : GENERATED_NAMES) {
                names.add(new GeneralName(n.equals("localhost") ? GeneralName.dNSName : GeneralName.iPAddress, n));
            }
            JcaX509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(name,
                    new BigInteger(63, new SecureRandom()).add(BigInteger.ONE), Date.from(now.minus(Duration.ofHours(1))),
                    Date.from(now.plus(GENERATED_VALIDITY)), name, keys.getPublic());
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
                    .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature))
                    .addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth))
                    .addExtension(Extension.subjectAlternativeName, false,
                            new GeneralNames(names.toArray(GeneralName[]::new)));
            X509Certificate certificate = new JcaX509CertificateConverter().getCertificate(
                    builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(keys.getPrivate())));
            return of(keys.getPrivate(), List.of(certificate));
        } catch (GeneralSecurityException | OperatorCreationException | IOException e) {
            throw new IllegalStateException("cannot generate a self-signed certificate: " + e, e);
        }
    }

    /**
     * The certificate chain of {@code certificates} (PEM {@code CERTIFICATE} blocks, the server's
     * own first) with the private key of {@code key}: unencrypted PKCS#8 ({@code PRIVATE KEY}),
     * PKCS#1 ({@code RSA PRIVATE KEY}) or SEC1 ({@code EC PRIVATE KEY}). The key must belong to the
     * first certificate.
     *
     * @throws IOException saying which file is unreadable or holds what is not expected
     */
    public static KeyMaterial fromPem(Path certificates, Path key) throws IOException {
        Objects.requireNonNull(certificates, "certificates");
        Objects.requireNonNull(key, "key");
        List<X509Certificate> chain = readCertificates(certificates);
        PrivateKey privateKey = readPrivateKey(key);
        try {
            if (!matches(privateKey, chain.get(0).getPublicKey())) {
                throw new IOException(key + ": this key does not belong to the certificate in " + certificates);
            }
            return of(privateKey, chain);
        } catch (GeneralSecurityException e) {
            throw new IOException(key + " with " + certificates + ": " + e.getMessage(), e);
        }
    }

    /**
     * The first key entry of a PKCS#12 key store, whose key is protected by the store's password.
     *
     * @throws IOException saying why the store is unusable (unreadable, wrong password, no key)
     */
    public static KeyMaterial fromPkcs12(Path file, char[] password) throws IOException {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(password, "password");
        KeyStore store;
        try (InputStream in = Files.newInputStream(file)) {
            store = KeyStore.getInstance("PKCS12");
            store.load(in, password);
        } catch (GeneralSecurityException e) {
            throw new IOException(file + ": not a usable PKCS#12 key store: " + e.getMessage(), e);
        } catch (IOException e) {
            throw new IOException(file + ": cannot read the PKCS#12 key store: " + describe(e), e);
        }
        try {
            for (String alias : Collections.list(store.aliases())) {
                if (store.isKeyEntry(alias) && store.getKey(alias, password) instanceof PrivateKey k) {
                    List<X509Certificate> chain = new ArrayList<>();
                    Certificate[] certs = store.getCertificateChain(alias);
                    for (Certificate c : certs == null ? new Certificate[0] : certs) {
                        chain.add((X509Certificate) c);
                    }
                    if (chain.isEmpty()) {
                        throw new IOException(file + ": the key entry " + alias + " has no certificate");
                    }
                    return of(k, chain);
                }
            }
        } catch (GeneralSecurityException e) {
            throw new IOException(file + ": cannot take the key out: " + e.getMessage(), e);
        }
        throw new IOException(file + ": no private key entry in this key store");
    }

    // ------------------------------------------------------------------ helpers

    private static KeyMaterial of(PrivateKey key, List<X509Certificate> chain) throws GeneralSecurityException {
        KeyStore store = KeyStore.getInstance("PKCS12");
        try {
            store.load(null, null);
        } catch (IOException e) {
            throw new GeneralSecurityException(e); // cannot happen without a stream
        }
        store.setKeyEntry("server", key, IN_MEMORY_PASSWORD, chain.toArray(X509Certificate[]::new));
        // SunX509, not PKIX: PKIX's manager hands out a new alias on every chooseEngineServerAlias()
        // and so takes the key out of the store again, PBKDF2 and all, on every handshake (~3 ms each,
        // measured by the bench module: most of the handshake rate). SunX509 decrypts it once here.
        KeyManagerFactory factory = KeyManagerFactory.getInstance("SunX509");
        factory.init(store, IN_MEMORY_PASSWORD);
        for (KeyManager km : factory.getKeyManagers()) {
            if (km instanceof X509ExtendedKeyManager x) {
                return new KeyMaterial(x, chain);
            }
        }
        throw new GeneralSecurityException("the SunX509 key manager factory made no X509ExtendedKeyManager");
    }

    private static List<X509Certificate> readCertificates(Path file) throws IOException {
        List<X509Certificate> chain = new ArrayList<>();
        try (InputStream in = Files.newInputStream(file)) {
            for (Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                chain.add((X509Certificate) c);
            }
        } catch (GeneralSecurityException e) {
            throw new IOException(file + ": not a PEM certificate file: " + e.getMessage(), e);
        } catch (IOException e) {
            throw new IOException(file + ": cannot read the certificate: " + describe(e), e);
        }
        if (chain.isEmpty()) {
            throw new IOException(file + ": no certificate in it (expected -----BEGIN CERTIFICATE-----)");
        }
        return chain;
    }

    private static PrivateKey readPrivateKey(Path file) throws IOException {
        JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.US_ASCII);
             PEMParser parser = new PEMParser(reader)) {
            Object o;
            while ((o = parser.readObject()) != null) {
                if (o instanceof PrivateKeyInfo info) {
                    return converter.getPrivateKey(info);
                }
                if (o instanceof PEMKeyPair pair) {
                    // PKCS#1 or SEC1; a SEC1 key may leave out its public key, so take the private part only.
                    return converter.getPrivateKey(pair.getPrivateKeyInfo());
                }
                if (o instanceof PKCS8EncryptedPrivateKeyInfo || o instanceof PEMEncryptedKeyPair) {
                    throw new IOException(file + ": the key is encrypted; give an unencrypted one"
                            + " (openssl pkey -in " + file + " -out key.pem)");
                }
                // Anything else (EC PARAMETERS, a certificate in the same file) is not the key: go on.
            }
        } catch (IOException e) {
            if (e.getMessage() != null && e.getMessage().startsWith(file + ": ")) {
                throw e; // described already
            }
            throw new IOException(file + ": cannot read the private key: " + describe(e), e);
        }
        throw new IOException(file + ": no private key in it (expected -----BEGIN PRIVATE KEY-----,"
                + " RSA PRIVATE KEY or EC PRIVATE KEY)");
    }

    /** Whether {@code key} belongs to {@code publicKey}: a signature made with one verifies with the other. */
    private static boolean matches(PrivateKey key, PublicKey publicKey) throws GeneralSecurityException {
        if (!key.getAlgorithm().equals(publicKey.getAlgorithm())) {
            return false;
        }
        String algorithm = switch (key.getAlgorithm().toUpperCase(Locale.ROOT)) {
            case "RSA" -> "SHA256withRSA";
            case "EC" -> "SHA256withECDSA";
            case "ED25519", "ED448", "EDDSA" -> "EdDSA";
            default -> null;
        };
        if (algorithm == null) {
            return true; // no way to check here: the handshake will tell
        }
        byte[] challenge = "closenotify key check".getBytes(StandardCharsets.US_ASCII);
        Signature signer = Signature.getInstance(algorithm);
        signer.initSign(key);
        signer.update(challenge);
        byte[] signature = signer.sign();
        Signature verifier = Signature.getInstance(algorithm);
        verifier.initVerify(publicKey);
        verifier.update(challenge);
        return verifier.verify(signature);
    }

    private static String describe(IOException e) {
        return e instanceof java.nio.file.NoSuchFileException ? "no such file"
                : e instanceof java.nio.file.AccessDeniedException ? "permission denied"
                : String.valueOf(e.getMessage());
    }
}

package dev.closenotify.server;

import static dev.closenotify.server.Fixtures.closeCleanly;
import static dev.closenotify.server.Fixtures.connect;
import static dev.closenotify.server.Fixtures.echo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.closenotify.spi.ShutdownProviders;
import dev.closenotify.spi.TlsConfig;
import dev.closenotify.tck.support.TestCertificates;
import dev.closenotify.tck.support.TestCertificates.Identity;
import java.io.IOException;
import java.math.BigInteger;
import java.io.OutputStream;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.HexFormat;
import java.util.List;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.openssl.jcajce.JceOpenSSLPKCS8EncryptorBuilder;
import org.bouncycastle.operator.OutputEncryptor;
import org.bouncycastle.util.io.pem.PemObject;
import org.bouncycastle.util.io.pem.PemWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Key material for the server: the PEM key forms, PKCS#12, the generated certificate, and clear failures. */
@Timeout(value = 30, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class KeyMaterialTest {
    private static final TestCertificates CERTS = TestCertificates.get();

    @TempDir
    Path dir;

    @Test
    void pkcs8Keys() throws Exception {
        TestCertificates.PemFiles pem = CERTS.writePem(dir);
        assertTrue(Files.readString(pem.serverKey()).startsWith("-----BEGIN PRIVATE KEY-----"));
        KeyMaterial ec = KeyMaterial.fromPem(pem.serverCertificate(), pem.serverKey());
        assertEquals(CERTS.certificate(Identity.SERVER), ec.certificate());
        KeyMaterial rsa = KeyMaterial.fromPem(pem.rsaServerCertificate(), pem.rsaServerKey());
        assertEquals(CERTS.certificate(Identity.RSA_SERVER), rsa.certificate());
        servesAHandshake(rsa);
    }

    @Test
    void pkcs1RsaAndSec1EcKeys() throws Exception {
        Path chain = write("rsa-chain.pem", pem(CERTS.certificateChain(Identity.RSA_SERVER).toArray()));
        Path rsaKey = write("rsa-key.pem", pem(CERTS.privateKey(Identity.RSA_SERVER)));
        assertTrue(Files.readString(rsaKey).startsWith("-----BEGIN RSA PRIVATE KEY-----"), Files.readString(rsaKey));
        KeyMaterial rsa = KeyMaterial.fromPem(chain, rsaKey);
        assertEquals(2, rsa.chain().size(), "the whole chain is read");
        servesAHandshake(rsa);

        Path ecCert = write("ec.pem", pem(CERTS.certificate(Identity.SERVER)));
        for (boolean withPublicKey : new boolean[] {true, false}) { // the public key is optional in SEC1
            Path ecKey = write("ec-key.pem", sec1(CERTS.privateKey(Identity.SERVER), CERTS.certificate(Identity.SERVER),
                    withPublicKey));
            assertTrue(Files.readString(ecKey).startsWith("-----BEGIN EC PRIVATE KEY-----"), Files.readString(ecKey));
            servesAHandshake(KeyMaterial.fromPem(ecCert, ecKey));
        }
    }

    @Test
    void pkcs12KeyStore() throws Exception {
        Path p12 = dir.resolve("server.p12");
        try (OutputStream out = Files.newOutputStream(p12)) {
            CERTS.keyStore(Identity.SERVER).store(out, TestCertificates.PASSWORD.toCharArray());
        }
        KeyMaterial keys = KeyMaterial.fromPkcs12(p12, TestCertificates.PASSWORD.toCharArray());
        assertEquals(CERTS.certificate(Identity.SERVER), keys.certificate());
        servesAHandshake(keys);

        IOException wrong = assertThrows(IOException.class, () -> KeyMaterial.fromPkcs12(p12, "nope".toCharArray()));
        assertTrue(wrong.getMessage().startsWith(p12 + ": "), wrong.getMessage());
    }

    @Test
    void theGeneratedCertificateIsForLocalhost() throws Exception {
        KeyMaterial keys = KeyMaterial.selfSigned();
        X509Certificate c = keys.certificate();
        assertEquals(c.getSubjectX500Principal(), c.getIssuerX500Principal(), "self-signed");
        List<String> names = c.getSubjectAlternativeNames().stream().map(n -> n.get(1).toString()).toList();
        assertTrue(names.contains("localhost") && names.contains("127.0.0.1"), names.toString());
        assertTrue(names.stream().anyMatch(n -> n.startsWith("0:0:0:0:0:0:0:1")), names.toString());
        c.checkValidity();
        String fingerprint = HexFormat.ofDelimiter(":").withUpperCase()
                .formatHex(MessageDigest.getInstance("SHA-256").digest(c.getEncoded()));
        assertEquals(fingerprint, keys.fingerprint());
        assertTrue(keys.certificatesPem().startsWith("-----BEGIN CERTIFICATE-----\n"), keys.certificatesPem());
    }

    @Test
    void unusableKeyMaterialIsNamedWithWhatIsWrong() throws Exception {
        TestCertificates.PemFiles pem = CERTS.writePem(dir);
        Path missing = dir.resolve("missing.pem");
        assertMessage(missing + ": cannot read the certificate: no such file",
                () -> KeyMaterial.fromPem(missing, pem.serverKey()));
        assertMessage(missing + ": cannot read the private key: no such file",
                () -> KeyMaterial.fromPem(pem.serverCertificate(), missing));
        assertMessage(pem.rsaServerKey() + ": this key does not belong to the certificate in " + pem.serverCertificate(),
                () -> KeyMaterial.fromPem(pem.serverCertificate(), pem.rsaServerKey()));
        assertMessage(pem.serverCertificate() + ": no private key in it",
                () -> KeyMaterial.fromPem(pem.serverCertificate(), pem.serverCertificate()));
        Path garbage = write("garbage.pem", "hello\n");
        assertMessage(garbage + ": not a PEM certificate file", () -> KeyMaterial.fromPem(garbage, pem.serverKey()));

        OutputEncryptor encryptor = new JceOpenSSLPKCS8EncryptorBuilder(JcaPKCS8Generator.AES_256_CBC)
                .setProvider(new BouncyCastleProvider()) // an instance for this call, never registered
                .setPassword("secret".toCharArray()).build();
        Path encrypted = write("encrypted.pem", pem(new JcaPKCS8Generator(CERTS.privateKey(Identity.SERVER), encryptor)));
        assertTrue(Files.readString(encrypted).startsWith("-----BEGIN ENCRYPTED PRIVATE KEY-----"));
        assertMessage(encrypted + ": the key is encrypted", () -> KeyMaterial.fromPem(pem.serverCertificate(), encrypted));
    }

    private static void servesAHandshake(KeyMaterial keys) throws Exception {
        TlsConfig tls = TlsConfig.server(keys.keyManager()).build();
        try (EchoServer s = Fixtures.start(EchoServerConfig.of(tls).withPort(0))) {
            var c = connect(Fixtures.client(ShutdownProviders.get(), "TLSv1.3"), s);
            echo(c, "ping".getBytes(StandardCharsets.US_ASCII));
            closeCleanly(c);
        }
    }

    private interface Load {
        void run() throws Exception;
    }

    private static void assertMessage(String start, Load load) {
        IOException e = assertThrows(IOException.class, load::run);
        assertTrue(e.getMessage().startsWith(start), "expected a message starting with <" + start + ">: " + e.getMessage());
    }

    private Path write(String name, String content) throws IOException {
        return Files.writeString(dir.resolve(name), content, StandardCharsets.US_ASCII);
    }

    /** A SEC1 {@code EC PRIVATE KEY} as OpenSSL writes it: the curve's OID, and the public key if asked. */
    private static String sec1(PrivateKey key, X509Certificate certificate, boolean withPublicKey) throws IOException {
        PrivateKeyInfo info = PrivateKeyInfo.getInstance(key.getEncoded());
        ASN1Encodable curve = info.getPrivateKeyAlgorithm().getParameters();
        BigInteger d = org.bouncycastle.asn1.sec.ECPrivateKey.getInstance(info.parsePrivateKey()).getKey();
        org.bouncycastle.asn1.sec.ECPrivateKey sec1 = withPublicKey
                ? new org.bouncycastle.asn1.sec.ECPrivateKey(256, d,
                        SubjectPublicKeyInfo.getInstance(certificate.getPublicKey().getEncoded()).getPublicKeyData(), curve)
                : new org.bouncycastle.asn1.sec.ECPrivateKey(256, d, curve);
        StringWriter out = new StringWriter();
        try (PemWriter writer = new PemWriter(out)) {
            writer.writeObject(new PemObject("EC PRIVATE KEY", sec1.getEncoded()));
        }
        return out.toString();
    }

    /** PEM of certificates, a key (an RSA key as PKCS#1) or a PKCS#8 generator. */
    private static String pem(Object... objects) throws IOException {
        StringWriter out = new StringWriter();
        try (JcaPEMWriter writer = new JcaPEMWriter(out)) {
            for (Object o : objects) {
                if (o instanceof JcaPKCS8Generator g) {
                    writer.writeObject(g);
                } else if (o instanceof PrivateKey || o instanceof X509Certificate) {
                    writer.writeObject(o);
                } else {
                    throw new IllegalArgumentException(String.valueOf(o));
                }
            }
        }
        return out.toString();
    }

    /**
     * The key is taken out of its store once, not per handshake: a handshake asks for an alias and
     * then its key, and the same key object comes back every time (the JDK's PKIX manager made a
     * new alias per call and decrypted the key again each time, ~3 ms a handshake).
     */
    @Test
    void theKeyIsDecryptedOnceNotPerHandshake() throws Exception {
        KeyMaterial keys = KeyMaterial.selfSigned();
        String first = keys.keyManager().chooseEngineServerAlias(keys.certificate().getPublicKey().getAlgorithm(),
                null, null);
        String second = keys.keyManager().chooseEngineServerAlias(keys.certificate().getPublicKey().getAlgorithm(),
                null, null);
        assertEquals(first, second, "one alias for the one key");
        assertSame(keys.keyManager().getPrivateKey(first), keys.keyManager().getPrivateKey(second),
                "the key held, not decrypted again");
    }
}

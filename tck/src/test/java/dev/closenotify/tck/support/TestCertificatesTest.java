package dev.closenotify.tck.support;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.closenotify.tck.support.TestCertificates.Identity;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.Security;
import java.security.Signature;
import java.security.SignatureException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class TestCertificatesTest {

    private static final TestCertificates CERTS = TestCertificates.get();

    @Test
    @Timeout(30)
    void generatedOncePerJvm() {
        assertSame(CERTS, TestCertificates.get());
        assertSame(CERTS.serverKeyManager(), TestCertificates.get().serverKeyManager());
        assertTrue(Arrays.stream(Security.getProviders()).noneMatch(p -> p.getName().equals("BC")),
                "BouncyCastle must not be registered globally");
    }

    @Test
    @Timeout(30)
    void theCaIsACaAndTheLeavesCarryTheNames() throws Exception {
        X509Certificate ca = CERTS.caCertificate();
        assertTrue(ca.getBasicConstraints() >= 0, "CA:true");
        assertEquals(ca.getSubjectX500Principal(), ca.getIssuerX500Principal());
        assertEquals("EC", ca.getPublicKey().getAlgorithm());
        ca.verify(ca.getPublicKey());

        for (Identity identity : List.of(Identity.SERVER, Identity.RSA_SERVER, Identity.ROGUE_SERVER)) {
            X509Certificate leaf = CERTS.certificate(identity);
            assertEquals(-1, leaf.getBasicConstraints(), identity + " is no CA");
            assertTrue(leaf.getSubjectAlternativeNames().containsAll(List.of(List.of(2, "localhost"), List.of(7, "127.0.0.1"))),
                    identity + ": " + leaf.getSubjectAlternativeNames());
            assertTrue(leaf.getExtendedKeyUsage().contains("1.3.6.1.5.5.7.3.1"), identity + " serverAuth");
            assertEquals(2, CERTS.certificateChain(identity).size());
        }
        CERTS.certificate(Identity.SERVER).verify(ca.getPublicKey());
        CERTS.certificate(Identity.RSA_SERVER).verify(ca.getPublicKey());
        CERTS.certificate(Identity.CLIENT).verify(ca.getPublicKey());
        assertThrows(SignatureException.class, () -> CERTS.certificate(Identity.ROGUE_SERVER).verify(ca.getPublicKey()));
        assertTrue(CERTS.certificate(Identity.CLIENT).getExtendedKeyUsage().contains("1.3.6.1.5.5.7.3.2"), "clientAuth");

        assertEquals("EC", CERTS.certificate(Identity.SERVER).getPublicKey().getAlgorithm());
        RSAPublicKey rsa = assertInstanceOf(RSAPublicKey.class, CERTS.certificate(Identity.RSA_SERVER).getPublicKey());
        assertEquals(2048, rsa.getModulus().bitLength());
        assertEquals(1, CERTS.trustManager().getAcceptedIssuers().length);
        assertEquals(ca, CERTS.trustManager().getAcceptedIssuers()[0]);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"TLSv1.3", "TLSv1.2"})
    @Timeout(30)
    void aJdkHandshakeSucceedsWithTheServerCertificates(String protocol) throws Exception {
        for (Identity identity : List.of(Identity.SERVER, Identity.RSA_SERVER)) {
            for (String host : List.of("localhost", "127.0.0.1")) {
                X509Certificate seen = handshake(CERTS.jdkContext(identity), CERTS.jdkClientContext(), protocol, host, false);
                assertEquals(CERTS.certificate(identity), seen, identity + " via " + host);
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"TLSv1.3", "TLSv1.2"})
    @Timeout(30)
    void aJdkHandshakeFailsWithTheRogueCertificate(String protocol) throws Exception {
        assertThrows(SSLHandshakeException.class,
                () -> handshake(CERTS.jdkContext(Identity.ROGUE_SERVER), CERTS.jdkClientContext(), protocol, "localhost", false));
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"TLSv1.3", "TLSv1.2"})
    @Timeout(30)
    void clientAuthenticationWorksWithTheClientCertificate(String protocol) throws Exception {
        X509Certificate seenByServer = handshake(CERTS.jdkContext(Identity.SERVER), CERTS.jdkContext(Identity.CLIENT), protocol,
                "localhost", true);
        assertEquals(CERTS.certificate(Identity.CLIENT), seenByServer);
    }

    @Test
    @Timeout(30)
    void keyStoresWorkWithOtherFactories() throws Exception {
        var store = CERTS.keyStore(Identity.CLIENT);
        assertTrue(store.isKeyEntry(TestCertificates.KEY_ALIAS));
        assertEquals(CERTS.privateKey(Identity.CLIENT), store.getKey(TestCertificates.KEY_ALIAS, TestCertificates.PASSWORD.toCharArray()));
        assertEquals(CERTS.caCertificate(), CERTS.trustStore().getCertificate(TestCertificates.CA_ALIAS));
    }

    @Test
    @Timeout(30)
    void writesPemFilesThatReadBack(@TempDir Path dir) throws Exception {
        TestCertificates.PemFiles files = CERTS.writePem(dir.resolve("pem"));
        CertificateFactory x509 = CertificateFactory.getInstance("X.509");
        try (InputStream in = Files.newInputStream(files.caCertificate())) {
            assertEquals(CERTS.caCertificate(), x509.generateCertificate(in));
        }
        try (InputStream in = Files.newInputStream(files.serverCertificate())) {
            assertEquals(CERTS.certificate(Identity.SERVER), x509.generateCertificate(in));
        }
        try (InputStream in = Files.newInputStream(files.clientCertificate())) {
            assertEquals(CERTS.certificate(Identity.CLIENT), x509.generateCertificate(in));
        }
        assertEquals(CERTS.privateKey(Identity.SERVER), readKey(files.serverKey(), "EC"));
        assertEquals(CERTS.privateKey(Identity.RSA_SERVER), readKey(files.rsaServerKey(), "RSA"));
        assertEquals(CERTS.privateKey(Identity.CLIENT), readKey(files.clientKey(), "EC"));
        assertTrue(Files.readString(files.serverKey()).startsWith("-----BEGIN PRIVATE KEY-----\n"));

        // The key matches the certificate.
        Signature signer = Signature.getInstance("SHA256withECDSA");
        signer.initSign(readKey(files.serverKey(), "EC"));
        signer.update(new byte[] {1, 2, 3});
        byte[] signature = signer.sign();
        Signature verifier = Signature.getInstance("SHA256withECDSA");
        verifier.initVerify(CERTS.certificate(Identity.SERVER));
        verifier.update(new byte[] {1, 2, 3});
        assertTrue(verifier.verify(signature));
    }

    /**
     * A JDK handshake over loopback, verifying the host name; returns the certificate the client saw,
     * or with client authentication the one the server saw. Client failures are thrown, the
     * server's added as suppressed.
     */
    static X509Certificate handshake(SSLContext serverContext, SSLContext clientContext, String protocol, String host,
            boolean clientAuth) throws Exception {
        InetAddress loopback = InetAddress.getByAddress(new byte[] {127, 0, 0, 1});
        try (SSLServerSocket listener = (SSLServerSocket) serverContext.getServerSocketFactory().createServerSocket(0, 1, loopback)) {
            listener.setNeedClientAuth(clientAuth);
            listener.setEnabledProtocols(new String[] {protocol});
            CompletableFuture<X509Certificate> serverSide = new CompletableFuture<>();
            Thread.ofVirtual().name("handshake-server").start(() -> {
                try (SSLSocket socket = (SSLSocket) listener.accept()) {
                    socket.startHandshake();
                    socket.getOutputStream().write(42);
                    socket.getOutputStream().flush();
                    if (socket.getInputStream().read() != 7) {
                        throw new AssertionError("the client's byte did not arrive");
                    }
                    serverSide.complete(clientAuth ? (X509Certificate) socket.getSession().getPeerCertificates()[0] : null);
                } catch (Throwable t) {
                    serverSide.completeExceptionally(t);
                }
            });
            X509Certificate seenByClient;
            try (Socket raw = new Socket()) {
                raw.connect(listener.getLocalSocketAddress());
                try (SSLSocket socket = (SSLSocket) clientContext.getSocketFactory().createSocket(raw, host, listener.getLocalPort(), true)) {
                    SSLParameters parameters = socket.getSSLParameters();
                    parameters.setEndpointIdentificationAlgorithm("HTTPS");
                    parameters.setProtocols(new String[] {protocol});
                    socket.setSSLParameters(parameters);
                    socket.startHandshake();
                    assertEquals(protocol, socket.getSession().getProtocol());
                    assertEquals(42, socket.getInputStream().read());
                    socket.getOutputStream().write(7);
                    socket.getOutputStream().flush();
                    seenByClient = (X509Certificate) socket.getSession().getPeerCertificates()[0];
                    X509Certificate seenByServer = serverSide.get(20, TimeUnit.SECONDS);
                    return clientAuth ? seenByServer : seenByClient;
                }
            } catch (Exception clientFailure) {
                try {
                    serverSide.get(20, TimeUnit.SECONDS);
                } catch (ExecutionException serverFailure) {
                    clientFailure.addSuppressed(serverFailure.getCause());
                }
                throw clientFailure;
            }
        }
    }

    private static PrivateKey readKey(Path file, String algorithm) throws Exception {
        String pem = Files.readString(file).replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
        return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(pem)));
    }

    @Test
    @Timeout(30)
    void pemCertificatesAreSingleBlocks(@TempDir Path dir) throws Exception {
        TestCertificates.PemFiles files = CERTS.writePem(dir);
        String pem = Files.readString(files.serverCertificate());
        assertEquals(1, pem.split("-----BEGIN CERTIFICATE-----", -1).length - 1);
        assertArrayEquals(CERTS.certificate(Identity.SERVER).getEncoded(),
                Base64.getMimeDecoder().decode(pem.replaceAll("-----[A-Z ]+-----", "")));
    }
}

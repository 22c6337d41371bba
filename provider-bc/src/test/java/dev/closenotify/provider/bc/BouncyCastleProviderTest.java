package dev.closenotify.provider.bc;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.closenotify.spi.Capability;
import dev.closenotify.spi.ClientAuth;
import dev.closenotify.spi.CloseReason;
import dev.closenotify.spi.ShutdownProvider;
import dev.closenotify.spi.ShutdownProviders;
import dev.closenotify.spi.ShutdownResult;
import dev.closenotify.spi.TlsConfig;
import dev.closenotify.spi.TlsContext;
import dev.closenotify.spi.TlsException;
import dev.closenotify.spi.TlsException.Kind;
import dev.closenotify.tck.support.SocketPair;
import dev.closenotify.tck.support.TestCertificates;
import dev.closenotify.tck.support.TestCertificates.Identity;
import java.nio.charset.StandardCharsets;
import java.security.Security;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** What the BouncyCastle provider adds to the TCK: its identity, isolation, key managers and errors. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class BouncyCastleProviderTest {
    private static final byte[] PING = "ping".getBytes(StandardCharsets.US_ASCII);
    private final ShutdownProvider bc = new BouncyCastleShutdownProvider();
    private final TestCertificates certs = TestCertificates.get();

    @Test
    @DisplayName("name bc, below jsse in priority, available, found by ServiceLoader")
    void identity() {
        assertEquals("bc", bc.name());
        assertEquals(-10, bc.priority());
        assertTrue(bc.availability().isAvailable(), () -> bc.availability().cause().toString());
        assertEquals(BouncyCastleShutdownProvider.class, ShutdownProviders.get("bc").getClass());
    }

    @Test
    @DisplayName("§9 the three declared gaps, each with its reason, and nothing else")
    void gaps() {
        assertEquals(Set.of(Capability.READ_AFTER_SENT, Capability.HALF_CLOSE_TLS13, Capability.RESUMPTION_TLS13),
                bc.gaps().keySet());
        bc.gaps().values().forEach(reason -> assertTrue(reason.length() > 20, "a reason, not a label: " + reason));
    }

    @Test
    @DisplayName("a private BCJSSE: nothing registered in java.security.Security, the JVM's default context unchanged")
    void nothingChangesForOthers() throws Exception {
        String before = SSLContext.getDefault().getProvider().getName();
        List<String> providers = Arrays.stream(Security.getProviders()).map(p -> p.getName()).toList();
        try (SocketPair p = pair("TLSv1.3", Identity.SERVER, ClientAuth.NONE).handshake()) {
            assertEquals("TLSv1.3", p.client().session().orElseThrow().protocol());
        }
        assertNull(Security.getProvider("BCJSSE"));
        assertNull(Security.getProvider("BC"));
        assertEquals(providers, Arrays.stream(Security.getProviders()).map(p -> p.getName()).toList());
        assertEquals(before, SSLContext.getDefault().getProvider().getName());
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"TLSv1.3", "TLSv1.2"})
    @DisplayName("JDK key managers through KeyTypeAdapter: an RSA server certificate")
    void rsaServer(String protocol) throws Exception {
        try (SocketPair p = pair(protocol, Identity.RSA_SERVER, ClientAuth.NONE).handshake()) {
            exchangeAndClose(p, protocol);
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"TLSv1.3", "TLSv1.2"})
    @DisplayName("JDK key managers through KeyTypeAdapter: client authentication (NEED) with an EC client certificate")
    void clientAuthentication(String protocol) throws Exception {
        try (SocketPair p = pair(protocol, Identity.SERVER, ClientAuth.NEED).handshake()) {
            exchangeAndClose(p, protocol);
        }
    }

    @Test
    @DisplayName("BC's own PKIX key manager is taken as it is")
    void bcKeyManagerIsNotAdapted() throws Exception {
        KeyManagerFactory f = KeyManagerFactory.getInstance("PKIX",
                new org.bouncycastle.jsse.provider.BouncyCastleJsseProvider());
        f.init(certs.keyStore(Identity.SERVER), TestCertificates.PASSWORD.toCharArray());
        KeyManager own = f.getKeyManagers()[0];
        assertSame(own, KeyTypeAdapter.adapt(own));
        assertInstanceOf(KeyTypeAdapter.class, KeyTypeAdapter.adapt(certs.serverKeyManager()));
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"TLSv1.3", "TLSv1.2"})
    @DisplayName("the JDK trust manager is honoured: an untrusted server certificate fails the handshake (PROTOCOL, certificate_unknown)")
    void untrustedServer(String protocol) throws Exception {
        try (SocketPair p = pair(protocol, Identity.ROGUE_SERVER, ClientAuth.NONE)) {
            TlsException e = assertThrows(TlsException.class, p::handshake);
            assertEquals(Kind.PROTOCOL, e.kind(), e::toString);
            assertEquals("certificate_unknown", e.alert().orElseThrow(), e::toString);
            assertEquals(CloseReason.FATAL_ALERT, p.client().outcome().orElseThrow().reason());
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"TLSv1.3", "TLSv1.2"})
    @DisplayName("hostname verification: a trusted certificate for another name fails the handshake")
    void wrongHostName(String protocol) throws Exception {
        TlsContext server = bc.newContext(TlsConfig.server(certs.serverKeyManager()).protocols(protocol).build());
        TlsContext client = bc.newContext(TlsConfig.client().trustManager(certs.trustManager())
                .serverName("not-localhost.example").protocols(protocol).build());
        try (SocketPair p = SocketPair.open(client, server)) {
            TlsException e = assertThrows(TlsException.class, p::handshake);
            assertEquals(Kind.PROTOCOL, e.kind(), e::toString);
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"TLSv1.3", "TLSv1.2"})
    @DisplayName("§3 truncation is the contract's TRUNCATED, with no BouncyCastle type anywhere in it")
    void truncationLeaksNoBcType(String protocol) throws Exception {
        try (SocketPair p = pair(protocol, Identity.SERVER, ClientAuth.NONE).handshake()) {
            p.client().write(PING, 0, PING.length);
            assertArrayEquals(PING, p.server().inputStream().readNBytes(PING.length));
            p.server().close(); // abortive: no close_notify, the transport closes
            TlsException e = assertThrows(TlsException.class, () -> p.client().read(new byte[16], 0, 16));
            assertEquals(Kind.TRUNCATED, e.kind(), e::toString);
            for (Throwable t = e; t != null; t = t.getCause()) {
                assertFalse(t.getClass().getName().startsWith("org.bouncycastle"), "a BC type leaked: " + t);
                assertFalse(String.valueOf(t.getMessage()).contains("org.bouncycastle"), "a BC type named: " + t);
            }
            assertEquals(CloseReason.TRUNCATED, p.client().outcome().orElseThrow().reason());
        }
    }

    private SocketPair pair(String protocol, Identity server, ClientAuth auth) {
        TlsContext s = bc.newContext(TlsConfig.server(certs.keyManager(server)).clientAuth(auth)
                .trustManager(certs.trustManager()).protocols(protocol).build());
        TlsConfig.Builder c = TlsConfig.client().trustManager(certs.trustManager()).serverName("localhost")
                .protocols(protocol);
        if (auth != ClientAuth.NONE) {
            c.keyManager(certs.clientKeyManager());
        }
        return SocketPair.open(bc.newContext(c.build()), s);
    }

    /** Data both ways, then the close BC can do: the server closes first, the client answers. */
    private static void exchangeAndClose(SocketPair p, String protocol) throws Exception {
        assertEquals(protocol, p.server().session().orElseThrow().protocol());
        p.client().write(PING, 0, PING.length);
        assertArrayEquals(PING, p.server().inputStream().readNBytes(PING.length));
        p.server().write(PING, 0, PING.length);
        assertArrayEquals(PING, p.client().inputStream().readNBytes(PING.length));
        assertEquals(ShutdownResult.SENT, p.server().shutdown());
        assertEquals(-1, p.client().read(new byte[8], 0, 8));
        assertEquals(ShutdownResult.COMPLETE, p.client().shutdown());
        assertEquals(CloseReason.CLEAN, p.client().outcome().orElseThrow().reason());
    }
}

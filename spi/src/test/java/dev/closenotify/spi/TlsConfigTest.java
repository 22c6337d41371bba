package dev.closenotify.spi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

class TlsConfigTest {
    private static final KeyManager KM = new KeyManager() { };
    private static final TrustManager TM = new TrustManager() { };

    private static SSLContext sslContext() throws NoSuchAlgorithmException {
        return SSLContext.getInstance("TLS");
    }

    private static IllegalArgumentException rejected(Executable build) {
        return assertThrows(IllegalArgumentException.class, build);
    }

    @Test
    void clientDefaults() {
        TlsConfig c = TlsConfig.client().build();
        assertEquals(Role.CLIENT, c.role());
        assertEquals(List.of("TLSv1.3", "TLSv1.2"), c.protocols());
        assertEquals(List.of(), c.cipherSuites());
        assertEquals(List.of(), c.applicationProtocols());
        assertEquals(Optional.empty(), c.keyManager());
        assertEquals(Optional.empty(), c.trustManager());
        assertEquals(Optional.empty(), c.sslContext());
        assertEquals(Optional.empty(), c.serverName());
        assertTrue(c.hostnameVerification());
        assertEquals(ClientAuth.NONE, c.clientAuth());
        assertEquals(TlsConfig.DEFAULT_SESSION_CACHE_SIZE, c.sessionCacheSize());
        assertEquals(20_480, c.sessionCacheSize());
        assertEquals(Duration.ofHours(24), c.sessionTimeout());
        assertSame(ConnectionPolicy.DEFAULT, c.policy());
    }

    @Test
    void builderSetsWhatItIsGiven() {
        ConnectionPolicy quiet = ConnectionPolicy.DEFAULT.withQuietShutdown(true);
        TlsConfig c = TlsConfig.client().trustManager(TM).serverName("example.com").protocols("TLSv1.2")
                .cipherSuites("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256").applicationProtocols("h2", "http/1.1")
                .hostnameVerification(false).sessionCacheSize(0).sessionTimeout(Duration.ofMinutes(5))
                .policy(quiet).build();
        assertSame(TM, c.trustManager().orElseThrow());
        assertEquals(Optional.of("example.com"), c.serverName());
        assertEquals(List.of("TLSv1.2"), c.protocols());
        assertEquals(List.of("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"), c.cipherSuites());
        assertEquals(List.of("h2", "http/1.1"), c.applicationProtocols());
        assertFalse(c.hostnameVerification());
        assertEquals(0, c.sessionCacheSize());
        assertEquals(Duration.ofMinutes(5), c.sessionTimeout());
        assertSame(quiet, c.policy());
    }

    @Test
    void serverWithKeyManagerBuilds() {
        TlsConfig s = TlsConfig.server(KM).clientAuth(ClientAuth.NEED).build();
        assertEquals(Role.SERVER, s.role());
        assertSame(KM, s.keyManager().orElseThrow());
        assertEquals(ClientAuth.NEED, s.clientAuth());
    }

    @Test
    void serverWithReadySslContextNeedsNoKeyManager() throws Exception {
        SSLContext ctx = sslContext();
        TlsConfig s = TlsConfig.of(Role.SERVER, ctx).build();
        assertSame(ctx, s.sslContext().orElseThrow());
        assertEquals(Optional.empty(), s.keyManager());
    }

    @Test
    void serverWithoutKeyManagerIsRejected() {
        IllegalArgumentException e = rejected(() -> new TlsConfig(Role.SERVER, Optional.empty(), Optional.empty(),
                Optional.of(TM), List.of("TLSv1.3"), List.of(), Optional.empty(), List.of(), true, ClientAuth.NONE,
                100, Duration.ofHours(1), ConnectionPolicy.DEFAULT));
        assertEquals("a server needs a key manager (or a ready SSLContext)", e.getMessage());
    }

    @Test
    void unsupportedProtocolIsRejectedByName() {
        IllegalArgumentException e = rejected(() -> TlsConfig.client().protocols("TLSv1.3", "TLSv1.1").build());
        assertEquals("unsupported protocol TLSv1.1: closenotify covers TLSv1.3 and TLSv1.2 only", e.getMessage());
    }

    @Test
    void emptyProtocolsAreRejected() {
        IllegalArgumentException e = rejected(() -> TlsConfig.client().protocols().build());
        assertEquals("protocols must not be empty: give TLSv1.3 and/or TLSv1.2", e.getMessage());
    }

    @Test
    void sslContextAndKeyManagerTogetherAreRejected() throws Exception {
        SSLContext ctx = sslContext();
        IllegalArgumentException e = rejected(() -> TlsConfig.server(KM).sslContext(ctx).build());
        assertEquals("give either a ready SSLContext or key/trust managers, not both", e.getMessage());
    }

    @Test
    void sslContextAndTrustManagerTogetherAreRejected() throws Exception {
        SSLContext ctx = sslContext();
        IllegalArgumentException e = rejected(() -> TlsConfig.of(Role.CLIENT, ctx).trustManager(TM).build());
        assertEquals("give either a ready SSLContext or key/trust managers, not both", e.getMessage());
    }

    @Test
    void clientWithClientAuthIsRejected() {
        IllegalArgumentException e = rejected(() -> TlsConfig.client().clientAuth(ClientAuth.WANT).build());
        assertEquals("clientAuth is a server setting; a client was given WANT", e.getMessage());
    }

    @Test
    void negativeSessionCacheSizeIsRejected() {
        IllegalArgumentException e = rejected(() -> TlsConfig.client().sessionCacheSize(-1).build());
        assertEquals("sessionCacheSize must be >= 0 (0 = unlimited): -1", e.getMessage());
    }

    @Test
    void nonPositiveSessionTimeoutIsRejected() {
        assertEquals("sessionTimeout must be positive: PT0S",
                rejected(() -> TlsConfig.client().sessionTimeout(Duration.ZERO).build()).getMessage());
        assertEquals("sessionTimeout must be positive: PT-1S",
                rejected(() -> TlsConfig.client().sessionTimeout(Duration.ofSeconds(-1)).build()).getMessage());
    }

    @Test
    void nullArgumentsAreRejectedByName() {
        assertEquals("host", assertThrows(NullPointerException.class,
                () -> TlsConfig.client().serverName(null)).getMessage());
        assertEquals("km", assertThrows(NullPointerException.class, () -> TlsConfig.server(null)).getMessage());
        assertEquals("policy", assertThrows(NullPointerException.class,
                () -> TlsConfig.client().policy(null)).getMessage());
        assertThrows(NullPointerException.class, () -> TlsConfig.client().protocols("TLSv1.3", null));
    }

    @Test
    void listsAreCopiedAndImmutable() {
        List<String> protocols = new ArrayList<>(List.of("TLSv1.3"));
        TlsConfig c = new TlsConfig(Role.CLIENT, Optional.empty(), Optional.empty(), Optional.empty(), protocols,
                List.of(), Optional.empty(), List.of(), true, ClientAuth.NONE, 1, Duration.ofHours(1),
                ConnectionPolicy.DEFAULT);
        protocols.add("TLSv1.1");
        assertEquals(List.of("TLSv1.3"), c.protocols());
        assertThrows(UnsupportedOperationException.class, () -> c.protocols().add("TLSv1.2"));
    }

    @Test
    void toBuilderRoundTripsAndCanChangeOneField() {
        TlsConfig s = TlsConfig.server(KM).trustManager(TM).protocols("TLSv1.3").clientAuth(ClientAuth.WANT)
                .applicationProtocols("h2").sessionCacheSize(7).sessionTimeout(Duration.ofMinutes(3)).build();
        assertEquals(s, s.toBuilder().build());
        TlsConfig changed = s.toBuilder().sessionCacheSize(8).build();
        assertNotEquals(s, changed);
        assertEquals(8, changed.sessionCacheSize());
        assertEquals(s.clientAuth(), changed.clientAuth());
        assertEquals(s.applicationProtocols(), changed.applicationProtocols());
    }
}

package dev.closenotify.provider.jsse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.closenotify.core.EngineShutdownProvider;
import dev.closenotify.spi.Availability;
import dev.closenotify.spi.Capability;
import dev.closenotify.spi.ConnectionPolicy;
import dev.closenotify.spi.Role;
import dev.closenotify.spi.ShutdownResult;
import dev.closenotify.spi.TlsConfig;
import dev.closenotify.tck.support.ContextPair;
import dev.closenotify.tck.support.FaultyProxy;
import dev.closenotify.tck.support.Peer;
import dev.closenotify.tck.support.SocketPair;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.TrustManager;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * resumed() is read off the wire (SEMANTICS.md §4): with a HelloRetryRequest in the way, which the
 * core must skip to find the real ServerHello, on both sides, full and resumed.
 */
@Timeout(30)
class JsseHelloRetryResumptionTest {
    private static final byte[] HRR_RANDOM = HexFormat.of().parseHex(
            "cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c");

    /** The JDK's stack through the core, its server accepting only secp384r1: JSSE clients then get a HelloRetryRequest. */
    static final class HrrProvider extends EngineShutdownProvider {
        @Override
        public String name() {
            return "jdk-hrr";
        }

        @Override
        public Availability availability() {
            return Availability.available();
        }

        @Override
        public Map<Capability, String> gaps() {
            return Map.of();
        }

        @Override
        protected SSLContext newSslContext(KeyManager[] km, TrustManager[] tm) throws GeneralSecurityException {
            SSLContext ctx = SSLContext.getInstance("TLS", "SunJSSE");
            ctx.init(km.length == 0 ? null : km, tm.length == 0 ? null : tm, null);
            return ctx;
        }

        @Override
        protected void configureEngine(SSLEngine engine, TlsConfig config) {
            if (config.role() == Role.SERVER) {
                SSLParameters p = engine.getSSLParameters();
                p.setNamedGroups(new String[] {"secp384r1"});
                engine.setSSLParameters(p);
            }
        }
    }

    @Test
    void resumptionIsSeenThroughAHelloRetryRequestOnBothSides() throws Exception {
        try (ContextPair ctx = ContextPair.of(new HrrProvider(), "TLSv1.3");
             FaultyProxy proxy = FaultyProxy.start(ctx.address())) {
            for (int i = 0; i < 2; i++) {
                try (SocketPair p = ctx.sockets(proxy.address(), ConnectionPolicy.DEFAULT, ConnectionPolicy.DEFAULT)
                        .handshake()) {
                    boolean expectResumed = i == 1;
                    assertEquals(expectResumed, p.client().session().orElseThrow().resumed(), "client, connection " + i);
                    assertEquals(expectResumed, p.server().session().orElseThrow().resumed(), "server, connection " + i);
                    var server = Peer.call(() -> {
                        assertEquals(-1, p.server().read(new byte[1], 0, 1));
                        return p.server().shutdown();
                    });
                    assertEquals(ShutdownResult.SENT, p.client().shutdown());
                    assertEquals(ShutdownResult.COMPLETE, p.client().shutdown());
                    assertEquals(ShutdownResult.COMPLETE, server.get(10, TimeUnit.SECONDS));
                }
                byte[] fromServer = proxy.awaitConnection(i, Duration.ofSeconds(5)).serverToClient();
                assertTrue(startsWithHelloRetryRequest(fromServer),
                        "connection " + i + " should begin with a HelloRetryRequest, or this test proves nothing");
            }
        }
    }

    private static boolean startsWithHelloRetryRequest(byte[] serverBytes) {
        // record header (5) + handshake header (4) + legacy_version (2), then the random
        return serverBytes.length > 43 && serverBytes[0] == 22 && serverBytes[5] == 2
                && Arrays.equals(serverBytes, 11, 43, HRR_RANDOM, 0, 32);
    }

}

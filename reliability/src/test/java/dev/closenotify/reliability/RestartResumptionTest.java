package dev.closenotify.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.closenotify.spi.ConnectionPolicy;
import dev.closenotify.spi.ShutdownProvider;
import dev.closenotify.spi.ShutdownResult;
import dev.closenotify.spi.TlsBufferConnection;
import dev.closenotify.spi.TlsConfig;
import dev.closenotify.spi.TlsContext;
import dev.closenotify.tck.support.BufferPipe;
import dev.closenotify.tck.support.TestCertificates;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A client's sessions survive a server that forgot them (a restart, a new server context): the
 * first connection to the restarted server is full (its offer is refused), and the next one
 * resumes the session that connection made. Found by {@link TruncationTest} (a server that
 * dropped a session), where the refused offer has the same effect.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class RestartResumptionTest {

    private static final int MAX_CONNECTIONS = 6;

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("dev.closenotify.reliability.Providers#eachWithProtocol")
    void aClientResumesAgainAfterTheServerForgotItsSession(ShutdownProvider p, String protocol) throws Exception {
        String where = p.name() + " " + protocol;
        TlsContext client = p.newContext(TlsConfig.client().trustManager(TestCertificates.get().trustManager())
                .serverName("localhost").protocols(protocol).build());
        TlsContext before = server(p, protocol);
        TlsContext after = server(p, protocol);
        boolean resumes = Providers.resumes(p, protocol);

        assertFalse(connect(client, before), where + ": the first connection is full");
        assertEquals(resumes, connect(client, before), where + ": the same server resumes");
        Tally.fault(); // the server forgets: a new server context on the same address
        // The client offers what it still holds of the old server (in TLS 1.3 maybe several tickets,
        // each offered once): those connections are full; then it must resume again.
        int full = 0;
        boolean again = false;
        for (int i = 0; i < MAX_CONNECTIONS && !again; i++) {
            again = connect(client, after);
            full += again ? 0 : 1;
        }
        System.out.println("reliability: " + where + ": after the server forgot, " + full + " full handshake(s)"
                + (again ? " before resuming" : ", never resumed in " + MAX_CONNECTIONS));
        if (neverResumesAfterARefusedOffer(p.name(), protocol)) {
            assertFalse(again, where + ": measured: never resumes again (a known divergence, docs/RELIABILITY.md)");
        } else if (resumes) {
            assertTrue(again, where + ": resumes again within " + MAX_CONNECTIONS + " connections");
            assertTrue(full <= 3, where + ": " + full + " full handshakes before resuming again");
        }
        Tally.caseRun();
    }

    /**
     * Measured here, strict: a Conscrypt TLS 1.2 client whose offered session was refused never
     * resumes with that peer again (a new server, even a fresh one, cannot change it; another
     * client context can). SunJSSE and bctls resume from the second connection on.
     */
    static boolean neverResumesAfterARefusedOffer(String provider, String protocol) {
        return (provider + " " + protocol).equals("conscrypt TLSv1.2");
    }

    private static TlsContext server(ShutdownProvider p, String protocol) {
        return p.newContext(TlsConfig.server(TestCertificates.get().serverKeyManager()).protocols(protocol).build());
    }

    /** One connection with data both ways and a bidirectional close where it can; whether it resumed. */
    private static boolean connect(TlsContext client, TlsContext server) throws Exception {
        TlsBufferConnection c = client.open(ByteBuffer.allocate(Wire.BUFFER), ByteBuffer.allocate(Wire.BUFFER),
                Wire.PEER, ConnectionPolicy.DEFAULT);
        TlsBufferConnection s = server.open(ByteBuffer.allocate(Wire.BUFFER), ByteBuffer.allocate(Wire.BUFFER),
                Wire.PEER, ConnectionPolicy.DEFAULT);
        BufferPipe pipe = Wire.handshake(BufferPipe.between(c, s));
        boolean resumed = c.session().orElseThrow().resumed();
        assertEquals(resumed, s.session().orElseThrow().resumed(), "both sides agree: " + c.session() + " " + s.session());
        byte[] data = Wire.data(100, 3);
        assertEquals(100, Wire.transfer(pipe, c, s, data).length);
        assertEquals(100, Wire.transfer(pipe, s, c, data).length);
        Tally.verified(200);
        assertEquals(ShutdownResult.SENT, Wire.shutdown(pipe, s));
        Wire.ReadEnd end = Wire.readToEnd(pipe, c, 20);
        assertTrue(end.endOfStream(), end.toString());
        assertEquals(ShutdownResult.COMPLETE, Wire.shutdown(pipe, c));
        pipe.pumpUntilQuiet(1000);
        Wire.closeBoth(pipe);
        assertTrue(c.outcome().orElseThrow().sessionKept() && s.outcome().orElseThrow().sessionKept());
        return resumed;
    }
}

package dev.closenotify.provider.bc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.closenotify.tck.support.TestCertificates;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;
import javax.net.ssl.SSLEngineResult.Status;
import javax.net.ssl.SSLException;
import javax.net.ssl.TrustManager;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.jsse.provider.BouncyCastleJsseProvider;
import org.bouncycastle.tls.AlertDescription;
import org.bouncycastle.tls.TlsFatalAlert;
import org.bouncycastle.tls.TlsFatalAlertReceived;
import org.bouncycastle.tls.TlsNoCloseNotifyException;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What BCJSSE's own {@code SSLEngine} does, measured without the closenotify core: every quirk the
 * provider declares as a gap or works around. If a bctls upgrade changes one of these, this test
 * says which, and the gap or the workaround has to be revisited (the TCK then fails as well, on the
 * gap that silently disappeared).
 */
class BcEngineFactsTest {
    private static final byte[] DATA = "late data".getBytes(StandardCharsets.US_ASCII);

    @BeforeAll
    static void quietLogging() {
        BcLogging.init();
    }

    private static SSLContext bc(KeyManager km) throws Exception {
        SSLContext ctx = SSLContext.getInstance("TLS", new BouncyCastleJsseProvider(new BouncyCastleProvider()));
        ctx.init(km == null ? null : new KeyManager[] {km},
                new TrustManager[] {TestCertificates.get().trustManager()}, null);
        return ctx;
    }

    private static EnginePair handshaken(String protocol) throws Exception {
        KeyManager km = KeyTypeAdapter.adapt(TestCertificates.get().serverKeyManager());
        return EnginePair.of(bc(null), bc(km), protocol).handshake();
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"TLSv1.3", "TLSv1.2"})
    @DisplayName("READ_AFTER_SENT gap: closeOutbound()+wrap() sends close_notify and marks inbound done; the"
            + " peer's next record is refused (CLOSED, nothing consumed)")
    void ourCloseNotifyClosesInbound(String protocol) throws Exception {
        EnginePair p = handshaken(protocol);
        p.client.closeOutbound();
        SSLEngineResult r = p.wrap(p.client, ByteBuffer.allocate(0));
        assertEquals(Status.CLOSED, r.getStatus());
        assertTrue(r.bytesProduced() > 0, "the close_notify: " + r);
        assertTrue(p.client.isInboundDone(), "BCJSSE marks inbound done with our own close_notify");

        assertEquals(Status.OK, p.wrap(p.server, ByteBuffer.wrap(DATA)).getStatus());
        ByteBuffer app = ByteBuffer.allocate(1 << 16);
        r = p.unwrap(p.client, app);
        assertEquals(Status.CLOSED, r.getStatus(), r::toString);
        assertEquals(0, r.bytesConsumed(), "the peer's data after our close_notify is never read: " + r);
        assertEquals(0, app.position());
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"TLSv1.3", "TLSv1.2"})
    @DisplayName("HALF_CLOSE_TLS13 gap: the peer's close_notify is consumed as CLOSED with NEED_WRAP; the next"
            + " wrap of data consumes none and emits BC's own close_notify instead")
    void peerCloseNotifyClosesOutbound(String protocol) throws Exception {
        EnginePair p = handshaken(protocol);
        p.client.closeOutbound();
        p.wrap(p.client, ByteBuffer.allocate(0));
        int closeNotify = p.toServer.position();

        SSLEngineResult r = p.unwrap(p.server, ByteBuffer.allocate(1 << 16));
        assertEquals(Status.CLOSED, r.getStatus(), r::toString);
        assertEquals(closeNotify, r.bytesConsumed(), "the whole close_notify record: " + r);
        assertEquals(HandshakeStatus.NEED_WRAP, r.getHandshakeStatus(), "BC wants to answer at once: " + r);
        assertTrue(p.server.isInboundDone());

        r = p.wrap(p.server, ByteBuffer.wrap(DATA));
        assertEquals(Status.CLOSED, r.getStatus(), r::toString);
        assertEquals(0, r.bytesConsumed(), "no data after the peer's close_notify, in " + protocol + " too: " + r);
        assertTrue(r.bytesProduced() > 0, "what comes out is BC's queued close_notify: " + r);
        assertTrue(p.server.isOutboundDone());
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"TLSv1.3", "TLSv1.2"})
    @DisplayName("closeInbound() without the peer's close_notify throws BC's own TlsNoCloseNotifyException (the"
            + " core never calls it: it sees the transport's EOF itself)")
    void closeInboundThrowsBcType(String protocol) throws Exception {
        EnginePair p = handshaken(protocol);
        SSLException e = assertThrows(SSLException.class, p.client::closeInbound);
        assertInstanceOf(TlsNoCloseNotifyException.class, e.getCause(), e::toString);
    }

    @Test
    @DisplayName("TLS 1.2: after a bad record (bad_record_mac sent, received) both sides' sessions stay valid:"
            + " the core must drop them (SEMANTICS §4)")
    void tls12SessionSurvivesBadRecord() throws Exception {
        EnginePair p = handshaken("TLSv1.2");
        p.wrap(p.server, ByteBuffer.wrap(DATA));
        p.toClient.put(10, (byte) (p.toClient.get(10) ^ 1));
        SSLException sent = assertThrows(SSLException.class, () -> p.unwrap(p.client, ByteBuffer.allocate(1 << 16)));
        TlsFatalAlert alert = assertInstanceOf(TlsFatalAlert.class, sent.getCause(), sent::toString);
        assertEquals(AlertDescription.bad_record_mac, alert.getAlertDescription());
        p.wrap(p.client, ByteBuffer.allocate(0)); // the queued fatal alert
        SSLException received = assertThrows(SSLException.class, () -> p.unwrap(p.server, ByteBuffer.allocate(1 << 16)));
        TlsFatalAlertReceived got = assertInstanceOf(TlsFatalAlertReceived.class, received.getCause(), received::toString);
        assertEquals(AlertDescription.bad_record_mac, got.getAlertDescription());

        assertTrue(p.client.getSession().isValid(), "BCJSSE keeps the client's TLS 1.2 session after a fatal alert");
        assertTrue(p.server.getSession().isValid(), "BCJSSE keeps the server's TLS 1.2 session after a fatal alert");
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"TLSv1.3", "TLSv1.2"})
    @DisplayName("a JDK key manager as it is: BCJSSE asks in its own key type names and the server finds no"
            + " certificate (handshake_failure); hence KeyTypeAdapter")
    void jdkKeyManagerNeedsTheAdapter(String protocol) throws Exception {
        EnginePair p = EnginePair.of(bc(null), bc(TestCertificates.get().serverKeyManager()), protocol);
        SSLException e = assertThrows(SSLException.class, p::handshake);
        TlsFatalAlert alert = assertInstanceOf(TlsFatalAlert.class, e.getCause(), e::toString);
        assertEquals(AlertDescription.handshake_failure, alert.getAlertDescription(), e::toString);
        assertFalse(p.server.getSession().isValid());
    }
}

package dev.closenotify.provider.conscrypt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.closenotify.tck.support.TestCertificates;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.Collections;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;
import javax.net.ssl.SSLEngineResult.Status;
import javax.net.ssl.SSLException;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509ExtendedTrustManager;
import org.conscrypt.Conscrypt;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * What Conscrypt 2.9.0's own engines do, measured on raw engine pairs without the core: each quirk
 * the provider or the core works around, so that a Conscrypt upgrade that changes one fails here
 * first, with the quirk's name.
 */
class ConscryptEngineFactsTest {
    private final ByteBuffer toServer = ByteBuffer.allocate(1 << 17);
    private final ByteBuffer toClient = ByteBuffer.allocate(1 << 17);
    private final ConscryptShutdownProvider provider = new ConscryptShutdownProvider();
    private SSLContext client;
    private SSLContext server;

    private final AtomicInteger serverChecks = new AtomicInteger();

    private void contexts() throws Exception {
        TestCertificates certs = TestCertificates.get();
        server = provider.newSslContext(new KeyManager[] {certs.serverKeyManager()}, new TrustManager[0]);
        client = provider.newSslContext(new KeyManager[0], new TrustManager[] {counting(certs.trustManager())});
    }

    /** Counts the client's server-certificate checks: one per full handshake, none on a resumed one. */
    private X509ExtendedTrustManager counting(X509ExtendedTrustManager tm) {
        return new X509ExtendedTrustManager() {
            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
                    throws CertificateException {
                serverChecks.incrementAndGet();
                tm.checkServerTrusted(chain, authType, engine);
            }

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
                    throws CertificateException {
                serverChecks.incrementAndGet();
                tm.checkServerTrusted(chain, authType, socket);
            }

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
                serverChecks.incrementAndGet();
                tm.checkServerTrusted(chain, authType);
            }

            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
                    throws CertificateException {
                tm.checkClientTrusted(chain, authType, engine);
            }

            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
                    throws CertificateException {
                tm.checkClientTrusted(chain, authType, socket);
            }

            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
                tm.checkClientTrusted(chain, authType);
            }

            @Override
            public X509Certificate[] getAcceptedIssuers() {
                return tm.getAcceptedIssuers();
            }
        };
    }

    /** A handshaken pair; the server issues tickets, as the provider configures it. */
    private SSLEngine[] pair(String protocol) throws Exception {
        SSLEngine c = client.createSSLEngine("localhost", 4433);
        c.setUseClientMode(true);
        c.setEnabledProtocols(new String[] {protocol});
        SSLEngine s = server.createSSLEngine();
        s.setUseClientMode(false);
        s.setEnabledProtocols(new String[] {protocol});
        Conscrypt.setUseSessionTickets(s, true);
        toServer.clear();
        toClient.clear();
        c.beginHandshake();
        s.beginHandshake();
        ByteBuffer sink = ByteBuffer.allocate(1 << 17);
        for (int i = 0; i < 50 && (busy(c) || busy(s) || toServer.position() + toClient.position() > 0); i++) {
            step(c, toClient, toServer, sink);
            step(s, toServer, toClient, sink);
        }
        assertFalse(busy(c) || busy(s), "handshake done");
        return new SSLEngine[] {c, s};
    }

    private static boolean busy(SSLEngine e) {
        return e.getHandshakeStatus() != HandshakeStatus.NOT_HANDSHAKING;
    }

    private static void step(SSLEngine e, ByteBuffer in, ByteBuffer out, ByteBuffer sink) throws SSLException {
        while (e.getHandshakeStatus() == HandshakeStatus.NEED_TASK) {
            e.getDelegatedTask().run();
        }
        if (e.getHandshakeStatus() == HandshakeStatus.NEED_WRAP) {
            e.wrap(ByteBuffer.allocate(0), out);
        } else if (in.position() > 0) {
            in.flip();
            e.unwrap(in, sink);
            in.compact();
        }
    }

    private static int cached(SSLContext ctx) {
        return Collections.list(ctx.getClientSessionContext().getIds()).size();
    }

    /** Unwraps one record of {@code net} (read mode); the result. */
    private static SSLEngineResult unwrapRecord(SSLEngine e, ByteBuffer net, ByteBuffer app) throws SSLException {
        int len = 5 + (((net.get(net.position() + 3) & 0xff) << 8) | (net.get(net.position() + 4) & 0xff));
        int limit = net.limit();
        net.limit(net.position() + len);
        try {
            return e.unwrap(net, app);
        } finally {
            net.limit(limit);
        }
    }

    @Test
    @DisplayName("after closeOutbound() every unwrap says CLOSED, data included; only isInboundDone() tells the peer's close_notify")
    void closedAfterOurCloseNotify() throws Exception {
        contexts();
        SSLEngine[] p = pair("TLSv1.3");
        p[0].closeOutbound();
        ByteBuffer cn = ByteBuffer.allocate(1024);
        SSLEngineResult r = p[0].wrap(ByteBuffer.allocate(0), cn);
        assertEquals(24, r.bytesProduced(), "a TLS 1.3 close_notify record");
        ByteBuffer net = ByteBuffer.allocate(1 << 16);
        p[1].wrap(ByteBuffer.wrap(new byte[] {7}), net);
        net.flip();
        ByteBuffer app = ByteBuffer.allocate(1 << 16);
        SSLEngineResult last = null;
        while (net.hasRemaining()) {
            last = unwrapRecord(p[0], net, app);
            assertEquals(Status.CLOSED, last.getStatus(), "CLOSED for an ordinary record after our close_notify");
            assertFalse(p[0].isInboundDone());
        }
        assertEquals(1, last.bytesProduced(), "the data is delivered all the same");
    }

    @Test
    @DisplayName("a TLS 1.3 server holds its tickets until its first write; the zero-byte write releases them alone")
    void serverHoldsTickets() throws Exception {
        contexts();
        SSLEngine[] p = pair("TLSv1.3");
        ByteBuffer net = ByteBuffer.allocate(1 << 16);
        assertEquals(0, p[1].wrap(ByteBuffer.allocate(0), net).bytesProduced(), "nothing pending after the handshake");
        SSLEngineResult first = p[1].wrap(ByteBuffer.wrap(new byte[] {1}), net);
        assertTrue(first.bytesProduced() > 300, "the tickets leave in front of the first record: " + first.bytesProduced());

        SSLEngine[] q = pair("TLSv1.3");
        assertTrue(HeldTickets.release(q[1]), "the zero-byte write is made: " + HeldTickets.unusable());
        net.clear();
        int tickets = q[1].wrap(ByteBuffer.allocate(0), net).bytesProduced();
        assertTrue(tickets > 300, "the tickets alone: " + tickets);
        assertEquals(23, q[1].wrap(ByteBuffer.wrap(new byte[] {1}), net).bytesProduced(), "then a 1-byte record alone");
    }

    @Test
    @DisplayName("a TLS 1.3 client stores tickets read before its close_notify, and ignores those read after it")
    void ticketsAfterOurCloseNotifyAreIgnored() throws Exception {
        for (boolean closedFirst : new boolean[] {false, true}) {
            contexts();
            SSLEngine[] p = pair("TLSv1.3");
            if (closedFirst) {
                p[0].closeOutbound();
                p[0].wrap(ByteBuffer.allocate(0), ByteBuffer.allocate(1024));
            }
            ByteBuffer net = ByteBuffer.allocate(1 << 16);
            p[1].wrap(ByteBuffer.wrap(new byte[] {1}), net);
            net.flip();
            ByteBuffer app = ByteBuffer.allocate(1 << 16);
            while (net.hasRemaining()) {
                unwrapRecord(p[0], net, app);
            }
            assertEquals(closedFirst ? 0 : 2, cached(client), "tickets stored, our close_notify sent first: " + closedFirst);
        }
    }

    @Test
    @DisplayName("invalidate() misses what the client cache resumes: TLS 1.3 tickets, a failed TLS 1.2 engine's session;"
            + " ClientSessionCache.forget() removes them")
    void invalidateIsNotEnough() throws Exception {
        for (String protocol : new String[] {"TLSv1.3", "TLSv1.2"}) {
            contexts();
            SSLEngine[] p = pair(protocol);
            ByteBuffer net = ByteBuffer.allocate(1 << 16);
            p[1].wrap(ByteBuffer.wrap(new byte[] {1, 2, 3}), net);
            net.flip();
            ByteBuffer app = ByteBuffer.allocate(1 << 16);
            if (protocol.equals("TLSv1.3")) {
                while (net.hasRemaining()) {
                    unwrapRecord(p[0], net, app); // the tickets, then the data
                }
            } else {
                net.put(net.limit() - 3, (byte) (net.get(net.limit() - 3) ^ 1));
                SSLException e = assertThrows(SSLException.class, () -> p[0].unwrap(net, app));
                assertTrue(e.getMessage().contains("BAD_DECRYPT"), e.getMessage());
            }
            p[0].getSession().invalidate();
            assertTrue(resumes(protocol), protocol + ": resumed after invalidate()");

            contexts();
            SSLEngine[] q = pair(protocol);
            q[1].wrap(ByteBuffer.wrap(new byte[] {1}), net.clear());
            net.flip();
            while (net.hasRemaining()) {
                unwrapRecord(q[0], net, app.clear());
            }
            assertTrue(ClientSessionCache.forget(client.getClientSessionContext(), "localhost", 4433) > 0,
                    "removed: " + ClientSessionCache.unusable());
            assertFalse(resumes(protocol), protocol + ": full after forget()");
        }
    }

    private boolean resumes(String protocol) throws Exception {
        int before = serverChecks.get();
        pair(protocol);
        return serverChecks.get() == before;
    }

    @Test
    @DisplayName("the server's session names TLSv1.2 for a TLS 1.3 connection once a JDK key manager chose the certificate")
    void serverSessionProtocol() throws Exception {
        contexts();
        SSLEngine[] p = pair("TLSv1.3");
        assertEquals("TLSv1.3", p[0].getSession().getProtocol());
        assertEquals("TLS_AES_128_GCM_SHA256", p[1].getSession().getCipherSuite());
        assertEquals("TLSv1.2", p[1].getSession().getProtocol(), "a TLS 1.3 suite under a TLSv1.2 label");
    }
}

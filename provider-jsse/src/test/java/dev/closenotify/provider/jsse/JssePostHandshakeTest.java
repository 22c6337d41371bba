package dev.closenotify.provider.jsse;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.closenotify.tck.support.Peer;
import dev.closenotify.tck.support.SocketPair;
import dev.closenotify.tck.support.TestCertificates;
import dev.closenotify.spi.CloseReason;
import dev.closenotify.spi.ShutdownResult;
import dev.closenotify.spi.TlsConfig;
import dev.closenotify.spi.TlsContext;
import dev.closenotify.spi.TlsException;
import dev.closenotify.spi.TlsSocketConnection;
import java.io.DataInputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Post-handshake messages against a plain JDK {@code SSLSocket} peer: a TLS 1.3 KeyUpdate is
 * answered and data keeps flowing; a client-initiated TLS 1.2 renegotiation is refused.
 */
@Timeout(30)
class JssePostHandshakeTest {

    private static TlsContext server(String protocol) {
        return new JsseShutdownProvider().newContext(TlsConfig.server(TestCertificates.get().serverKeyManager())
                .protocols(protocol).build());
    }

    private static SSLSocket plainClient(ServerSocket listener, String protocol) throws Exception {
        SSLContext ctx = SSLContext.getInstance("TLS", "SunJSSE");
        ctx.init(null, new javax.net.ssl.TrustManager[] {TestCertificates.get().trustManager()}, null);
        SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket(listener.getInetAddress(), listener.getLocalPort());
        s.setEnabledProtocols(new String[] {protocol});
        return s;
    }

    @Test
    void tls13KeyUpdateFromThePeerIsAnsweredAndDataFlows() throws Exception {
        try (ServerSocket listener = SocketPair.listen()) {
            CompletableFuture<Socket> accepted = Peer.call(listener::accept);
            try (SSLSocket client = plainClient(listener, "TLSv1.3");
                 TlsSocketConnection server = server("TLSv1.3").open(accepted.get(10, TimeUnit.SECONDS))) {
                CompletableFuture<Void> echo = Peer.run(() -> {
                    byte[] buf = new byte[256];
                    int n;
                    while ((n = server.read(buf, 0, buf.length)) > 0) {
                        server.write(buf, 0, n);
                    }
                    assertEquals(-1, n);
                    assertEquals(ShutdownResult.COMPLETE, server.shutdown());
                });
                OutputStream out = client.getOutputStream();
                DataInputStream in = new DataInputStream(client.getInputStream());
                client.startHandshake();
                roundTrip(out, in, "before");
                client.startHandshake(); // TLS 1.3: JSSE sends KeyUpdate(update_requested)
                roundTrip(out, in, "after key update");
                client.startHandshake();
                roundTrip(out, in, "after a second key update");
                client.close(); // SSLSocket.close sends close_notify
                echo.get(10, TimeUnit.SECONDS);
                assertEquals(CloseReason.CLEAN, server.outcome().orElseThrow().reason());
            }
        }
    }

    private static void roundTrip(OutputStream out, DataInputStream in, String text) throws Exception {
        byte[] msg = text.getBytes(StandardCharsets.UTF_8);
        out.write(msg);
        out.flush();
        byte[] back = new byte[msg.length];
        in.readFully(back);
        assertArrayEquals(msg, back);
    }

    @Test
    void tls12ClientInitiatedRenegotiationIsRefused() throws Exception {
        try (ServerSocket listener = SocketPair.listen()) {
            CompletableFuture<Socket> accepted = Peer.call(listener::accept);
            try (SSLSocket client = plainClient(listener, "TLSv1.2");
                 TlsSocketConnection server = server("TLSv1.2").open(accepted.get(10, TimeUnit.SECONDS))) {
                CompletableFuture<TlsException> serverSide = Peer.call(() -> {
                    byte[] buf = new byte[64];
                    assertEquals(2, server.read(buf, 0, buf.length));
                    server.write(buf, 0, 2);
                    return assertThrows(TlsException.class, () -> server.read(buf, 0, buf.length));
                });
                OutputStream out = client.getOutputStream();
                DataInputStream in = new DataInputStream(client.getInputStream());
                out.write(new byte[] {1, 2});
                out.flush();
                in.readFully(new byte[2]);
                client.startHandshake(); // TLS 1.2: a renegotiation ClientHello
                InputStream raw = client.getInputStream();
                assertThrows(java.io.IOException.class, () -> raw.read(), "the client sees the refusal as a failure");

                TlsException refused = serverSide.get(10, TimeUnit.SECONDS);
                assertEquals(TlsException.Kind.PROTOCOL, refused.kind());
                assertTrue(refused.getMessage().contains("renegotiation refused"), refused.getMessage());
                assertEquals("no_renegotiation", refused.alert().orElseThrow());
                assertEquals(CloseReason.FATAL_ALERT, server.outcome().orElseThrow().reason());
                assertEquals(false, server.outcome().orElseThrow().sessionKept());
            }
        }
    }
}

package dev.closenotify.tck.support;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.closenotify.tck.support.TestCertificates.Identity;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The pieces together: JDK TLS connections through the proxy, the wire parsed into records. */
class TlsOverFaultyProxyTest {

    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final byte[] PING = "ping".getBytes(StandardCharsets.US_ASCII);

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"TLSv1.3", "TLSv1.2"})
    @Timeout(30)
    void theClientsCloseIsAlertSizedRecordsOnly(String protocol) throws Exception {
        try (SSLServerSocket listener = listen(protocol); FaultyProxy proxy = FaultyProxy.start(addressOf(listener))) {
            CompletableFuture<Void> gotPing = new CompletableFuture<>();
            CompletableFuture<byte[]> rest = new CompletableFuture<>();
            Thread.ofVirtual().name("tls-server").start(() -> {
                try (SSLSocket socket = (SSLSocket) listener.accept()) {
                    assertArrayEquals(PING, socket.getInputStream().readNBytes(PING.length));
                    gotPing.complete(null);
                    rest.complete(socket.getInputStream().readAllBytes()); // ends at the client's close_notify
                } catch (Throwable t) {
                    gotPing.completeExceptionally(t);
                    rest.completeExceptionally(t);
                }
            });

            SSLSocket socket = connect(proxy, protocol);
            socket.getOutputStream().write(PING);
            socket.getOutputStream().flush();
            gotPing.get(20, TimeUnit.SECONDS);
            FaultyProxy.Connection connection = proxy.awaitConnection(0, WAIT);
            // The server has the ping, so the proxy has recorded everything the client wrote so far.
            int beforeClose = connection.clientToServer().length;
            socket.close(); // sends close_notify (JSSE in TLS 1.3: preceded by a user_canceled alert)
            assertEquals(0, rest.get(20, TimeUnit.SECONDS).length);

            TlsRecords.Parsed all = TlsRecords.parse(connection.clientToServer());
            assertFalse(all.hasPartial(), all.toString());
            assertEquals(TlsRecords.HANDSHAKE, all.records().get(0).contentType(), "ClientHello first");
            List<TlsRecords.TlsRecord> closing = all.from(beforeClose);
            assertTrue(closing.size() == 1 || closing.size() == 2, "one or two alerts after close(): " + all);
            for (TlsRecords.TlsRecord alert : closing) {
                if (protocol.equals("TLSv1.3")) {
                    // 2 alert + 1 type + 16 tag, plus what padding the stack adds (JSSE: 16)
                    assertEquals(TlsRecords.APPLICATION_DATA, alert.contentType(), alert.toString());
                    assertTrue(alert.length() >= 19 && alert.length() <= 35, alert.toString());
                } else {
                    // 2 alert, plus explicit nonce and tag of the suite
                    assertEquals(TlsRecords.ALERT, alert.contentType(), alert.toString());
                    assertTrue(alert.length() >= 2 && alert.length() <= 2 + 8 + 16, alert.toString());
                }
            }
            proxy.assertNoErrors();
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"TLSv1.3", "TLSv1.2"})
    @Timeout(30)
    void aFlippedByteInARecordFailsTheConnection(String protocol) throws Exception {
        try (SSLServerSocket listener = listen(protocol); FaultyProxy proxy = FaultyProxy.start(addressOf(listener))) {
            Thread.ofVirtual().name("tls-server").start(() -> {
                try (SSLSocket socket = (SSLSocket) listener.accept()) {
                    socket.getOutputStream().write(1);
                    socket.getOutputStream().flush();
                    socket.getInputStream().read();
                    socket.getOutputStream().write(new byte[100]);
                    socket.getOutputStream().flush();
                    socket.getInputStream().read();
                } catch (IOException expected) {
                    // the client fails the connection
                }
            });
            try (SSLSocket socket = connect(proxy, protocol)) {
                assertEquals(1, socket.getInputStream().read());
                // Everything the server sent up to that byte's record has passed the proxy.
                FaultyProxy.Connection connection = proxy.awaitConnection(0, WAIT);
                int next = connection.serverToClient().length;
                proxy.serverToClient().flipAt(next + 20); // inside the next record's protected part
                socket.getOutputStream().write(2);
                socket.getOutputStream().flush();
                assertThrows(SSLException.class, () -> socket.getInputStream().readNBytes(100));
                byte[] wire = connection.serverToClient();
                TlsRecords.TlsRecord corrupted = TlsRecords.parse(wire, next, wire.length).records().get(0);
                assertEquals(TlsRecords.APPLICATION_DATA, corrupted.contentType(), corrupted.toString());
                assertTrue(corrupted.end() > next + 20, corrupted.toString());
            }
        }
    }

    private static SSLServerSocket listen(String protocol) throws Exception {
        SSLServerSocket listener = (SSLServerSocket) TestCertificates.get().jdkContext(Identity.SERVER).getServerSocketFactory()
                .createServerSocket(0, 1, InetAddress.getByAddress(new byte[] {127, 0, 0, 1}));
        listener.setEnabledProtocols(new String[] {protocol});
        return listener;
    }

    private static InetSocketAddress addressOf(SSLServerSocket listener) {
        return new InetSocketAddress(listener.getInetAddress(), listener.getLocalPort());
    }

    private static SSLSocket connect(FaultyProxy proxy, String protocol) throws Exception {
        Socket raw = new Socket();
        raw.connect(proxy.address());
        SSLSocket socket = (SSLSocket) TestCertificates.get().jdkClientContext().getSocketFactory()
                .createSocket(raw, "localhost", proxy.port(), true);
        socket.setEnabledProtocols(new String[] {protocol});
        socket.startHandshake();
        return socket;
    }
}

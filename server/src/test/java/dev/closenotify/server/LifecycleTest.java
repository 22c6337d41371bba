package dev.closenotify.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.closenotify.spi.ConnectionPolicy;
import dev.closenotify.spi.ProviderLookupException;
import dev.closenotify.spi.ShutdownProviders;
import dev.closenotify.spi.TlsConfig;
import dev.closenotify.tck.support.TestCertificates;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The embeddable API: the configuration's checks, start/stop idempotence, the port, failures to start. */
@Timeout(value = 30, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class LifecycleTest {
    private static final TlsConfig TLS = TlsConfig.server(TestCertificates.get().serverKeyManager()).build();

    @Test
    void theConfigurationHasDefaultsAndChecksItsFields() {
        EchoServerConfig c = EchoServerConfig.of(TLS);
        assertEquals("127.0.0.1", c.host());
        assertEquals(8443, c.port());
        assertEquals(Optional.empty(), c.provider());
        assertEquals(1024, c.maxConnections());
        assertEquals(1 << 20, c.echoBufferSize());
        assertEquals(Duration.ofSeconds(10), c.stopGrace());
        assertEquals(TLS.policy(), c.policy());
        assertEquals(ConnectionPolicy.DEFAULT.withIdleReadTimeout(Duration.ofSeconds(3)),
                c.withPolicy(ConnectionPolicy.DEFAULT.withIdleReadTimeout(Duration.ofSeconds(3))).tls().policy());

        assertThrows(IllegalArgumentException.class, () -> c.withHost(" "));
        assertThrows(IllegalArgumentException.class, () -> c.withPort(-1));
        assertThrows(IllegalArgumentException.class, () -> c.withPort(65_536));
        assertThrows(IllegalArgumentException.class, () -> c.withProvider(""));
        assertThrows(IllegalArgumentException.class, () -> c.withMaxConnections(0));
        assertThrows(IllegalArgumentException.class, () -> c.withEchoBufferSize(100));
        assertThrows(IllegalArgumentException.class, () -> c.withStopGrace(Duration.ofSeconds(-1)));
        assertThrows(NullPointerException.class, () -> c.withTls(null));
        IllegalArgumentException client = assertThrows(IllegalArgumentException.class,
                () -> c.withTls(TlsConfig.client().build()));
        assertTrue(client.getMessage().contains("server configuration"), client.getMessage());
    }

    @Test
    void startAndStopAreIdempotentAndAServerRunsOnce() throws Exception {
        EchoServer s = new EchoServer(EchoServerConfig.of(TLS).withPort(0));
        IllegalStateException early = assertThrows(IllegalStateException.class, s::port);
        assertTrue(early.getMessage().contains("start()"), early.getMessage());
        assertFalse(s.isRunning());

        assertSame(s, s.start());
        int port = s.port();
        assertNotEquals(0, port, "port 0 takes an ephemeral port, readable after the start");
        assertSame(s, s.start());
        assertEquals(port, s.port());
        assertTrue(s.isRunning());
        assertEquals(ShutdownProviders.get().name(), s.providerName());

        StopReport first = s.stop(Duration.ofSeconds(1));
        assertSame(first, s.stop(Duration.ofSeconds(1)), "a second stop returns the first one's report");
        s.close();
        assertFalse(s.isRunning());
        assertThrows(IllegalStateException.class, s::start);
        try (ServerSocket again = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
            assertEquals(port, again.getLocalPort(), "the stop released the port");
        }
    }

    @Test
    void aServerNeverStartedStopsAtOnce() {
        EchoServer s = new EchoServer(EchoServerConfig.of(TLS));
        assertSame(StopReport.NOTHING_OPEN, s.stop(Duration.ofSeconds(5)));
        assertThrows(IllegalStateException.class, s::start);
    }

    @Test
    void aBusyPortOrAnUnknownProviderFailsTheStart() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            EchoServer s = new EchoServer(EchoServerConfig.of(TLS).withPort(taken.getLocalPort()));
            IOException e = assertThrows(IOException.class, s::start);
            assertTrue(e.getMessage().contains("cannot listen on 127.0.0.1:" + taken.getLocalPort()), e.getMessage());
            assertFalse(s.isRunning());
        }
        EchoServer unknown = new EchoServer(EchoServerConfig.of(TLS).withPort(0).withProvider("nosuch"));
        ProviderLookupException e = assertThrows(ProviderLookupException.class, unknown::start);
        assertTrue(e.getMessage().contains("no such provider: nosuch"), e.getMessage());
    }
}

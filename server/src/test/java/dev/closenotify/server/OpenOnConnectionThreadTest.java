package dev.closenotify.server;

import static dev.closenotify.server.Fixtures.closeCleanly;
import static dev.closenotify.server.Fixtures.connect;
import static dev.closenotify.server.Fixtures.echo;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.closenotify.spi.Availability;
import dev.closenotify.spi.Capability;
import dev.closenotify.spi.ConnectionPolicy;
import dev.closenotify.spi.ShutdownProvider;
import dev.closenotify.spi.ShutdownProviders;
import dev.closenotify.spi.TlsBufferConnection;
import dev.closenotify.spi.TlsConfig;
import dev.closenotify.spi.TlsContext;
import dev.closenotify.spi.TlsException;
import dev.closenotify.spi.TlsSocketConnection;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 7: the TLS connection (the engine) is opened on the connection's own thread, not the
 * acceptor's, so a slow engine does not hold up accepting; and a stop that finds a connection not
 * opened yet still ends it, by force after the grace period.
 */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class OpenOnConnectionThreadTest {

    @Test
    void aSlowOpenHoldsUpNeitherAcceptingNorTheStop(@TempDir Path services) throws Exception {
        // The provider is visible only through this loader, so no other test sees it.
        Path file = services.resolve("META-INF/services/" + ShutdownProvider.class.getName());
        Files.createDirectories(file.getParent());
        Files.writeString(file, SlowOpen.class.getName() + "\n");
        ShutdownProvider jsse = ShutdownProviders.get("jsse");
        Thread self = Thread.currentThread();
        ClassLoader before = self.getContextClassLoader();
        EchoServer s;
        try (URLClassLoader loader = new URLClassLoader(new URL[] {services.toUri().toURL()}, before)) {
            self.setContextClassLoader(loader);
            s = Fixtures.start(Fixtures.config(jsse).withProvider(SlowOpen.NAME));
        } finally {
            self.setContextClassLoader(before);
        }
        // A connection a stop ended before it began is not a failure: no warning for it.
        java.util.logging.Logger logger = java.util.logging.Logger.getLogger(EchoServer.class.getName());
        java.util.List<String> warnings = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
        java.util.logging.Handler capture = new java.util.logging.Handler() {
            @Override
            public void publish(java.util.logging.LogRecord record) {
                if (record.getLevel().intValue() >= java.util.logging.Level.WARNING.intValue()) {
                    warnings.add(record.getMessage() + (record.getThrown() == null ? "" : ": " + record.getThrown()));
                }
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        logger.addHandler(capture);
        try (s; Socket stuck = Fixtures.socket(s)) {
            assertTrue(SlowOpen.entered.await(Fixtures.WAIT.toSeconds(), TimeUnit.SECONDS),
                    "the first connection's open began");

            // The first open blocks: a second connection is accepted, opened and served meanwhile.
            TlsSocketConnection c = connect(Fixtures.client(jsse, "TLSv1.3"), s);
            echo(c, Fixtures.random(1, 1000));
            closeCleanly(c);
            Fixtures.awaitStats(s, st -> st.active() == 1);

            // A stop sees the first connection not opened yet: the grace passes, the force closes its socket.
            CompletableFuture<StopReport> stop = CompletableFuture.supplyAsync(() -> s.stop(Duration.ofMillis(200)));
            stuck.setSoTimeout((int) Fixtures.WAIT.toMillis());
            try {
                assertEquals(-1, stuck.getInputStream().read(), "nothing sent, then the end");
            } catch (IOException e) {
                // Reset: closed by force as well.
            }
            SlowOpen.release.countDown(); // the reader opens now, finds the connection ended, and finishes
            StopReport report = stop.get(Fixtures.WAIT.toSeconds(), TimeUnit.SECONDS);
            assertEquals(1, report.open(), "the stop saw the connection not opened yet: " + report);
            assertEquals(1, report.forced(), "and ended it by force: " + report);
            ServerStats stats = s.stats();
            assertEquals(2, stats.accepted(), stats.toString());
            assertEquals(0, stats.active(), stats.toString());
            assertEquals(java.util.List.of(), warnings, "warnings while serving and stopping");
        } finally {
            logger.removeHandler(capture);
        }
    }

    /** The JSSE provider, whose first buffer connection opens only once the test lets it. */
    public static final class SlowOpen implements ShutdownProvider {
        static final String NAME = "slow-open";
        static final CountDownLatch entered = new CountDownLatch(1);
        static final CountDownLatch release = new CountDownLatch(1);
        private static final java.util.concurrent.atomic.AtomicBoolean first = new java.util.concurrent.atomic.AtomicBoolean();

        private final ShutdownProvider jsse = ShutdownProviders.get("jsse");

        @Override
        public String name() {
            return NAME;
        }

        @Override
        public Availability availability() {
            return Availability.available();
        }

        @Override
        public Map<Capability, String> gaps() {
            return jsse.gaps();
        }

        @Override
        public TlsContext newContext(TlsConfig config) {
            TlsContext real = jsse.newContext(config);
            return new TlsContext() {
                @Override
                public String providerName() {
                    return NAME;
                }

                @Override
                public TlsConfig config() {
                    return real.config();
                }

                @Override
                public TlsSocketConnection open(Socket socket, ConnectionPolicy policy) throws TlsException {
                    return real.open(socket, policy);
                }

                @Override
                public TlsSocketConnection open(SocketChannel channel, ConnectionPolicy policy) throws TlsException {
                    return real.open(channel, policy);
                }

                @Override
                public TlsBufferConnection open(ByteBuffer inbound, ByteBuffer outbound, InetSocketAddress peer,
                                                ConnectionPolicy policy) throws TlsException {
                    if (first.compareAndSet(false, true)) {
                        entered.countDown();
                        try {
                            release.await();
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                    }
                    return real.open(inbound, outbound, peer, policy);
                }
            };
        }
    }
}

package dev.closenotify.reliability;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.closenotify.server.Deadline;
import dev.closenotify.server.EchoServer;
import dev.closenotify.server.ServerStats;
import dev.closenotify.server.StopReport;
import dev.closenotify.spi.Capability;
import dev.closenotify.spi.CloseReason;
import dev.closenotify.spi.ConnectionPolicy;
import dev.closenotify.spi.ShutdownProvider;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Slow and silent peers against the echo server, every provider as the server: each is bounded by
 * its deadline, counted, and the memory a connection holds is capped; TLS 1.2 client-initiated
 * renegotiation is refused and stalls nothing. The clients are the JDK's own SSLSocket (a foreign
 * TLS stack for the server) or raw TCP. These tests mostly wait for deadlines, so they run
 * concurrently with each other.
 */
@Execution(ExecutionMode.CONCURRENT)
@Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ServerHostilePeersTest {

    private static final Duration BOUND = Duration.ofSeconds(20);
    private static final int SLOW_PEERS = 16;

    static Stream<Arguments> servers() {
        return Providers.available().stream().map(p -> Arguments.of(Providers.named(p)));
    }

    @ParameterizedTest(name = "{0} server")
    @MethodSource("servers")
    void slowlorisHandshakesEndAtTheHandshakeDeadlineAndTheServerKeepsServing(ShutdownProvider p) throws Exception {
        ConnectionPolicy policy = ConnectionPolicy.DEFAULT.withHandshakeTimeout(Duration.ofSeconds(2)); // long enough for a real handshake under load
        try (EchoServer server = Servers.start(Servers.config(p.name(), policy))) {
            List<Socket> slow = new ArrayList<>();
            try {
                for (int i = 0; i < SLOW_PEERS; i++) {
                    Socket s = Servers.raw(server.port(), (int) BOUND.toMillis());
                    // The first bytes of a ClientHello record, and then nothing.
                    s.getOutputStream().write(HexFormat.of().parseHex("160301"));
                    s.getOutputStream().flush();
                    slow.add(s);
                    Tally.fault();
                }
                // Meanwhile a real client is served.
                try (SSLSocket ok = Servers.jdkClient(server.port(), "TLSv1.3", (int) BOUND.toMillis())) {
                    byte[] data = Wire.data(1000, 5);
                    assertArrayEquals(data, Servers.echo(ok, data), p.name() + ": echo while " + SLOW_PEERS + " peers stall");
                    Tally.verified(data.length);
                }
                for (Socket s : slow) {
                    assertClosedByServer(s, p.name() + ": a stalled handshake");
                }
            } finally {
                for (Socket s : slow) {
                    s.close();
                }
            }
            await().atMost(BOUND).untilAsserted(() -> {
                ServerStats st = server.stats();
                assertEquals(SLOW_PEERS, st.deadlines(Deadline.HANDSHAKE), st.summary());
                assertEquals(0, st.active(), st.summary());
            });
            ServerStats st = server.stats();
            assertEquals(SLOW_PEERS, st.closes(CloseReason.TIMEOUT), st.summary());
            assertEquals(SLOW_PEERS, st.failedHandshakes(), st.summary());
            Tally.caseRun();
        }
    }

    @ParameterizedTest(name = "{0} server")
    @MethodSource("servers")
    void aClientThatNeverReadsIsCappedInMemoryAndEndsAtTheIdleDeadline(ShutdownProvider p) throws Exception {
        int echoBuffer = 64 * 1024;
        ConnectionPolicy policy = ConnectionPolicy.DEFAULT.withIdleReadTimeout(Duration.ofSeconds(3));
        try (EchoServer server = Servers.start(Servers.config(p.name(), policy).withEchoBufferSize(echoBuffer))) {
            SSLSocket c = Servers.jdkClient(server.port(), "TLSv1.3", (int) BOUND.toMillis());
            AtomicLong written = new AtomicLong();
            long limit = 64L << 20; // bounded: the write blocks long before this
            CompletableFuture<Throwable> writer = CompletableFuture.supplyAsync(() -> {
                byte[] chunk = Wire.data(16 * 1024, 6);
                try {
                    OutputStream out = c.getOutputStream();
                    while (written.get() < limit) {
                        out.write(chunk);
                        written.addAndGet(chunk.length);
                    }
                    return null;
                } catch (IOException e) {
                    return e;
                }
            }, r -> Thread.ofVirtual().start(r));
            Tally.fault();
            try {
                // While the server holds the connection, what it read but did not write stays capped:
                // its inbound (24 KiB), the echo queue (echoBufferSize plus one 17 KiB chunk), its
                // outbound (24 KiB), and TLS overhead (server BufferSets' sizes).
                long cap = 24 * 1024 + echoBuffer + 17 * 1024 + 24 * 1024 + 8 * 1024;
                long[] worst = {0};
                await().atMost(BOUND).pollInterval(Duration.ofMillis(20)).until(() -> {
                    ServerStats st = server.stats();
                    worst[0] = Math.max(worst[0], st.bytesIn() - st.bytesOut());
                    assertTrue(worst[0] <= cap, p.name() + ": the server holds " + worst[0] + " B for one"
                            + " connection, over the cap of " + cap + " B: " + st.summary());
                    return st.deadlines(Deadline.IDLE) == 1;
                });
                ServerStats st = server.stats();
                assertTrue(st.bytesIn() > echoBuffer, p.name() + ": the server did read and queue: " + st.summary());
                assertTrue(written.get() > st.bytesIn(), p.name() + ": the client wrote more than the server read"
                        + " (backpressure): written " + written.get() + ", " + st.summary());
                Throwable ended = writer.get(BOUND.toSeconds(), TimeUnit.SECONDS);
                assertTrue(ended instanceof IOException, p.name() + ": the blocked writer ends when the server"
                        + " closes the connection: " + ended);
                await().atMost(BOUND).until(() -> server.stats().active() == 0);
                assertEquals(1, server.stats().closes(CloseReason.TIMEOUT), server.stats().summary());
                System.out.println("reliability: " + p.name() + " server, client never reads: held at most "
                        + worst[0] + " B (cap " + cap + "), client wrote " + written.get() + " B before blocking");
                Tally.caseRun();
            } finally {
                c.close();
            }
        }
    }

    @ParameterizedTest(name = "{0} server")
    @MethodSource("servers")
    void aClientThatNeverAnswersCloseNotifyEndsAtThePeerCloseDeadline(ShutdownProvider p) throws Exception {
        ConnectionPolicy policy = ConnectionPolicy.DEFAULT.withPeerCloseTimeout(Duration.ofMillis(800));
        try (EchoServer server = Servers.start(Servers.config(p.name(), policy))) {
            try (SSLSocket c = Servers.jdkClient(server.port(), "TLSv1.3", (int) BOUND.toMillis())) {
                byte[] data = Wire.data(500, 7);
                assertArrayEquals(data, Servers.echo(c, data));
                Tally.verified(data.length);
                Tally.fault();
                long t0 = System.nanoTime();
                StopReport report = server.stop(Duration.ofSeconds(15));
                Duration took = Duration.ofNanos(System.nanoTime() - t0);
                assertEquals(1, report.open(), report.summary());
                assertTrue(took.compareTo(Duration.ofSeconds(10)) < 0, p.name() + ": the stop waited " + took
                        + " for a silent peer, not bounded by the peer-close deadline: " + report.summary());
                ServerStats st = server.stats();
                System.out.println("reliability: " + p.name() + " server, silent peer at stop: " + report.summary()
                        + "; " + st.summary());
                assertEquals(0, report.closedCleanly(), report.summary());
                // The silent client still receives the server's close_notify, then the end.
                assertEquals(-1, c.getInputStream().read(), p.name() + ": close_notify reached the client");
                assertEquals(1, st.ended(), st.summary());
                if (p.supports(Capability.READ_AFTER_SENT)) {
                    assertEquals(1, st.deadlines(Deadline.PEER_CLOSE), p.name() + ": the wait for the peer's"
                            + " close_notify ends at its deadline: " + report.summary() + "; " + st.summary());
                    assertEquals(1, st.closes(CloseReason.TIMEOUT), st.summary());
                } else {
                    // READ_AFTER_SENT gap (bc): the server cannot read the peer's answer; it keeps the
                    // socket open, dropping what comes unread, until the peer ends the transport or, as
                    // here, the peer-close deadline (TIMEOUT), rather than closing into a reset.
                    assertEquals(1, st.closes(CloseReason.TIMEOUT), p.name() + " (READ_AFTER_SENT gap): "
                            + report.summary() + "; " + st.summary());
                    assertEquals(1, st.deadlines(Deadline.PEER_CLOSE), st.summary());
                }
                Tally.caseRun();
            }
        }
    }

    @ParameterizedTest(name = "{0} server")
    @MethodSource("servers")
    void tls12ClientInitiatedRenegotiationIsRefusedAndStallsNothing(ShutdownProvider p) throws Exception {
        try (EchoServer server = Servers.start(Servers.config(p.name(), ConnectionPolicy.DEFAULT))) {
            try (SSLSocket c = Servers.jdkClient(server.port(), "TLSv1.2", (int) BOUND.toMillis())) {
                byte[] data = Wire.data(300, 8);
                assertArrayEquals(data, Servers.echo(c, data));
                Tally.verified(data.length);
                Tally.fault();
                long t0 = System.nanoTime();
                // SunJSSE renegotiates on a second startHandshake(); the server must refuse.
                IOException refused = assertThrows(IOException.class, () -> {
                    c.startHandshake();
                    c.getOutputStream().write(data);
                    c.getOutputStream().flush();
                    InputStream in = c.getInputStream();
                    if (in.read() < 0) {
                        throw new IOException("end of stream");
                    }
                }, p.name() + ": renegotiation must not succeed");
                Duration took = Duration.ofNanos(System.nanoTime() - t0);
                assertTrue(took.compareTo(Duration.ofSeconds(10)) < 0, p.name() + ": refused in " + took);
                assertTrue(!(refused instanceof SocketTimeoutException), p.name() + ": refused, not stalled: " + refused);
            }
            await().atMost(BOUND).until(() -> server.stats().active() == 0);
            assertEquals(1, server.stats().closes(CloseReason.FATAL_ALERT), server.stats().summary());
            try (SSLSocket next = Servers.jdkClient(server.port(), "TLSv1.2", (int) BOUND.toMillis())) {
                byte[] data = Wire.data(300, 9);
                assertArrayEquals(data, Servers.echo(next, data), p.name() + ": the server serves on");
                Tally.verified(data.length);
            }
            Tally.caseRun();
        }
    }

    /** The server ends the connection: end-of-stream or a reset, never a read timeout. */
    private static void assertClosedByServer(Socket s, String what) throws IOException {
        try {
            InputStream in = s.getInputStream();
            byte[] buf = new byte[1024];
            while (in.read(buf) >= 0) {
                // whatever the server says before it closes (an alert, if any)
            }
        } catch (SocketTimeoutException e) {
            throw new AssertionError(what + ": the server did not close it within " + BOUND, e);
        } catch (IOException reset) {
            // a reset also ends it
        }
    }
}

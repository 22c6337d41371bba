package dev.closenotify.server;

import static dev.closenotify.server.Fixtures.connect;
import static dev.closenotify.server.Fixtures.echo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.closenotify.spi.CloseReason;
import dev.closenotify.spi.ConnectionPolicy;
import dev.closenotify.spi.ShutdownProvider;
import dev.closenotify.spi.ShutdownResult;
import dev.closenotify.spi.TlsException;
import dev.closenotify.spi.TlsSocketConnection;
import dev.closenotify.tck.support.Peer;
import java.io.BufferedReader;
import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Each deadline the server enforces: it fires, closes that connection's socket (also under a
 * blocked write), and is counted; a connection that keeps moving bytes is never idle.
 */
@Timeout(value = 30, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class DeadlineTest {
    private static final byte[] PING = "ping".getBytes(StandardCharsets.US_ASCII);
    private static final Duration SHORT = Duration.ofMillis(300);
    private static final int MiB = 1 << 20;

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("dev.closenotify.server.Fixtures#servers")
    void theHandshakeDeadline(ShutdownProvider provider, String protocol) throws Exception {
        try (EchoServer s = Fixtures.start(Fixtures.config(provider)
                .withPolicy(ConnectionPolicy.DEFAULT.withHandshakeTimeout(SHORT)));
             Socket silent = Fixtures.socket(s)) { // connects, never sends its ClientHello
            assertEquals(-1, silent.getInputStream().read(), "the server closed the connection");

            ServerStats stats = Fixtures.awaitIdle(s);
            assertEquals(1, stats.deadlines(Deadline.HANDSHAKE), stats.summary());
            assertEquals(1, stats.closes(CloseReason.TIMEOUT), stats.summary());
            assertEquals(1, stats.failedHandshakes(), stats.summary());
        }
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("dev.closenotify.server.Fixtures#servers")
    void theIdleDeadline(ShutdownProvider provider, String protocol) throws Exception {
        try (EchoServer s = Fixtures.start(Fixtures.config(provider)
                .withPolicy(ConnectionPolicy.DEFAULT.withIdleReadTimeout(SHORT)))) {
            TlsSocketConnection idle = connect(Fixtures.client(provider, protocol), s);
            echo(idle, PING);
            TlsException e = assertThrows(TlsException.class, () -> idle.read(new byte[1], 0, 1));
            assertEquals(TlsException.Kind.TRUNCATED, e.kind(), "the server closed the socket: " + e);
            idle.close();

            ServerStats stats = Fixtures.awaitIdle(s);
            assertEquals(1, stats.deadlines(Deadline.IDLE), stats.summary());
            assertEquals(1, stats.closes(CloseReason.TIMEOUT), stats.summary());
        }
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("dev.closenotify.server.Fixtures#servers")
    void aConnectionMovingBytesIsNotIdle(ShutdownProvider provider, String protocol) throws Exception {
        // Longer than SHORT: on a loaded machine a scheduling stall of a few hundred milliseconds
        // between two echoes is real idleness as far as the deadline can tell (seen at load 6-10).
        Duration idle = Duration.ofSeconds(1);
        try (EchoServer s = Fixtures.start(Fixtures.config(provider)
                .withPolicy(ConnectionPolicy.DEFAULT.withIdleReadTimeout(idle)))) {
            TlsSocketConnection busy = connect(Fixtures.client(provider, protocol), s);
            long until = System.nanoTime() + 3 * idle.toNanos();
            for (int i = 0; i < 100_000 && System.nanoTime() < until; i++) {
                echo(busy, Fixtures.random(i, 10_000));
            }
            Fixtures.closeCleanly(busy);
            ServerStats stats = Fixtures.awaitIdle(s);
            assertEquals(0, stats.deadlines(Deadline.IDLE), stats.summary());
            assertEquals(1, stats.closes(CloseReason.CLEAN), stats.summary());
        }
    }

    /**
     * A client that writes and never reads: the echo fills the socket buffers and the echo buffer,
     * the server stops reading (so it holds no more than that), its writer blocks, no byte moves,
     * and the idle deadline closes the socket under the blocked write.
     */
    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("dev.closenotify.server.Fixtures#servers")
    void theIdleDeadlineEndsABlockedWrite(ShutdownProvider provider, String protocol) throws Exception {
        int echoBuffer = 64 * 1024;
        try (EchoServer s = Fixtures.start(Fixtures.config(provider).withEchoBufferSize(echoBuffer)
                .withPolicy(ConnectionPolicy.DEFAULT.withIdleReadTimeout(Duration.ofMillis(500))))) {
            TlsSocketConnection flooding = Fixtures.client(provider, protocol).open(smallReceiveBuffer(s));
            long flood = 64L * MiB;
            CompletableFuture<Void> writer = Peer.run(() -> {
                byte[] chunk = new byte[64 * 1024];
                for (long sent = 0; sent < flood; sent += chunk.length) {
                    flooding.write(chunk, 0, chunk.length);
                }
            });
            ServerStats stats = Fixtures.awaitStats(s, st -> st.deadlines(Deadline.IDLE) == 1 && st.active() == 0);
            assertEquals(1, stats.closes(CloseReason.TIMEOUT), stats.summary());
            // Held by the server: the echo buffer and its socket's send buffer; the rest waits in the client.
            assertTrue(stats.bytesEchoed() < flood / 4, "backpressure: " + stats.summary());
            assertThrows(Exception.class, writer::get, "the client's write fails once the server closed");
            flooding.close();
        }
    }

    /**
     * The client writes several MiB, sends its close_notify and reads nothing: the server has read
     * it all, answers with close_notify behind the echo, and cannot write it out; the close-flush
     * deadline closes the socket under the blocked write.
     */
    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("dev.closenotify.server.Fixtures#servers")
    void theCloseFlushDeadline(ShutdownProvider provider, String protocol) throws Exception {
        // More echo than the server's socket may buffer (tcp_wmem's maximum), less than its echo buffer.
        int echo = maxSendBuffer() + 2 * MiB;
        try (EchoServer s = Fixtures.start(Fixtures.config(provider).withEchoBufferSize(echo + 4 * MiB)
                .withPolicy(ConnectionPolicy.DEFAULT.withCloseFlushTimeout(SHORT)))) {
            TlsSocketConnection c = Fixtures.client(provider, protocol).open(smallReceiveBuffer(s));
            byte[] data = new byte[echo];
            c.write(data, 0, data.length);
            assertEquals(ShutdownResult.SENT, c.shutdown());

            ServerStats stats = Fixtures.awaitStats(s, st -> st.deadlines(Deadline.CLOSE_FLUSH) == 1 && st.active() == 0);
            assertEquals(1, stats.closes(CloseReason.TIMEOUT), stats.summary());
            assertEquals(echo, stats.bytesEchoed(), "the server read everything before the close_notify: "
                    + stats.summary());
            c.close();
        }
    }

    /** A socket whose receive buffer is small and fixed (set before connecting: no autotuning). */
    private static Socket smallReceiveBuffer(EchoServer s) throws IOException {
        Socket socket = new Socket();
        socket.setReceiveBufferSize(16 * 1024);
        socket.connect(s.address(), 5_000);
        return socket;
    }

    /** Linux's tcp_wmem maximum, the most a socket's send buffer grows to; 4 MiB elsewhere. */
    private static int maxSendBuffer() throws IOException {
        Path wmem = Path.of("/proc/sys/net/ipv4/tcp_wmem");
        if (Files.isReadable(wmem)) {
            // Read by line: /proc files report a size of 0, which Files.readString trusts.
            try (BufferedReader reader = Files.newBufferedReader(wmem)) {
                String[] fields = reader.readLine().trim().split("\\s+");
                return Integer.parseInt(fields[fields.length - 1]);
            }
        }
        return 4 * MiB;
    }
}

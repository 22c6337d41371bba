package dev.closenotify.server;

import static dev.closenotify.server.Fixtures.closeCleanly;
import static dev.closenotify.server.Fixtures.connect;
import static dev.closenotify.server.Fixtures.echo;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.closenotify.spi.CloseReason;
import dev.closenotify.spi.ShutdownProvider;
import dev.closenotify.spi.TlsSocketConnection;
import dev.closenotify.tck.support.Peer;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Issue 7: while no writer runs, the reader writes the echo itself, without blocking; only what
 * the socket does not take at once goes to the writer thread. DeadlineTest pins that a peer that
 * does not read still cannot block the reader.
 */
@Timeout(value = 30, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class InlineWriteTest {

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("dev.closenotify.server.Fixtures#servers")
    void echoesTheSocketTakesAtOnceStartNoWriter(ShutdownProvider provider, String protocol) throws Exception {
        try (EchoServer s = Fixtures.start(Fixtures.config(provider))) {
            TlsSocketConnection c = connect(Fixtures.client(provider, protocol), s);
            echo(c, Fixtures.random(0, 64));
            await().atMost(Fixtures.WAIT).until(() -> s.liveConnections().size() == 1);
            EchoConnection server = s.liveConnections().get(0);
            for (int i = 1; i <= 50; i++) {
                echo(c, Fixtures.random(i, 1 + i * 300)); // up to about 15 KB: one round trip each
            }
            closeCleanly(c);
            ServerStats stats = Fixtures.awaitIdle(s);
            assertEquals(1, stats.closes(CloseReason.CLEAN), "closed cleanly: " + stats);
            assertEquals(0, server.writersStarted(),
                    "the handshake, 51 echoes and the close_notify were written by the reader");
        }
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("dev.closenotify.server.Fixtures#servers")
    void whatTheSocketDoesNotTakeGoesToTheWriter(ShutdownProvider provider, String protocol) throws Exception {
        try (EchoServer s = Fixtures.start(Fixtures.config(provider))) {
            TlsSocketConnection c = connect(Fixtures.client(provider, protocol), s);
            echo(c, Fixtures.random(0, 64));
            await().atMost(Fixtures.WAIT).until(() -> s.liveConnections().size() == 1);
            EchoConnection server = s.liveConnections().get(0);
            // More than the socket buffers on both sides hold, and the client reads only once the
            // server's socket is full: the rest is the writer's.
            byte[] data = Fixtures.random(7, 24 * 1024 * 1024);
            CompletableFuture<Void> sent = Peer.run(() -> c.write(data, 0, data.length));
            await().atMost(Fixtures.WAIT).alias("a writer thread for what the socket did not take")
                    .until(() -> server.writersStarted() > 0);
            assertArrayEquals(data, Fixtures.readFully(c, data.length), "the echo, in order");
            sent.get();
            await().atMost(Fixtures.WAIT).alias("the writer ended once all was written")
                    .until(() -> !server.writerRunning());
            echo(c, Fixtures.random(8, 1000)); // and the reader writes again afterwards, in order
            closeCleanly(c);
            ServerStats stats = Fixtures.awaitIdle(s);
            assertEquals(1, stats.closes(CloseReason.CLEAN), "closed cleanly: " + stats);
        }
    }
}

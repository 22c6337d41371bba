package dev.closenotify.server;

import static dev.closenotify.server.Fixtures.awaitIdle;
import static dev.closenotify.server.Fixtures.closeCleanly;
import static dev.closenotify.server.Fixtures.connect;
import static dev.closenotify.server.Fixtures.echo;
import static dev.closenotify.server.Fixtures.readFully;
import static dev.closenotify.server.Fixtures.readToEnd;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.closenotify.spi.CloseReason;
import dev.closenotify.spi.ShutdownFlag;
import dev.closenotify.spi.ShutdownProvider;
import dev.closenotify.spi.ShutdownResult;
import dev.closenotify.spi.TlsContext;
import dev.closenotify.spi.TlsSocketConnection;
import dev.closenotify.tck.support.Peer;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Echo integrity and the clean close, for every server provider × client provider × protocol:
 * every byte comes back in order whatever the sizes, a client may write 1 MiB before it reads, and
 * the client's close_notify is answered with the server's after the last echoed byte.
 */
@Timeout(value = 30, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class EchoTest {
    private static final int MiB = 1 << 20;

    @ParameterizedTest(name = "{0} {1} {2}")
    @MethodSource("dev.closenotify.server.Fixtures#matrix")
    void randomSizesComeBackIntact(ShutdownProvider server, ShutdownProvider client, String protocol) throws Exception {
        try (EchoServer s = Fixtures.start(Fixtures.config(server))) {
            TlsSocketConnection c = connect(Fixtures.client(client, protocol), s);
            // Sizes around the record size, and several MiB; written in random slices while the echo is read.
            int[] sizes = {1, 2, 100, 16_383, 16_384, 16_385, 65_537, 300_000, MiB, 3 * MiB + 7};
            long total = 0;
            for (int size : sizes) {
                total += size;
            }
            Random random = new Random(42);
            MessageDigest sent = Fixtures.sha256();
            CompletableFuture<Void> writer = Peer.run(() -> {
                for (int i = 0; i < sizes.length; i++) {
                    byte[] message = Fixtures.random(i, sizes[i]);
                    sent.update(message);
                    int off = 0;
                    while (off < message.length) {
                        int n = Math.min(message.length - off, 1 + random.nextInt(40_000));
                        c.write(message, off, n);
                        off += n;
                    }
                }
            });
            MessageDigest received = Fixtures.sha256();
            byte[] buffer = new byte[20_000];
            long got = 0;
            try {
                while (got < total) {
                    int n = c.read(buffer, 0, (int) Math.min(buffer.length, total - got));
                    assertTrue(n > 0, "end-of-stream after " + got + " of " + total + " bytes");
                    received.update(buffer, 0, n);
                    got += n;
                }
                writer.get();
            } catch (Throwable t) {
                Peer.suppressInto(t, writer);
                throw t;
            }
            assertArrayEquals(sent.digest(), received.digest(), "SHA-256 of " + total + " bytes sent and echoed");
            closeCleanly(c);

            ServerStats stats = awaitIdle(s);
            assertEquals(total, stats.bytesEchoed(), stats.summary());
            assertEquals(1, stats.closes(CloseReason.CLEAN), stats.summary());
        }
    }

    @ParameterizedTest(name = "{0} {1} {2}")
    @MethodSource("dev.closenotify.server.Fixtures#matrix")
    void aClientWrites1MiBBeforeItReadsAnything(ShutdownProvider server, ShutdownProvider client, String protocol)
            throws Exception {
        try (EchoServer s = Fixtures.start(Fixtures.config(server))) {
            TlsSocketConnection c = connect(Fixtures.client(client, protocol), s);
            byte[] data = Fixtures.random(7, MiB);
            c.write(data, 0, data.length); // one thread: nothing is read until all is written
            assertArrayEquals(data, readFully(c, data.length), "the echo of 1 MiB written before reading");
            closeCleanly(c);
            assertEquals(1, awaitIdle(s).closes(CloseReason.CLEAN));
        }
    }

    /**
     * The client closes right after writing, without reading: the server still echoes everything it
     * received before the client's close_notify (encrypted before it decrypted that close_notify,
     * which matters on TLS 1.2), then answers with its own.
     */
    @ParameterizedTest(name = "{0} {1} {2}")
    @MethodSource("dev.closenotify.server.Fixtures#matrix")
    void theCloseNotifyIsAnsweredAfterTheLastEchoedByte(ShutdownProvider server, ShutdownProvider client,
                                                        String protocol) throws Exception {
        try (EchoServer s = Fixtures.start(Fixtures.config(server))) {
            TlsSocketConnection c = connect(Fixtures.client(client, protocol), s);
            byte[] data = Fixtures.random(3, 200_000);
            c.write(data, 0, data.length);
            if (Fixtures.readsAfterSent(c)) {
                assertEquals(ShutdownResult.SENT, c.shutdown());
                assertArrayEquals(data, readToEnd(c), "everything echoed before the server's close_notify");
                assertTrue(c.flags().contains(ShutdownFlag.RECEIVED), "the server answered with close_notify");
                assertEquals(ShutdownResult.COMPLETE, c.shutdown());
                c.close();
                assertEquals(CloseReason.CLEAN, c.outcome().orElseThrow().reason());
            } else {
                // The client cannot decrypt after its close_notify: the echo and the server's close_notify
                // arrive as TLS records, and the server's counts below say what it echoed.
                closeCleanly(c);
            }

            ServerStats stats = awaitIdle(s);
            assertEquals(1, stats.closes(CloseReason.CLEAN), stats.summary());
            assertEquals(data.length, stats.bytesEchoed(), stats.summary());
        }
    }

    @ParameterizedTest(name = "{0} {1} {2}")
    @MethodSource("dev.closenotify.server.Fixtures#matrix")
    void concurrentConnectionsStayApart(ShutdownProvider server, ShutdownProvider client, String protocol)
            throws Exception {
        int clients = 12;
        try (EchoServer s = Fixtures.start(Fixtures.config(server))) {
            TlsContext ctx = Fixtures.client(client, protocol);
            List<CompletableFuture<Void>> all = new ArrayList<>();
            for (int i = 0; i < clients; i++) {
                int seed = i;
                all.add(Peer.run(() -> {
                    TlsSocketConnection c = connect(ctx, s);
                    for (int round = 0; round < 4; round++) {
                        echo(c, Fixtures.random(seed * 10L + round, 1 + new Random(seed).nextInt(100_000)));
                    }
                    closeCleanly(c);
                }));
            }
            CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).get();
            ServerStats stats = awaitIdle(s);
            assertEquals(clients, stats.accepted(), stats.summary());
            assertEquals(clients, stats.closes(CloseReason.CLEAN), stats.summary());
        }
    }
}

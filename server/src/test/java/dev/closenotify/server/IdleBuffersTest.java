package dev.closenotify.server;

import static dev.closenotify.server.Fixtures.closeCleanly;
import static dev.closenotify.server.Fixtures.connect;
import static dev.closenotify.server.Fixtures.echo;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.closenotify.spi.CloseReason;
import dev.closenotify.spi.ShutdownProvider;
import dev.closenotify.spi.TlsSocketConnection;
import java.util.List;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Issue 7: a connection that waits for its peer holds only its small buffers and its reader's
 * thread; the large set is taken when bytes arrive and given back before the next wait, and the
 * writer thread runs only while there is output, without losing or reordering a byte.
 */
@Timeout(value = 30, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class IdleBuffersTest {

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("dev.closenotify.server.Fixtures#servers")
    void aWaitingConnectionHoldsOnlyItsSmallBuffers(ShutdownProvider provider, String protocol) throws Exception {
        // The large sets are of the kind the stack asks for: direct for Conscrypt, heap for the others.
        boolean direct = provider.name().equals("conscrypt");
        BufferSets pool = direct ? EchoConnection.DIRECT_SETS : EchoConnection.HEAP_SETS;
        try (EchoServer s = Fixtures.start(Fixtures.config(provider))) {
            TlsSocketConnection c = connect(Fixtures.client(provider, protocol), s);
            echo(c, Fixtures.random(1, 100));
            EchoConnection server = only(s);
            assertEquals(direct, Fixtures.client(provider, protocol).prefersDirectBuffers(),
                    provider.name() + " prefersDirectBuffers");
            assertSame(pool, server.sets(), "the pool");
            await().atMost(Fixtures.WAIT).alias("the large set given back after the handshake and an echo")
                    .until(() -> !server.holdsLargeBuffers());
            await().atMost(Fixtures.WAIT).alias("the writer ended once all was written")
                    .until(() -> !server.writerRunning());

            // Several records at once, and a size that ends mid-record: all comes back, then it waits small again.
            for (int size : new int[] {16_384, 3 * 16_384 + 5, 200_000}) {
                echo(c, Fixtures.random(size, size));
                await().atMost(Fixtures.WAIT).alias("the large set given back after " + size + " bytes")
                        .until(() -> !server.holdsLargeBuffers());
                await().atMost(Fixtures.WAIT).alias("the writer ended after " + size + " bytes")
                        .until(() -> !server.writerRunning());
            }
            closeCleanly(c);
            ServerStats stats = Fixtures.awaitIdle(s);
            assertEquals(1, stats.closes(CloseReason.CLEAN), "closed cleanly: " + stats);
        }
        assertTrue(pool.idle() > 0, "sets come back to the pool");
    }

    private static EchoConnection only(EchoServer s) {
        await().atMost(Fixtures.WAIT).until(() -> s.liveConnections().size() == 1);
        List<EchoConnection> live = s.liveConnections();
        assertFalse(live.isEmpty());
        return live.get(0);
    }
}

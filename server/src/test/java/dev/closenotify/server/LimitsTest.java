package dev.closenotify.server;

import static dev.closenotify.server.Fixtures.awaitIdle;
import static dev.closenotify.server.Fixtures.closeCleanly;
import static dev.closenotify.server.Fixtures.connect;
import static dev.closenotify.server.Fixtures.echo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.closenotify.spi.CloseReason;
import dev.closenotify.spi.ShutdownProvider;
import dev.closenotify.spi.TlsContext;
import dev.closenotify.spi.TlsException;
import dev.closenotify.spi.TlsSocketConnection;
import dev.closenotify.tck.support.Peer;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The connection cap, and misbehaving connections that must not touch the others or the listener. */
@Timeout(value = 30, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class LimitsTest {
    private static final byte[] PING = "ping".getBytes(StandardCharsets.US_ASCII);

    @ParameterizedTest(name = "{0} {1} {2}")
    @MethodSource("dev.closenotify.server.Fixtures#star")
    void connectionsOverTheCapAreRefusedCleanlyAndCounted(ShutdownProvider server, ShutdownProvider client,
                                                           String protocol) throws Exception {
        try (EchoServer s = Fixtures.start(Fixtures.config(server).withMaxConnections(2))) {
            TlsContext ctx = Fixtures.client(client, protocol);
            TlsSocketConnection a = connect(ctx, s);
            TlsSocketConnection b = connect(ctx, s);
            echo(a, PING);
            echo(b, PING);

            TlsException refused = assertThrows(TlsException.class, () -> connect(ctx, s));
            assertEquals(TlsException.Kind.PROTOCOL, refused.kind(), refused.toString());
            assertEquals("internal_error", refused.alert().orElse("?"),
                    "refused with a TLS alert, not a bare reset: " + refused);
            assertEquals(1, s.stats().refused(), s.stats().summary());

            echo(a, PING); // the open connections go on
            closeCleanly(a);
            Fixtures.awaitStats(s, st -> st.active() == 1);
            TlsSocketConnection c = connect(ctx, s); // a slot is free again
            echo(c, PING);
            closeCleanly(c);
            closeCleanly(b);

            ServerStats stats = awaitIdle(s);
            assertEquals(3, stats.accepted(), stats.summary());
            assertEquals(1, stats.refused(), stats.summary());
            assertEquals(3, stats.closes(CloseReason.CLEAN), stats.summary());
        }
    }

    /**
     * Garbage instead of a ClientHello, a client that dies in the middle of its handshake, one that
     * resets in the middle of a transfer: each fails alone, while a good client echoes throughout and
     * the listener goes on accepting.
     */
    @ParameterizedTest(name = "{0} {1} {2}")
    @MethodSource("dev.closenotify.server.Fixtures#star")
    void aMisbehavingConnectionAffectsNoOther(ShutdownProvider server, ShutdownProvider client, String protocol)
            throws Exception {
        try (EchoServer s = Fixtures.start(Fixtures.config(server))) {
            TlsContext ctx = Fixtures.client(client, protocol);
            TlsSocketConnection good = connect(ctx, s);
            echo(good, PING);

            try (Socket garbage = Fixtures.socket(s)) {
                OutputStream out = garbage.getOutputStream();
                out.write("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                out.flush();
                // The server answers with an alert and closes: read to the end.
                garbage.getInputStream().readAllBytes();
            }
            echo(good, PING);

            try (Socket halfHandshake = Fixtures.socket(s)) {
                halfHandshake.getOutputStream().write(new byte[] {22, 3, 1, 0, (byte) 200, 1, 0}); // a ClientHello's start
                halfHandshake.getOutputStream().flush();
            }
            echo(good, PING);

            TlsSocketConnection resetting = connect(ctx, s);
            CompletableFuture<Void> flood = Peer.run(() -> {
                byte[] chunk = new byte[32 * 1024];
                for (int i = 0; i < 64; i++) {
                    resetting.write(chunk, 0, chunk.length);
                }
            });
            Fixtures.awaitStats(s, st -> st.bytesEchoed() > 64 * 1024);
            resetting.close(); // closed with unread echo: the server sees a reset
            flood.handle((ok, failure) -> null).get();
            echo(good, Fixtures.random(1, 300_000));

            ServerStats stats = Fixtures.awaitStats(s, st -> st.active() == 1);
            assertEquals(2, stats.failedHandshakes(), stats.summary());
            assertEquals(1, stats.closes(CloseReason.FATAL_ALERT), "the garbage: " + stats.summary());
            // The half handshake is TRUNCATED; the client gone mid-transfer RESET (or TRUNCATED, when its
            // FIN arrives before the reset).
            assertEquals(2, stats.closes(CloseReason.TRUNCATED) + stats.closes(CloseReason.RESET), stats.summary());

            TlsSocketConnection late = connect(ctx, s); // the listener is still there
            echo(late, PING);
            closeCleanly(late);
            closeCleanly(good);
            assertEquals(2, awaitIdle(s).closes(CloseReason.CLEAN));
        }
    }
}

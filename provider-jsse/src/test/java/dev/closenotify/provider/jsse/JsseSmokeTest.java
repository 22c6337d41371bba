package dev.closenotify.provider.jsse;

import static org.junit.jupiter.api.Assertions.*;

import dev.closenotify.core.testing.ContextPair;
import dev.closenotify.core.testing.Peer;
import dev.closenotify.core.testing.SocketPair;
import dev.closenotify.spi.*;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

@Timeout(30)
class JsseSmokeTest {
    @ParameterizedTest
    @ValueSource(strings = {"TLSv1.3", "TLSv1.2"})
    void roundTripAndClose(String protocol) throws Exception {
        ContextPair ctx = ContextPair.of(new JsseShutdownProvider(), protocol);
        for (int i = 0; i < 2; i++) {
            try (SocketPair p = ctx.sockets().handshake()) {
                p.client().write("hello".getBytes(StandardCharsets.UTF_8), 0, 5);
                byte[] buf = new byte[10];
                assertEquals(5, p.server().read(buf, 0, 10));
                assertEquals(ShutdownResult.SENT, p.client().shutdown());
                assertEquals(-1, p.server().read(buf, 0, 10));
                CompletableFuture<ShutdownResult> s = Peer.call(() -> p.server().shutdown());
                assertEquals(ShutdownResult.COMPLETE, p.client().shutdown());
                assertEquals(ShutdownResult.COMPLETE, s.get(5, TimeUnit.SECONDS));
                assertEquals(i == 1, p.client().session().orElseThrow().resumed());
                assertEquals(i == 1, p.server().session().orElseThrow().resumed());
            }
        }
    }
}

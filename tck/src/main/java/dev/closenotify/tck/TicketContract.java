package dev.closenotify.tck;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.closenotify.tck.support.ContextPair;
import dev.closenotify.tck.support.Peer;
import dev.closenotify.tck.support.SocketPair;
import dev.closenotify.spi.Capability;
import dev.closenotify.spi.ShutdownProvider;
import dev.closenotify.spi.ShutdownResult;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * SEMANTICS.md §4, TLS 1.3 tickets: a client never offers the same ticket twice, and when its
 * tickets are used up the next handshake is full. Judged by the handshake on both sides.
 */
@Timeout(60)
public abstract class TicketContract {

    /** The provider under test. */
    protected abstract ShutdownProvider provider();

    @Test
    @DisplayName("§4 TLS 1.3: a ticket is offered once; used up, the next handshake is full")
    void ticketIsNeverOfferedTwice() throws Exception {
        boolean resumes = provider().supports(Capability.RESUMPTION_TLS13);
        List<Boolean> resumed = new ArrayList<>();
        try (ContextPair ctx = ContextPair.of(provider(), "TLSv1.3")) {
            // Even connections close both ways (the client reads the server's new ticket on the
            // way to the server's close_notify); odd ones resume, then close one way without
            // reading, so their new ticket is never processed and the used one must not return.
            for (int i = 0; i < 5; i++) {
                try (SocketPair p = ctx.sockets().handshake()) {
                    resumed.add(p.client().session().orElseThrow().resumed());
                    assertEquals(resumed.get(i), p.server().session().orElseThrow().resumed(),
                            "client and server disagree on resumption of connection " + i);
                    p.client().write(new byte[] {1}, 0, 1);
                    assertEquals(1, p.server().read(new byte[1], 0, 1));
                    assertEquals(ShutdownResult.SENT, p.client().shutdown());
                    if (i % 2 == 0) {
                        CompletableFuture<ShutdownResult> server = Peer.call(() -> {
                            assertEquals(-1, p.server().read(new byte[8], 0, 8));
                            return p.server().shutdown();
                        });
                        if (provider().supports(Capability.READ_AFTER_SENT)) {
                            assertEquals(ShutdownResult.COMPLETE, p.client().shutdown());
                        } else {
                            GapAssertions.assertReadAfterShutdown(p.client(), p.client()::shutdown,
                                    "shutdown() after SENT");
                        }
                        assertEquals(ShutdownResult.COMPLETE, server.get(10, TimeUnit.SECONDS));
                    }
                }
            }
        }
        List<Boolean> expected = resumes ? List.of(false, true, false, true, false)
                : List.of(false, false, false, false, false);
        assertEquals(expected, resumed, "resumed() of connections 0..4");
    }
}

package dev.closenotify.tck;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.closenotify.spi.Capability;
import dev.closenotify.spi.ConnectionPolicy;
import dev.closenotify.spi.ShutdownProvider;
import dev.closenotify.spi.ShutdownResult;
import dev.closenotify.tck.support.ContextPair;
import dev.closenotify.tck.support.FaultyProxy;
import dev.closenotify.tck.support.Peer;
import dev.closenotify.tck.support.SocketPair;
import dev.closenotify.tck.support.TlsRecords;
import java.io.ByteArrayOutputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * SEMANTICS.md §4, TLS 1.3 tickets: a client never offers the same ticket twice, and when its
 * tickets are used up the next handshake is full. Judged on the wire (the ticket identities in each
 * ClientHello's {@code pre_shared_key}) and by the handshake on both sides.
 */
@Timeout(60)
public abstract class TicketContract {
    /** More resumptions than any stack issues tickets per connection (JSSE 1, BoringSSL 2). */
    private static final int MAX_CONNECTIONS = 10;
    private static final int EXT_PRE_SHARED_KEY = 41;

    /** The provider under test. */
    protected abstract ShutdownProvider provider();

    @Test
    @DisplayName("§4 TLS 1.3: a ticket is offered once; used up, the next handshake is full")
    @GapAware(Capability.RESUMPTION_TLS13)
    @GapAware(Capability.READ_AFTER_SENT)
    void ticketIsNeverOfferedTwice() throws Exception {
        boolean resumes = provider().supports(Capability.RESUMPTION_TLS13);
        List<Boolean> resumed = new ArrayList<>();
        Set<String> offered = new LinkedHashSet<>();
        try (ContextPair ctx = ContextPair.of(provider(), "TLSv1.3");
             FaultyProxy proxy = FaultyProxy.start(ctx.address())) {
            // Connection 0 is full; its client reads the server's answer, and so the tickets sent
            // before it, then closes both ways. Every later connection closes one way without
            // reading: it gets no new ticket, so each must use a ticket not offered before, until
            // none is left and a handshake is full.
            for (int i = 0; i < MAX_CONNECTIONS; i++) {
                try (SocketPair p = ctx.sockets(proxy.address(), ConnectionPolicy.DEFAULT, ConnectionPolicy.DEFAULT)
                        .handshake()) {
                    boolean r = p.client().session().orElseThrow().resumed();
                    resumed.add(r);
                    assertEquals(r, p.server().session().orElseThrow().resumed(),
                            "client and server disagree on resumption of connection " + i);
                    List<String> identities = pskIdentities(
                            proxy.awaitConnection(i, Duration.ofSeconds(10)).clientToServer());
                    for (String id : identities) {
                        assertTrue(offered.add(id), "connection " + i + " offered ticket " + id
                                + " again; offered before: " + offered);
                    }
                    if (r) {
                        assertFalse(identities.isEmpty(), "connection " + i + " resumed without offering a ticket");
                    }
                    p.client().write(new byte[] {1}, 0, 1);
                    assertEquals(1, p.server().read(new byte[1], 0, 1));
                    if (i == 0) {
                        p.server().write(new byte[] {2}, 0, 1);
                        assertEquals(1, p.client().read(new byte[1], 0, 1));
                    }
                    assertEquals(ShutdownResult.SENT, p.client().shutdown());
                    if (i == 0) {
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
                    if (i > 0 && !r) {
                        break;
                    }
                }
            }
        }
        assertFalse(resumed.get(0), "connection 0 is a full handshake");
        if (!resumes) {
            assertEquals(List.of(false, false), resumed, "declared gap RESUMPTION_TLS13: no TLS 1.3 resumption");
            return;
        }
        assertTrue(resumed.size() >= 3 && resumed.get(1), "connection 1 resumes with a ticket of connection 0,"
                + " and a later one is full once the tickets are used up: " + resumed);
        assertFalse(resumed.getLast(), "the tickets were never used up in " + MAX_CONNECTIONS + " connections,"
                + " so some ticket was offered again: " + resumed);
    }

    /** The ticket identities in the client's first ClientHello (its {@code pre_shared_key}), in hex. */
    static List<String> pskIdentities(byte[] clientBytes) {
        ByteArrayOutputStream hs = new ByteArrayOutputStream();
        TlsRecords.Parsed parsed = TlsRecords.parse(clientBytes);
        for (TlsRecords.TlsRecord rec : parsed.records()) {
            if (rec.contentType() != TlsRecords.HANDSHAKE) {
                break;
            }
            hs.write(clientBytes, rec.offset() + TlsRecords.HEADER_LENGTH, rec.length());
        }
        byte[] b = hs.toByteArray();
        List<String> ids = new ArrayList<>();
        if (b.length < 4 || b[0] != 1) {
            return ids; // not a ClientHello
        }
        int end = Math.min(b.length, 4 + u24(b, 1));
        int p = 4 + 2 + 32; // version, random
        p += 1 + (b[p] & 0xff); // session id
        p += 2 + u16(b, p); // cipher suites
        p += 1 + (b[p] & 0xff); // compression methods
        int extEnd = Math.min(end, p + 2 + u16(b, p));
        p += 2;
        while (p + 4 <= extEnd) {
            int type = u16(b, p);
            int len = u16(b, p + 2);
            if (type == EXT_PRE_SHARED_KEY) {
                int q = p + 4;
                int idsEnd = q + 2 + u16(b, q);
                q += 2;
                while (q + 2 <= idsEnd) {
                    int idLen = u16(b, q);
                    ids.add(HexFormat.of().formatHex(b, q + 2, q + 2 + idLen));
                    q += 2 + idLen + 4; // identity, obfuscated_ticket_age
                }
            }
            p += 4 + len;
        }
        return ids;
    }

    private static int u16(byte[] b, int p) {
        return ((b[p] & 0xff) << 8) | (b[p + 1] & 0xff);
    }

    private static int u24(byte[] b, int p) {
        return ((b[p] & 0xff) << 16) | u16(b, p + 1);
    }
}

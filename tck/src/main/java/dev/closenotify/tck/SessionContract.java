package dev.closenotify.tck;

import static dev.closenotify.tck.Sockets.readExactly;
import static dev.closenotify.tck.Sockets.readToEnd;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.closenotify.tck.support.BufferPipe;
import dev.closenotify.tck.support.ContextPair;
import dev.closenotify.tck.support.Cut;
import dev.closenotify.tck.support.Direction;
import dev.closenotify.tck.support.FaultyProxy;
import dev.closenotify.tck.support.Peer;
import dev.closenotify.tck.support.SocketPair;
import dev.closenotify.tck.support.TlsRecords;
import dev.closenotify.spi.Capability;
import dev.closenotify.spi.CloseOutcome;
import dev.closenotify.spi.CloseReason;
import dev.closenotify.spi.ConnectionPolicy;
import dev.closenotify.spi.SessionFacts;
import dev.closenotify.spi.ShutdownFlag;
import dev.closenotify.spi.ShutdownProvider;
import dev.closenotify.spi.ShutdownResult;
import dev.closenotify.spi.TlsBufferConnection;
import dev.closenotify.spi.TlsConnection;
import dev.closenotify.spi.TlsException;
import dev.closenotify.spi.TlsException.Kind;
import dev.closenotify.spi.TlsSocketConnection;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Timeout;

/**
 * The session rule (SEMANTICS.md §4) on real loopback sockets through a {@link FaultyProxy}, and on
 * buffer pairs where the non-blocking transport adds something: a session stays resumable only when
 * its connection ended with SENT set and no fatal error.
 *
 * <p>Every test uses a fresh {@link ContextPair} (its own session caches): the first connection is
 * a full handshake, ends the way the rule is about, and the next connection's handshake shows
 * whether the session was kept. Resumption is judged by {@code session().resumed()} on both sides,
 * which the contract derives from the handshake itself, never by {@code SSLSession.isValid()}. In
 * TLS 1.3 the client first reads something from the server, so that it has processed the server's
 * NewSessionTicket and a dropped session is really dropped, not just never received.
 *
 * <p>A provider with the {@code RESUMPTION_TLS13} gap must never resume in TLS 1.3; one with the
 * {@code READ_AFTER_SENT} gap cannot wait for the peer's close_notify after its own, so the
 * first-to-close side ends with SENT only (still resumable by the rule).
 */
// A separate thread, so that a provider that spins instead of blocking still fails in time.
@Timeout(value = 30, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
public abstract class SessionContract {

    /** The provider under test. */
    protected abstract ShutdownProvider provider();

    private static final byte[] PING = "ping".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] PONG = "pong".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] HELLO = "hello, closenotify".getBytes(StandardCharsets.US_ASCII);
    private static final Duration WAIT = Duration.ofSeconds(10);

    private final List<AutoCloseable> resources = new ArrayList<>();

    @AfterEach
    void closeResources() throws Exception {
        Collections.reverse(resources);
        for (AutoCloseable r : resources) {
            r.close();
        }
    }

    private ContextPair contexts(String protocol) {
        ContextPair ctx = ContextPair.of(provider(), protocol);
        resources.add(ctx);
        return ctx;
    }

    private FaultyProxy proxy(ContextPair ctx) throws IOException {
        FaultyProxy proxy = FaultyProxy.start(ctx.address());
        resources.add(proxy);
        return proxy;
    }

    /** Whether a kept session resumes in {@code protocol} on this provider. */
    private boolean resumes(String protocol) {
        return protocol.equals("TLSv1.2") || provider().supports(Capability.RESUMPTION_TLS13);
    }

    private boolean readsAfterSent() {
        return provider().supports(Capability.READ_AFTER_SENT);
    }

    // ------------------------------------------------------------------ sockets: what keeps a session

    @EachProtocol
    @DisplayName("§4 clean bidirectional close: the session is kept, the next connection resumes (both sides)")
    @GapAware(Capability.READ_AFTER_SENT)
    @GapAware(Capability.RESUMPTION_TLS13)
    void cleanCloseKeepsTheSession(String protocol) throws Exception {
        ContextPair ctx = contexts(protocol);
        FaultyProxy proxy = proxy(ctx);
        try (SocketPair p = first(ctx, proxy, ConnectionPolicy.DEFAULT, ConnectionPolicy.DEFAULT)) {
            exchange(p);
            assertEquals(ShutdownResult.SENT, p.client().shutdown());
            CompletableFuture<ShutdownResult> server = Peer.call(() -> {
                assertArrayEquals(new byte[0], readToEnd(p.server()));
                return p.server().shutdown();
            });
            if (readsAfterSent()) {
                assertEquals(ShutdownResult.COMPLETE, p.client().shutdown());
                assertEquals(CloseReason.CLEAN, p.client().outcome().orElseThrow().reason());
            } else {
                GapAssertions.assertReadAfterShutdown(p.client(), p.client()::shutdown, "shutdown() after SENT");
            }
            assertEquals(ShutdownResult.COMPLETE, await(server));
            assertEquals(CloseReason.CLEAN, p.server().outcome().orElseThrow().reason());
            p.close();
            assertKept(true, p.client(), p.server());
        }
        assertNextHandshake(ctx, proxy, resumes(protocol), "after a clean close");
    }

    @EachProtocol
    @DisplayName("§4 one-way close (client shutdown() = SENT, then close()): the session is kept, the next"
            + " connection resumes")
    @GapAware(Capability.RESUMPTION_TLS13)
    void oneWayCloseKeepsTheSession(String protocol) throws Exception {
        ContextPair ctx = contexts(protocol);
        FaultyProxy proxy = proxy(ctx);
        try (SocketPair p = first(ctx, proxy, ConnectionPolicy.DEFAULT, ConnectionPolicy.DEFAULT)) {
            exchange(p);
            assertEquals(ShutdownResult.SENT, p.client().shutdown());
            p.client().close();
            CloseOutcome c = p.client().outcome().orElseThrow();
            assertEquals(CloseReason.SENT_ONLY, c.reason());
            assertEquals(Set.of(ShutdownFlag.SENT), c.flags());
            assertArrayEquals(new byte[0], readToEnd(p.server()));
            assertEquals(ShutdownResult.COMPLETE, p.server().shutdown());
            p.close();
            assertKept(true, p.client(), p.server());
        }
        assertNextHandshake(ctx, proxy, resumes(protocol), "after a one-way close");
    }

    @EachProtocol
    @DisplayName("§4 quiet shutdown on both sides: COMPLETE, reason QUIET, nothing on the wire; the session is"
            + " kept, the next connection resumes")
    @GapAware(Capability.RESUMPTION_TLS13)
    void quietShutdownKeepsTheSession(String protocol) throws Exception {
        ContextPair ctx = contexts(protocol);
        FaultyProxy proxy = proxy(ctx);
        ConnectionPolicy quiet = ConnectionPolicy.DEFAULT.withQuietShutdown(true);
        try (SocketPair p = first(ctx, proxy, quiet, quiet)) {
            exchange(p);
            FaultyProxy.Connection wire = proxy.awaitConnection(0, WAIT);
            int up = wire.clientToServer().length;
            int down = wire.serverToClient().length;
            for (TlsSocketConnection conn : List.of(p.client(), p.server())) {
                assertEquals(ShutdownResult.COMPLETE, conn.shutdown(), conn + ": §2.7 quiet shutdown completes at once");
                assertEquals(Set.of(ShutdownFlag.SENT, ShutdownFlag.RECEIVED), conn.flags());
                assertEquals(CloseReason.QUIET, conn.outcome().orElseThrow().reason());
            }
            p.close();
            awaitBothEnds(proxy, wire);
            assertEquals(up, wire.clientToServer().length, "§2.7 quiet shutdown sends nothing (client)");
            assertEquals(down, wire.serverToClient().length, "§2.7 quiet shutdown sends nothing (server)");
            assertKept(true, p.client(), p.server());
        }
        assertNextHandshake(ctx, proxy, resumes(protocol), "after a quiet shutdown");
    }

    @EachProtocol
    @DisplayName("§4 flags set by hand (addFlags(SENT)), then close(): no close_notify on the wire, the session"
            + " is kept, the next connection resumes")
    @GapAware(Capability.RESUMPTION_TLS13)
    void sentFlagKeepsTheSession(String protocol) throws Exception {
        ContextPair ctx = contexts(protocol);
        FaultyProxy proxy = proxy(ctx);
        try (SocketPair p = first(ctx, proxy, ConnectionPolicy.DEFAULT, ConnectionPolicy.DEFAULT)) {
            exchange(p);
            FaultyProxy.Connection wire = proxy.awaitConnection(0, WAIT);
            int up = wire.clientToServer().length;
            int down = wire.serverToClient().length;
            for (TlsSocketConnection conn : List.of(p.client(), p.server())) {
                conn.addFlags(ShutdownFlag.SENT);
                assertEquals(Set.of(ShutdownFlag.SENT), conn.flags());
                TlsException e = assertThrows(TlsException.class, () -> conn.write(HELLO, 0, HELLO.length));
                assertEquals(Kind.WRITE_AFTER_SHUTDOWN, e.kind(), e::toString);
                conn.close();
            }
            awaitBothEnds(proxy, wire);
            assertEquals(up, wire.clientToServer().length, "§2.8 with SENT set by hand no close_notify is sent (client)");
            assertEquals(down, wire.serverToClient().length, "§2.8 with SENT set by hand no close_notify is sent (server)");
            assertKept(true, p.client(), p.server());
        }
        assertNextHandshake(ctx, proxy, resumes(protocol), "after addFlags(SENT) and close()");
    }

    // ------------------------------------------------------------------ sockets: what drops a session

    @EachProtocol
    @DisplayName("§4 no shutdown at all (client close() = ABORTED): the session is dropped, the next connection"
            + " is a full handshake")
    void abortDropsTheSession(String protocol) throws Exception {
        ContextPair ctx = contexts(protocol);
        FaultyProxy proxy = proxy(ctx);
        try (SocketPair p = first(ctx, proxy, ConnectionPolicy.DEFAULT, ConnectionPolicy.DEFAULT)) {
            exchange(p);
            p.client().close();
            assertEquals(CloseReason.ABORTED, p.client().outcome().orElseThrow().reason());
            TlsException e = assertThrows(TlsException.class, () -> readToEnd(p.server()));
            assertTrue(e.kind() == Kind.TRUNCATED || e.kind() == Kind.RESET, "the server sees the abort: " + e);
            p.close();
            assertKept(false, p.client(), p.server());
        }
        assertNextHandshake(ctx, proxy, false, "after an abortive close");
    }

    @EachProtocol
    @DisplayName("§4 bad record from the server (FaultyProxy flip): the client fails PROTOCOL and sends a fatal"
            + " alert, the server receives it; both drop the session, the next connection is full")
    void badRecordDropsTheSession(String protocol) throws Exception {
        ContextPair ctx = contexts(protocol);
        FaultyProxy proxy = proxy(ctx);
        try (SocketPair p = first(ctx, proxy, ConnectionPolicy.DEFAULT, ConnectionPolicy.DEFAULT)) {
            exchange(p);
            FaultyProxy.Connection wire = proxy.awaitConnection(0, WAIT);
            proxy.serverToClient().flipAt(wire.serverToClient().length + TlsRecords.HEADER_LENGTH + 2);
            CompletableFuture<byte[]> server = Peer.call(() -> {
                p.server().write(HELLO, 0, HELLO.length);
                return readToEnd(p.server());
            });
            TlsException c = assertThrows(TlsException.class, () -> readToEnd(p.client()));
            assertEquals(Kind.PROTOCOL, c.kind(), c::toString);
            TlsException s = awaitFailure(server);
            assertEquals(Kind.PROTOCOL, s.kind(), "the server receives the client's fatal alert: " + s);
            assertEquals(CloseReason.FATAL_ALERT, p.client().outcome().orElseThrow().reason());
            assertEquals(CloseReason.FATAL_ALERT, p.server().outcome().orElseThrow().reason());
            p.close();
            assertKept(false, p.client(), p.server());
        }
        assertNextHandshake(ctx, proxy, false, "after a fatal alert");
    }

    @EachProtocol
    @DisplayName("§4 bad record from the client (FaultyProxy flip): the server fails PROTOCOL, the client"
            + " receives the fatal alert; both drop the session, the next connection is full")
    void receivedFatalAlertDropsTheSession(String protocol) throws Exception {
        ContextPair ctx = contexts(protocol);
        FaultyProxy proxy = proxy(ctx);
        try (SocketPair p = first(ctx, proxy, ConnectionPolicy.DEFAULT, ConnectionPolicy.DEFAULT)) {
            exchange(p);
            FaultyProxy.Connection wire = proxy.awaitConnection(0, WAIT);
            proxy.clientToServer().flipAt(wire.clientToServer().length + TlsRecords.HEADER_LENGTH + 2);
            CompletableFuture<byte[]> server = Peer.call(() -> readToEnd(p.server()));
            p.client().write(HELLO, 0, HELLO.length);
            TlsException s = awaitFailure(server);
            assertEquals(Kind.PROTOCOL, s.kind(), s::toString);
            TlsException c = assertThrows(TlsException.class, () -> readToEnd(p.client()));
            assertEquals(Kind.PROTOCOL, c.kind(), "the client receives the server's fatal alert: " + c);
            assertEquals(CloseReason.FATAL_ALERT, p.client().outcome().orElseThrow().reason());
            assertEquals(CloseReason.FATAL_ALERT, p.server().outcome().orElseThrow().reason());
            p.close();
            assertKept(false, p.client(), p.server());
        }
        assertNextHandshake(ctx, proxy, false, "after receiving a fatal alert");
    }

    @EachProtocol
    @DisplayName("§4 transport reset (FaultyProxy RST cut before the server's next record): the client fails"
            + " RESET, outcome RESET; both drop the session, the next connection is full")
    void resetDropsTheSession(String protocol) throws Exception {
        ContextPair ctx = contexts(protocol);
        FaultyProxy proxy = proxy(ctx);
        try (SocketPair p = first(ctx, proxy, ConnectionPolicy.DEFAULT, ConnectionPolicy.DEFAULT)) {
            exchange(p);
            FaultyProxy.Connection wire = proxy.awaitConnection(0, WAIT);
            proxy.serverToClient().cutAt(wire.serverToClient().length, Cut.RST);
            CompletableFuture<byte[]> server = Peer.call(() -> {
                p.server().write(HELLO, 0, HELLO.length);
                return readToEnd(p.server());
            });
            TlsException c = assertThrows(TlsException.class, () -> readToEnd(p.client()));
            assertEquals(Kind.RESET, c.kind(), c::toString);
            assertEquals(CloseReason.RESET, p.client().outcome().orElseThrow().reason());
            TlsException s = awaitFailure(server);
            assertTrue(s.kind() == Kind.RESET || s.kind() == Kind.TRUNCATED, "the server sees the reset: " + s);
            p.close();
            assertKept(false, p.client(), p.server());
        }
        assertNextHandshake(ctx, proxy, false, "after a transport reset");
    }

    @EachProtocol
    @DisplayName("§4 truncation (the server's close_notify cut by a FIN): the client fails TRUNCATED and drops"
            + " the session, the server (SENT) keeps it; the next connection is full")
    void truncationDropsTheSessionOnTheClient(String protocol) throws Exception {
        ContextPair ctx = contexts(protocol);
        FaultyProxy proxy = proxy(ctx);
        try (SocketPair p = first(ctx, proxy, ConnectionPolicy.DEFAULT, ConnectionPolicy.DEFAULT)) {
            exchange(p);
            FaultyProxy.Connection wire = proxy.awaitConnection(0, WAIT);
            proxy.serverToClient().cutAt(wire.serverToClient().length, Cut.FIN);
            assertEquals(ShutdownResult.SENT, p.server().shutdown());
            TlsException e = assertThrows(TlsException.class, () -> readToEnd(p.client()));
            assertEquals(Kind.TRUNCATED, e.kind(), e::toString);
            assertFalse(p.client().flags().contains(ShutdownFlag.RECEIVED));
            assertEquals(CloseReason.TRUNCATED, p.client().outcome().orElseThrow().reason());
            p.close();
            assertEquals(CloseReason.SENT_ONLY, p.server().outcome().orElseThrow().reason());
            assertFalse(p.client().outcome().orElseThrow().sessionKept(), "the client drops a truncated session");
            assertTrue(p.server().outcome().orElseThrow().sessionKept(), "the server had sent its close_notify");
        }
        assertNextHandshake(ctx, proxy, false, "after the client saw a truncation");
    }

    @EachProtocol
    @DisplayName("§4 SENT before the transport failed: the client's close_notify went out, then the server's"
            + " reply was cut (TRUNCATED); the client keeps the session and the next connection resumes")
    @GapAware(Capability.READ_AFTER_SENT)
    @GapAware(Capability.RESUMPTION_TLS13)
    void sentBeforeTruncationKeepsTheSession(String protocol) throws Exception {
        ContextPair ctx = contexts(protocol);
        FaultyProxy proxy = proxy(ctx);
        try (SocketPair p = first(ctx, proxy, ConnectionPolicy.DEFAULT, ConnectionPolicy.DEFAULT)) {
            exchange(p);
            FaultyProxy.Connection wire = proxy.awaitConnection(0, WAIT);
            proxy.serverToClient().cutAt(wire.serverToClient().length, Cut.FIN);
            assertEquals(ShutdownResult.SENT, p.client().shutdown());
            assertArrayEquals(new byte[0], readToEnd(p.server()));
            assertEquals(ShutdownResult.COMPLETE, p.server().shutdown());
            if (readsAfterSent()) {
                TlsException e = assertThrows(TlsException.class, p.client()::shutdown);
                assertEquals(Kind.TRUNCATED, e.kind(), e::toString);
                CloseOutcome o = p.client().outcome().orElseThrow();
                assertEquals(CloseReason.TRUNCATED, o.reason());
                assertTrue(o.sessionKept(), "§4: SENT was set before the transport failed: " + o);
            } else {
                GapAssertions.assertReadAfterShutdown(p.client(), p.client()::shutdown, "shutdown() after SENT");
            }
            p.close();
            assertKept(true, p.client(), p.server());
        }
        assertNextHandshake(ctx, proxy, resumes(protocol), "after SENT and then a truncation");
    }

    @EachProtocol
    @DisplayName("§4 EOF inside the handshake (server->client cut by a FIN): the handshake fails typed"
            + " (TRUNCATED or PROTOCOL) and the next connection is full")
    void eofInHandshake(String protocol) throws Exception {
        ContextPair ctx = contexts(protocol);
        FaultyProxy proxy = proxy(ctx);
        proxy.serverToClient().cutAt(100, Cut.FIN);
        try (SocketPair p = ctx.sockets(proxy.address(), ConnectionPolicy.DEFAULT, ConnectionPolicy.DEFAULT)) {
            CompletableFuture<Void> server = Peer.run(() -> p.server().handshake());
            TlsException c = assertThrows(TlsException.class, () -> p.client().handshake());
            assertTrue(c.kind() == Kind.TRUNCATED || c.kind() == Kind.PROTOCOL, c::toString);
            assertTrue(p.client().session().isEmpty());
            p.client().close();
            TlsException s = awaitFailure(server);
            assertTrue(s.kind() == Kind.TRUNCATED || s.kind() == Kind.RESET || s.kind() == Kind.PROTOCOL, s::toString);
            p.close();
            assertKept(false, p.client(), p.server());
        }
        assertNextHandshake(ctx, proxy, false, "after a handshake cut short");
    }

    @EachProtocol
    @DisplayName("§2.6 shutdown() while another thread is in the handshake: SHUTDOWN_WHILE_IN_HANDSHAKE,"
            + " nothing on the wire; after close() the next connection is full")
    void shutdownDuringTheHandshake(String protocol) throws Exception {
        ContextPair ctx = contexts(protocol);
        FaultyProxy proxy = proxy(ctx);
        proxy.serverToClient().stallAfter(0);
        try (SocketPair p = ctx.sockets(proxy.address(), ConnectionPolicy.DEFAULT, ConnectionPolicy.DEFAULT)) {
            CompletableFuture<Void> server = Peer.run(() -> p.server().handshake());
            CompletableFuture<Void> client = Peer.run(() -> p.client().handshake());
            FaultyProxy.Connection wire = proxy.awaitConnection(0, WAIT);
            Awaitility.await().atMost(WAIT).until(() -> {
                TlsRecords.Parsed hello = TlsRecords.parse(wire.clientToServer());
                return !hello.records().isEmpty() && !hello.hasPartial();
            });
            int up = wire.clientToServer().length;

            TlsException e = assertThrows(TlsException.class, p.client()::shutdown);
            assertEquals(Kind.SHUTDOWN_WHILE_IN_HANDSHAKE, e.kind(), e::toString);
            assertEquals(Set.of(), p.client().flags());
            p.client().close();
            assertInstanceOf(TlsException.class, awaitFailure(client), "the blocked handshake ends with the close");
            awaitFailure(server);
            p.close();
            proxy.serverToClient().release();
            awaitBothEnds(proxy, wire);
            assertEquals(up, wire.clientToServer().length, "§2.6: nothing after the ClientHello went on the wire");
            assertKept(false, p.client(), p.server());
        }
        assertNextHandshake(ctx, proxy, false, "after shutdown() during the handshake");
    }

    @EachProtocol
    @DisplayName("§4 write-only client (writes, shutdown() = SENT, closes without reading): in TLS 1.3 it never"
            + " processed the ticket, so the next connection is full; in TLS 1.2 it resumes")
    void writeOnlyClient(String protocol) throws Exception {
        ContextPair ctx = contexts(protocol);
        FaultyProxy proxy = proxy(ctx);
        try (SocketPair p = first(ctx, proxy, ConnectionPolicy.DEFAULT, ConnectionPolicy.DEFAULT)) {
            writeOnly(p);
            closeAndAssertKept(p, CloseReason.SENT_ONLY);
        }
        assertNextHandshake(ctx, proxy, protocol.equals("TLSv1.2"),
                "after a write-only client in " + protocol);
    }

    @EachProtocol
    @DisplayName("§4 write-only client with a bidirectional shutdown (second shutdown() = COMPLETE reads the"
            + " ticket): the next connection resumes")
    @GapAware(Capability.READ_AFTER_SENT)
    @GapAware(Capability.RESUMPTION_TLS13)
    void writeOnlyClientWithBidirectionalShutdown(String protocol) throws Exception {
        ContextPair ctx = contexts(protocol);
        FaultyProxy proxy = proxy(ctx);
        try (SocketPair p = first(ctx, proxy, ConnectionPolicy.DEFAULT, ConnectionPolicy.DEFAULT)) {
            writeOnly(p);
            if (readsAfterSent()) {
                assertEquals(ShutdownResult.COMPLETE, p.client().shutdown());
            } else {
                GapAssertions.assertReadAfterShutdown(p.client(), p.client()::shutdown, "shutdown() after SENT");
            }
            closeAndAssertKept(p, readsAfterSent() ? CloseReason.CLEAN : CloseReason.SENT_ONLY);
        }
        boolean ticketRead = readsAfterSent() || protocol.equals("TLSv1.2");
        assertNextHandshake(ctx, proxy, ticketRead && resumes(protocol),
                "after a write-only client that waited for the server's close_notify");
    }

    // ------------------------------------------------------------------ buffer pairs

    @EachProtocol
    @DisplayName("§4 buffer transport: a clean close keeps the session (next buffer pair resumes, both sides);"
            + " close() without shutdown drops it (next is full)")
    @GapAware(Capability.READ_AFTER_SENT)
    @GapAware(Capability.RESUMPTION_TLS13)
    void bufferSessions(String protocol) throws Exception {
        ContextPair ctx = contexts(protocol);
        cleanBufferConnection(ctx, false, "the first connection of a fresh context pair");

        BufferPipe second = Buffers.handshake(ctx.buffers());
        assertResumed(resumes(protocol), second, "after a clean close");
        bufferExchange(second);
        second.a().close();
        second.b().close();
        assertEquals(CloseReason.ABORTED, second.a().outcome().orElseThrow().reason());
        assertKept(false, second.a(), second.b());

        BufferPipe third = Buffers.handshake(ctx.buffers());
        assertResumed(false, third, "after close() without shutdown");
    }

    @EachProtocol
    @DisplayName("§4 a server that does not know the offered session (restarted, or another node behind the same"
            + " address): the handshake is full, and the next connection resumes the session it made, not the refused one")
    @GapAware(Capability.READ_AFTER_SENT)
    @GapAware(Capability.RESUMPTION_TLS13)
    void aRefusedSessionIsReplacedByTheNewOne(String protocol) throws Exception {
        ContextPair ctx = contexts(protocol);
        ContextPair other = contexts(protocol);
        // The client of ctx, the server of other: one peer address (buffer connections all name one).
        ContextPair moved = new ContextPair(ctx.client(), other.server(), protocol, other.listener());
        cleanBufferConnection(ctx, false, "the first connection");
        cleanBufferConnection(ctx, resumes(protocol), "after a clean close");
        cleanBufferConnection(moved, false, "a server that never issued the offered session");
        cleanBufferConnection(moved, resumes(protocol), "after a clean close with the new server");
        cleanBufferConnection(moved, resumes(protocol), "and again");
    }

    @EachProtocol
    @DisplayName("§2.6 buffer transport: shutdown() during the handshake ends the connection (ABORTED, nothing on"
            + " the wire), its handshake cannot be completed, and the next connection is full")
    void shutdownInHandshakeNeverResumable(String protocol) throws Exception {
        ContextPair ctx = contexts(protocol);
        BufferPipe pipe = ctx.buffers();
        TlsBufferConnection c = pipe.a();
        c.handshake();
        int queued = c.outbound().position();
        TlsException e = assertThrows(TlsException.class, c::shutdown);
        assertEquals(Kind.SHUTDOWN_WHILE_IN_HANDSHAKE, e.kind(), e::toString);
        assertEquals(queued, c.outbound().position(), "§2.6: nothing added to the wire");
        assertEquals(CloseReason.ABORTED, c.outcome().orElseThrow().reason(), "the connection ended there");
        assertFalse(c.outcome().orElseThrow().sessionKept(), "§2.6: the client's session is not resumable");
        TlsException later = assertThrows(TlsException.class, () -> Buffers.handshake(pipe),
                "the handshake cannot be completed after shutdown() ended the connection");
        assertEquals(Kind.FAILED_EARLIER, later.kind(), later::toString);
        assertTrue(later.getMessage().contains("shutdown() while in the handshake"), later::getMessage);
        c.close();
        pipe.b().close();
        assertTrue(c.session().isEmpty(), "no session facts: the handshake never completed");

        BufferPipe next = Buffers.handshake(ctx.buffers());
        assertResumed(false, next, "after shutdown() during the client's handshake");
    }

    @EachProtocol
    @DisplayName("§4 buffer transport: one side completes its handshake, the other sees EOF before its own"
            + " completes (TRUNCATED); no session is kept and the next connection is full")
    void eofBeforeTheHandshakeCompletes(String protocol) throws Exception {
        ContextPair ctx = contexts(protocol);
        BufferPipe pipe = ctx.buffers();
        TlsBufferConnection c = pipe.a();
        TlsBufferConnection s = pipe.b();
        // Drive until one side is done (TLS 1.2: the server, TLS 1.3: the client); its last flight is
        // still in its outbound: cut it off, so the other side sees EOF inside its handshake.
        pipe.pumpUntil(() -> c.session().isPresent() || s.session().isPresent(), () -> {
            c.handshake();
            s.handshake();
        }, Buffers.ROUNDS);
        boolean clientDone = c.session().isPresent();
        TlsBufferConnection unfinished = clientDone ? s : c;
        Direction towardsUnfinished = clientDone ? pipe.aToB() : pipe.bToA();
        assertTrue(pipe.a().outbound().position() + pipe.b().outbound().position() > 0,
                "the finished side's last flight is still in its outbound");
        towardsUnfinished.cutAt(pipe.bytes(towardsUnfinished).length, Cut.FIN);
        pipe.pumpUntilQuiet(10);
        TlsException e = assertThrows(TlsException.class, () -> {
            for (int i = 0; i < 10; i++) {
                unfinished.handshake();
            }
        });
        assertEquals(Kind.TRUNCATED, e.kind(), e::toString);
        assertTrue(unfinished.session().isEmpty());
        assertFalse(unfinished.outcome().orElseThrow().sessionKept());
        c.close();
        s.close();
        assertKept(false, c, s);

        BufferPipe next = Buffers.handshake(ctx.buffers());
        assertResumed(false, next, "after the handshake was cut short on the " + unfinished.role() + " side");
    }

    // ------------------------------------------------------------------ helpers

    /** The first connection of a fresh context pair, through {@code proxy}: a full handshake. */
    private static SocketPair first(ContextPair ctx, FaultyProxy proxy, ConnectionPolicy client,
                                    ConnectionPolicy server) throws Exception {
        SocketPair p = ctx.sockets(proxy.address(), client, server).handshake();
        assertFalse(p.client().session().orElseThrow().resumed(), "the first connection of a fresh context pair");
        assertFalse(p.server().session().orElseThrow().resumed(), "the first connection of a fresh context pair");
        return p;
    }

    /** Client writes, server reads and answers, client reads the answer (and so any ticket before it). */
    private static void exchange(SocketPair p) throws Exception {
        CompletableFuture<Void> server = Peer.run(() -> {
            assertArrayEquals(PING, readExactly(p.server(), PING.length));
            p.server().write(PONG, 0, PONG.length);
        });
        p.client().write(PING, 0, PING.length);
        assertArrayEquals(PONG, readExactly(p.client(), PONG.length));
        await(server);
    }

    /**
     * The client writes, shutdown() = SENT; the server reads it all and completes its close; then the
     * client either closes without reading anything, or ({@code bidirectional}) calls shutdown() again,
     * which reads up to the server's close_notify.
     */
    /** The client writes and sends its close_notify without reading; the server reads it all and answers. */
    private static void writeOnly(SocketPair p) throws Exception {
        p.client().write(HELLO, 0, HELLO.length);
        assertEquals(ShutdownResult.SENT, p.client().shutdown());
        assertArrayEquals(HELLO, readToEnd(p.server()));
        assertEquals(ShutdownResult.COMPLETE, p.server().shutdown());
    }

    /** Closes the pair: the client ended {@code clientReason}, and the §4 rule keeps the session on both sides. */
    private static void closeAndAssertKept(SocketPair p, CloseReason clientReason) {
        p.close();
        assertEquals(clientReason, p.client().outcome().orElseThrow().reason());
        // The rule's decision: SENT set and no failure on both sides. (Whether a TLS 1.3 client holds
        // a ticket to resume with is another matter, shown by the next handshake.)
        assertKept(true, p.client(), p.server());
    }

    private static void bufferExchange(BufferPipe pipe) throws Exception {
        assertArrayEquals(PING, Buffers.transfer(pipe, pipe.a(), pipe.b(), PING));
        assertArrayEquals(PONG, Buffers.transfer(pipe, pipe.b(), pipe.a(), PONG));
    }

    private static void assertNextHandshake(ContextPair ctx, FaultyProxy proxy, boolean resumed, String why)
            throws Exception {
        proxy.clientToServer().clear();
        proxy.serverToClient().clear();
        try (SocketPair p = ctx.sockets(proxy.address(), ConnectionPolicy.DEFAULT, ConnectionPolicy.DEFAULT)
                .handshake()) {
            assertResumed(resumed, p.client().session().orElseThrow(), p.server().session().orElseThrow(), why);
        }
    }

    /**
     * A buffer connection of {@code ctx}: handshaken (resumed or not, as {@code resumed} says), data
     * both ways (so a TLS 1.3 client reads its tickets), the server's close_notify first and the
     * client's answer, both closed with their sessions kept.
     */
    private void cleanBufferConnection(ContextPair ctx, boolean resumed, String why) throws Exception {
        BufferPipe pipe = Buffers.handshake(ctx.buffers());
        assertResumed(resumed, pipe, why);
        bufferExchange(pipe);
        Buffers.closeBothWays(pipe, pipe.b(), pipe.a(), readsAfterSent());
        pipe.a().close();
        pipe.b().close();
        assertKept(true, pipe.a(), pipe.b());
    }

    private static void assertResumed(boolean resumed, BufferPipe pipe, String why) {
        assertResumed(resumed, pipe.a().session().orElseThrow(), pipe.b().session().orElseThrow(), why);
    }

    private static void assertResumed(boolean resumed, SessionFacts client, SessionFacts server, String why) {
        String expect = resumed ? "a resumed handshake " : "a full handshake ";
        assertEquals(resumed, client.resumed(), "client: " + expect + why + ": " + client);
        assertEquals(resumed, server.resumed(), "server: " + expect + why + ": " + server);
    }

    private static void assertKept(boolean kept, TlsConnection... conns) {
        for (TlsConnection conn : conns) {
            CloseOutcome o = conn.outcome().orElseThrow(() -> new AssertionError(conn + " has not ended"));
            assertEquals(kept, o.sessionKept(), conn.role() + ": sessionKept() of " + o);
        }
    }

    /** Waits until the proxy saw both directions of {@code wire} end, so its recording is final. */
    private static void awaitBothEnds(FaultyProxy proxy, FaultyProxy.Connection wire) throws InterruptedException {
        wire.awaitEnd(proxy.clientToServer(), WAIT);
        wire.awaitEnd(proxy.serverToClient(), WAIT);
    }

    private static <T> T await(CompletableFuture<T> f) throws Exception {
        try {
            return f.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof Exception x) {
                throw x;
            }
            throw e;
        }
    }

    private static TlsException awaitFailure(CompletableFuture<?> f) {
        ExecutionException e = assertThrows(ExecutionException.class, () -> f.get(WAIT.toSeconds(), TimeUnit.SECONDS));
        return assertInstanceOf(TlsException.class, e.getCause(), "a typed failure");
    }

}

package dev.closenotify.tck;

import static dev.closenotify.tck.Sockets.readExactly;
import static dev.closenotify.tck.Sockets.readToEnd;
import static dev.closenotify.spi.ShutdownFlag.RECEIVED;
import static dev.closenotify.spi.ShutdownFlag.SENT;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.closenotify.spi.Capability;
import dev.closenotify.spi.CloseOutcome;
import dev.closenotify.spi.CloseReason;
import dev.closenotify.spi.ConnectionPolicy;
import dev.closenotify.spi.Role;
import dev.closenotify.spi.SessionFacts;
import dev.closenotify.spi.ShutdownProvider;
import dev.closenotify.spi.ShutdownResult;
import dev.closenotify.spi.TlsBufferConnection;
import dev.closenotify.spi.TlsConnection;
import dev.closenotify.spi.TlsException;
import dev.closenotify.spi.TlsException.Kind;
import dev.closenotify.spi.TlsSocketConnection;
import dev.closenotify.tck.support.BufferPipe;
import dev.closenotify.tck.support.ContextPair;
import dev.closenotify.tck.support.Direction;
import dev.closenotify.tck.support.FaultyProxy;
import dev.closenotify.tck.support.TlsRecords;
import java.io.ByteArrayOutputStream;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The cross-provider matrix: the close protocol between a client of one provider and a server of
 * another, for every ordered pair of {@link #providers()} (a provider with itself included), for
 * TLS 1.3 and TLS 1.2, on the blocking and on the buffer transport. A close_notify written by one
 * stack must be read, answered and counted by the other exactly as SEMANTICS.md says.
 *
 * <p>The scenarios: first to close (§2.1); the peer reads every byte, then end-of-stream (§3); the
 * peer answers and the closer completes (§2.3, with §2.2 on the peer); both close at once (§2.3);
 * idempotence after COMPLETE (§2.4); transport EOF without close_notify, and with
 * {@code ignoreUnexpectedEof} (§3); resumption after a clean close (§4). Where the closer's side
 * declares {@link Capability#READ_AFTER_SENT} as a gap, or either side
 * {@link Capability#RESUMPTION_TLS13}, the documented behaviour is asserted instead (see
 * {@link GapAware}); nothing is skipped, except pairs with a provider that is not available in this
 * JVM (SKIPPED with {@link ServiceLoadedProvidersTest#UNAVAILABLE}).
 *
 * <p>Each invocation is named after the rule, the pair and the protocol, e.g. {@code "§2.1 first to
 * close: ... [client jsse → server conscrypt, TLSv1.3]"}. To run it, extend it and return the
 * providers, or use {@link ServiceLoadedCrossProviderTest}, which pairs whatever ServiceLoader finds.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
public abstract class CrossProviderContract {

    /**
     * The providers to pair, each as client and as server. Called once per transport group; the
     * matrix is ordered by name whatever the order here.
     */
    protected abstract List<ShutdownProvider> providers();

    /** A client of one provider and a server of another (or the same). */
    public record Pairing(ShutdownProvider client, ShutdownProvider server) {
        public Pairing {
            Objects.requireNonNull(client, "client");
            Objects.requireNonNull(server, "server");
        }

        /** The provider playing {@code role}. */
        public ShutdownProvider of(Role role) {
            return role == Role.CLIENT ? client : server;
        }

        /** What the invocation names: {@code client jsse → server conscrypt}. */
        @Override
        public String toString() {
            return "client " + client.name() + " → server " + server.name();
        }
    }

    /** The protocols of the matrix, in report order. */
    public static final List<String> PROTOCOLS = List.of("TLSv1.3", "TLSv1.2");

    /** Every ordered pair of {@link #providers()} for each protocol, sorted by client, server, protocol. */
    final Stream<Arguments> matrix() {
        List<ShutdownProvider> all = new ArrayList<>(providers());
        if (all.isEmpty()) {
            throw new IllegalStateException("no provider to pair: providers() is empty");
        }
        all.sort(Comparator.comparing(ShutdownProvider::name));
        List<Arguments> out = new ArrayList<>();
        for (ShutdownProvider c : all) {
            for (ShutdownProvider s : all) {
                for (String protocol : PROTOCOLS) {
                    out.add(Arguments.of(new Pairing(c, s), protocol));
                }
            }
        }
        return out.stream();
    }

    /** A test run for every pairing and protocol of {@link #matrix()}. */
    @Target(ElementType.METHOD)
    @Retention(RetentionPolicy.RUNTIME)
    @ParameterizedTest(name = "{displayName} [{0}, {1}]")
    @MethodSource("matrix")
    @interface EachPairing {
    }

    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final byte[] PING = "ping".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] PONG = "pong".getBytes(StandardCharsets.US_ASCII);

    // ================================================================== blocking transport

    /** The scenarios on loopback sockets, wire claims proven on what a {@link FaultyProxy} recorded. */
    @Nested
    @DisplayName("blocking transport")
    @TestInstance(TestInstance.Lifecycle.PER_CLASS)
    class BlockingTransport {
        private final Deque<AutoCloseable> resources = new ArrayDeque<>();

        Stream<Arguments> matrix() {
            return CrossProviderContract.this.matrix();
        }

        @AfterEach
        void closeResources() {
            while (!resources.isEmpty()) {
                try {
                    resources.pop().close();
                } catch (Exception ignored) {
                    // cleanup after the test; its verdict is already made
                }
            }
        }

        @EachPairing
        @DisplayName("§2.1 first to close (each side in turn): shutdown() = SENT, flags {SENT}, one close_notify on"
                + " the wire; a later write fails WRITE_AFTER_SHUTDOWN and sends nothing")
        void firstToClose(Pairing pairing, String protocol) throws Exception {
            ContextPair ctx = contexts(pairing, protocol);
            for (Role closer : Role.values()) {
                FaultyProxy proxy = track(FaultyProxy.start(ctx.address()));
                Sockets p = handshaken(ctx, proxy.address(), ConnectionPolicy.DEFAULT, ConnectionPolicy.DEFAULT);
                TlsSocketConnection c = p.side(closer);
                long before = c.bytesOut();
                assertEquals(Set.of(), c.flags());

                assertEquals(ShutdownResult.SENT, c.shutdown(), closer + " first to close");
                assertEquals(Set.of(SENT), c.flags());
                assertTrue(c.outcome().isEmpty(), closer + ": after SENT only the connection has not ended: "
                        + c.outcome());
                long afterCloseNotify = c.bytesOut();
                TlsException e = expect(Kind.WRITE_AFTER_SHUTDOWN, () -> c.write(PING, 0, PING.length));
                assertTrue(e.getMessage().contains("write"), e::getMessage);
                assertEquals(afterCloseNotify, c.bytesOut(), closer + ": a refused write hands nothing to the transport");
                assertEquals(Set.of(SENT), c.flags());

                c.close();
                byte[] wire = wire(proxy, closer);
                assertEquals(afterCloseNotify, wire.length, closer + ": nothing after our close_notify reached the wire");
                Buffers.assertOneCloseNotify(protocol, TlsRecords.parse(wire, (int) before, wire.length),
                        closer + "'s close_notify");
            }
        }

        @EachPairing
        @DisplayName("§3 end-of-stream (each side in turn closing): the peer reads every byte written before our"
                + " close_notify, in order, then -1, flags {RECEIVED}")
        void peerReadsToEndOfStream(Pairing pairing, String protocol) throws Exception {
            ContextPair ctx = contexts(pairing, protocol);
            for (Role closer : Role.values()) {
                Sockets p = handshaken(ctx, ctx.address(), ConnectionPolicy.DEFAULT, ConnectionPolicy.DEFAULT);
                TlsSocketConnection c = p.side(closer);
                TlsSocketConnection peer = p.other(closer);
                byte[] data = Buffers.data(40_000, closer.ordinal()); // several records
                Task<ShutdownResult> writer = spawn("writer", () -> {
                    c.write(data, 0, data.length);
                    return c.shutdown();
                });
                assertArrayEquals(data, readToEnd(peer), closer + " wrote: every byte before the close_notify, then -1");
                assertEquals(ShutdownResult.SENT, writer.join());
                assertEquals(Set.of(RECEIVED), peer.flags());
                assertEquals(-1, peer.read(new byte[16], 0, 16), "end-of-stream stays end-of-stream");
                assertTrue(peer.outcome().isEmpty(), "RECEIVED only: the connection has not ended");
            }
        }

        @EachPairing
        @GapAware(Capability.READ_AFTER_SENT)
        @DisplayName("§2.3 wait for the peer (each side in turn closing first): the peer reads -1 and its shutdown()"
                + " = COMPLETE; the closer's second shutdown() = COMPLETE; flags {SENT, RECEIVED}, CLEAN on both sides")
        void closerCompletesAfterThePeer(Pairing pairing, String protocol) throws Exception {
            ContextPair ctx = contexts(pairing, protocol);
            for (Role closer : Role.values()) {
                Sockets p = handshaken(ctx, ctx.address(), ConnectionPolicy.DEFAULT, ConnectionPolicy.DEFAULT);
                TlsSocketConnection c = p.side(closer);
                TlsSocketConnection peer = p.other(closer);
                assertEquals(ShutdownResult.SENT, c.shutdown());
                Task<ShutdownResult> second = spawn("second-shutdown", c::shutdown);

                assertEquals(-1, peer.read(new byte[16], 0, 16));
                assertEquals(Set.of(RECEIVED), peer.flags());
                assertEquals(ShutdownResult.COMPLETE, peer.shutdown(), "§2.2: the peer closed second");
                assertEquals(Set.of(SENT, RECEIVED), peer.flags());
                assertEquals(CloseReason.CLEAN, reason(peer));

                if (!readsAfterSent(pairing, closer)) {
                    expectReadAfterShutdown(second::join, "READ_AFTER_SENT declared as a gap by the "
                            + closer + ": shutdown() after SENT reports how the connection ended instead of waiting");
                    continue;
                }
                assertEquals(ShutdownResult.COMPLETE, second.join(), closer + "'s second shutdown()");
                assertEquals(Set.of(SENT, RECEIVED), c.flags());
                assertEquals(CloseReason.CLEAN, reason(c));
            }
        }

        @EachPairing
        @GapAware(Capability.READ_AFTER_SENT)
        @DisplayName("§2.3 simultaneous close: both sides call shutdown() at once and each gets SENT; each second"
                + " shutdown() = COMPLETE, flags {SENT, RECEIVED}, CLEAN on both sides")
        void simultaneousClose(Pairing pairing, String protocol) throws Exception {
            ContextPair ctx = contexts(pairing, protocol);
            FaultyProxy proxy = track(FaultyProxy.start(ctx.address()));
            Sockets p = handshaken(ctx, proxy.address(), ConnectionPolicy.DEFAULT, ConnectionPolicy.DEFAULT);
            long clientBefore = p.client.bytesOut();
            long serverBefore = p.server.bytesOut();

            Task<ShutdownResult> client = spawn("client-shutdown", p.client::shutdown);
            Task<ShutdownResult> server = spawn("server-shutdown", p.server::shutdown);
            assertEquals(ShutdownResult.SENT, client.join(), "§2.1: the client's first step only writes");
            assertEquals(ShutdownResult.SENT, server.join(), "§2.1: the server's first step only writes");

            Task<ShutdownResult> clientSecond = spawn("client-second", p.client::shutdown);
            Task<ShutdownResult> serverSecond = spawn("server-second", p.server::shutdown);
            for (Role role : Role.values()) {
                Task<ShutdownResult> second = role == Role.CLIENT ? clientSecond : serverSecond;
                TlsSocketConnection c = p.side(role);
                if (!readsAfterSent(pairing, role)) {
                    expectReadAfterShutdown(second::join, "READ_AFTER_SENT declared as a gap by the " + role);
                    continue;
                }
                assertEquals(ShutdownResult.COMPLETE, second.join(), role + "'s second shutdown()");
                assertEquals(Set.of(SENT, RECEIVED), c.flags());
                assertEquals(CloseReason.CLEAN, reason(c));
            }

            p.client.close();
            p.server.close();
            Buffers.assertOneCloseNotify(protocol, records(wire(proxy, Role.CLIENT), clientBefore), "the client's");
            Buffers.assertOneCloseNotify(protocol, records(wire(proxy, Role.SERVER), serverBefore), "the server's");
        }

        @EachPairing
        @GapAware(Capability.READ_AFTER_SENT)
        @DisplayName("§2.4 idempotence (each side in turn closing first): after COMPLETE, shutdown() and"
                + " shutdown(Duration) return COMPLETE and put zero bytes on the wire; one close_notify each way")
        void completeIsIdempotent(Pairing pairing, String protocol) throws Exception {
            ContextPair ctx = contexts(pairing, protocol);
            for (Role closer : Role.values()) {
                FaultyProxy proxy = track(FaultyProxy.start(ctx.address()));
                Sockets p = handshaken(ctx, proxy.address(), ConnectionPolicy.DEFAULT, ConnectionPolicy.DEFAULT);
                long clientBefore = p.client.bytesOut();
                long serverBefore = p.server.bytesOut();
                TlsSocketConnection c = p.side(closer);
                TlsSocketConnection peer = p.other(closer);

                assertEquals(ShutdownResult.SENT, c.shutdown());
                assertEquals(-1, peer.read(new byte[16], 0, 16));
                assertEquals(ShutdownResult.COMPLETE, peer.shutdown());
                List<TlsSocketConnection> complete = new ArrayList<>(List.of(peer));
                if (readsAfterSent(pairing, closer)) {
                    assertEquals(ShutdownResult.COMPLETE, c.shutdown());
                    complete.add(c);
                } else {
                    expectReadAfterShutdown(c::shutdown, "READ_AFTER_SENT declared as a gap by the " + closer);
                }

                for (TlsSocketConnection conn : complete) {
                    long out = conn.bytesOut();
                    CloseOutcome outcome = conn.outcome().orElseThrow();
                    assertEquals(CloseReason.CLEAN, outcome.reason());
                    for (int i = 0; i < 3; i++) {
                        assertEquals(ShutdownResult.COMPLETE, conn.shutdown(), conn.role() + " shutdown() #" + i);
                        assertEquals(ShutdownResult.COMPLETE, conn.shutdown(Duration.ofSeconds(1)),
                                conn.role() + " shutdown(Duration) #" + i);
                    }
                    assertEquals(out, conn.bytesOut(), conn.role() + ": nothing handed to the transport after COMPLETE");
                    assertEquals(Set.of(SENT, RECEIVED), conn.flags());
                    assertEquals(outcome, conn.outcome().orElseThrow(), "the outcome does not change");
                }

                p.client.close();
                p.server.close();
                Buffers.assertOneCloseNotify(protocol, records(wire(proxy, Role.CLIENT), clientBefore),
                        "the client's close_notify, once (" + closer + " closed first)");
                Buffers.assertOneCloseNotify(protocol, records(wire(proxy, Role.SERVER), serverBefore),
                        "the server's close_notify, once (" + closer + " closed first)");
            }
        }

        @EachPairing
        @DisplayName("§3 truncation (each side in turn reading): a transport EOF without close_notify after data"
                + " fails TRUNCATED once the data is read, RECEIVED not set, outcome TRUNCATED")
        void transportEofIsTruncation(Pairing pairing, String protocol) throws Exception {
            ContextPair ctx = contexts(pairing, protocol);
            for (Role reader : Role.values()) {
                Sockets p = handshaken(ctx, ctx.address(), ConnectionPolicy.DEFAULT, ConnectionPolicy.DEFAULT);
                TlsSocketConnection r = p.side(reader);
                TlsSocketConnection writer = p.other(reader);
                byte[] data = Buffers.data(1000, 10 + reader.ordinal());
                writer.write(data, 0, data.length);
                p.raw(writer.role()).shutdownOutput(); // a FIN without close_notify

                assertArrayEquals(data, readExactly(r, data.length), reader + ": the data before the EOF is intact");
                TlsException e = expect(Kind.TRUNCATED, () -> r.read(new byte[64], 0, 64));
                assertTrue(e.getMessage().toLowerCase(Locale.ROOT).contains("truncat"), e::getMessage);
                assertFalse(r.flags().contains(RECEIVED), "a truncation is no close_notify: " + r.flags());
                CloseOutcome outcome = r.outcome().orElseThrow();
                assertEquals(CloseReason.TRUNCATED, outcome.reason());
                assertEquals(Kind.TRUNCATED, outcome.failure().orElseThrow().kind());
                expect(Kind.FAILED_EARLIER, r::shutdown);
            }
        }

        @EachPairing
        @DisplayName("§3 ignoreUnexpectedEof (each side in turn reading): a transport EOF without close_notify reads"
                + " as -1 and sets RECEIVED; shutdown() = COMPLETE, the close reason still records TRUNCATED")
        void ignoredUnexpectedEof(Pairing pairing, String protocol) throws Exception {
            ContextPair ctx = contexts(pairing, protocol);
            ConnectionPolicy ignore = ConnectionPolicy.DEFAULT.withIgnoreUnexpectedEof(true);
            for (Role reader : Role.values()) {
                Sockets p = handshaken(ctx, ctx.address(),
                        reader == Role.CLIENT ? ignore : ConnectionPolicy.DEFAULT,
                        reader == Role.SERVER ? ignore : ConnectionPolicy.DEFAULT);
                TlsSocketConnection r = p.side(reader);
                TlsSocketConnection writer = p.other(reader);
                byte[] data = Buffers.data(1000, 20 + reader.ordinal());
                writer.write(data, 0, data.length);
                p.raw(writer.role()).shutdownOutput();

                assertArrayEquals(data, readToEnd(r), reader + ": the data before the EOF, then -1");
                assertEquals(-1, r.read(new byte[64], 0, 64));
                assertEquals(Set.of(RECEIVED), r.flags());
                assertEquals(ShutdownResult.COMPLETE, r.shutdown(), "RECEIVED is set: §2.2");
                assertEquals(Set.of(SENT, RECEIVED), r.flags());
                assertEquals(CloseReason.TRUNCATED, reason(r), "the close reason still records the truncation");
            }
        }

        @EachPairing
        @GapAware(value = Capability.READ_AFTER_SENT, side = Role.CLIENT)
        @GapAware(Capability.RESUMPTION_TLS13)
        @DisplayName("§4 clean bidirectional close: the session is kept on both sides and the next connection"
                + " resumes, resumed() true on both sides")
        void cleanCloseResumes(Pairing pairing, String protocol) throws Exception {
            ContextPair ctx = contexts(pairing, protocol);
            Sockets first = handshaken(ctx, ctx.address(), ConnectionPolicy.DEFAULT, ConnectionPolicy.DEFAULT);
            assertResumed(false, first, "the first connection of fresh contexts");
            // The client reads the server's answer, and so any TLS 1.3 ticket sent before it.
            first.client.write(PING, 0, PING.length);
            assertArrayEquals(PING, readExactly(first.server, PING.length));
            first.server.write(PONG, 0, PONG.length);
            assertArrayEquals(PONG, readExactly(first.client, PONG.length));

            assertEquals(ShutdownResult.SENT, first.client.shutdown());
            assertEquals(-1, first.server.read(new byte[16], 0, 16));
            assertEquals(ShutdownResult.COMPLETE, first.server.shutdown());
            if (readsAfterSent(pairing, Role.CLIENT)) {
                assertEquals(ShutdownResult.COMPLETE, first.client.shutdown());
                assertEquals(CloseReason.CLEAN, reason(first.client));
            } else {
                expectReadAfterShutdown(first.client::shutdown, "READ_AFTER_SENT declared as a gap by the client");
            }
            first.client.close();
            first.server.close();
            for (TlsSocketConnection c : List.of(first.client, first.server)) {
                assertTrue(c.outcome().orElseThrow().sessionKept(), c.role() + ": SENT set, no failure: "
                        + c.outcome().orElseThrow());
            }

            boolean resumes = protocol.equals("TLSv1.2") || (pairing.client().supports(Capability.RESUMPTION_TLS13)
                    && pairing.server().supports(Capability.RESUMPTION_TLS13));
            Sockets next = handshaken(ctx, ctx.address(), ConnectionPolicy.DEFAULT, ConnectionPolicy.DEFAULT);
            assertResumed(resumes, next, resumes ? "after a clean close"
                    : "after a clean close, RESUMPTION_TLS13 declared as a gap by a side");
        }

        // ------------------------------------------------------------------ support

        private <T extends AutoCloseable> T track(T resource) {
            resources.push(resource);
            return resource;
        }

        private ContextPair contexts(Pairing pairing, String protocol) {
            return track(CrossProviderContract.contexts(pairing, protocol));
        }

        private Sockets handshaken(ContextPair ctx, InetSocketAddress dial, ConnectionPolicy clientPolicy,
                                   ConnectionPolicy serverPolicy) throws Exception {
            Task<Socket> accepted = spawn("accept", () -> ctx.listener().accept());
            Socket rawClient = track(new Socket(dial.getAddress(), dial.getPort()));
            rawClient.setTcpNoDelay(true);
            Socket rawServer = track(accepted.join());
            rawServer.setTcpNoDelay(true);
            Sockets p = new Sockets(track(ctx.client().open(rawClient, clientPolicy)),
                    track(ctx.server().open(rawServer, serverPolicy)), rawClient, rawServer);
            Task<Void> server = spawn("server-handshake", () -> {
                p.server.handshake();
                return null;
            });
            try {
                p.client.handshake();
            } catch (Exception e) {
                try {
                    server.join();
                } catch (Exception s) {
                    e.addSuppressed(s);
                }
                throw e;
            }
            server.join();
            return p;
        }
    }

    /** A client and a server connection over loopback sockets, with the raw sockets under them. */
    private record Sockets(TlsSocketConnection client, TlsSocketConnection server, Socket rawClient, Socket rawServer) {
        TlsSocketConnection side(Role role) {
            return role == Role.CLIENT ? client : server;
        }

        TlsSocketConnection other(Role role) {
            return role == Role.CLIENT ? server : client;
        }

        Socket raw(Role role) {
            return role == Role.CLIENT ? rawClient : rawServer;
        }
    }

    // ================================================================== buffer transport

    /** The scenarios on buffer pairs (a = client, b = server), driven from the test thread. */
    @Nested
    @DisplayName("non-blocking transport")
    @TestInstance(TestInstance.Lifecycle.PER_CLASS)
    class BufferTransport {
        private final List<ContextPair> contexts = new ArrayList<>();

        Stream<Arguments> matrix() {
            return CrossProviderContract.this.matrix();
        }

        @AfterEach
        void closeContexts() {
            contexts.forEach(ContextPair::close);
            contexts.clear();
        }

        @EachPairing
        @DisplayName("§2.1 first to close (each side in turn): shutdown() = SENT, flags {SENT}, one close_notify;"
                + " a later write fails WRITE_AFTER_SHUTDOWN and adds nothing to outbound")
        void firstToClose(Pairing pairing, String protocol) throws Exception {
            for (Role closer : Role.values()) {
                BufferPipe pipe = handshaken(pairing, protocol);
                TlsBufferConnection c = side(pipe, closer);
                Direction out = closer == Role.CLIENT ? pipe.aToB() : pipe.bToA();
                int mark = pipe.bytes(out).length;

                assertEquals(ShutdownResult.SENT, c.shutdown(), closer + " first to close");
                assertEquals(Set.of(SENT), c.flags());
                int queued = c.outbound().position();
                assertTrue(queued > 0, "SENT: the close_notify is in outbound");
                ByteBuffer src = ByteBuffer.wrap(PING);
                TlsException e = assertThrows(TlsException.class, () -> c.write(src));
                assertEquals(Kind.WRITE_AFTER_SHUTDOWN, e.kind(), e::toString);
                assertEquals(0, src.position(), "nothing of the write may be consumed");
                assertEquals(queued, c.outbound().position(), "a write after shutdown adds nothing to outbound");

                pipe.pumpUntilQuiet(100);
                Buffers.assertOneCloseNotify(protocol, Buffers.recordsSince(pipe, out, mark), closer + "'s close_notify");
            }
        }

        @EachPairing
        @DisplayName("§3 end-of-stream (each side in turn closing): the peer reads every byte written before our"
                + " close_notify, then -1, flags {RECEIVED}")
        void peerReadsToEndOfStream(Pairing pairing, String protocol) throws Exception {
            for (Role closer : Role.values()) {
                BufferPipe pipe = handshaken(pairing, protocol);
                TlsBufferConnection c = side(pipe, closer);
                TlsBufferConnection peer = other(pipe, closer);
                byte[] data = Buffers.data(20_000, 30 + closer.ordinal()); // two records, within the 32 KiB buffers
                ByteBuffer src = ByteBuffer.wrap(data);
                pipe.pumpUntil(() -> !src.hasRemaining(), () -> c.write(src), Buffers.ROUNDS);
                assertEquals(ShutdownResult.SENT, Buffers.shutdownThroughWantWrite(pipe, c));
                pipe.pumpUntilQuiet(100); // the data and the close_notify behind it are all in the peer's inbound
                assertArrayEquals(data, readAllToEnd(pipe, peer), closer + " wrote: every byte, then -1");
                assertEquals(Set.of(RECEIVED), peer.flags());
                assertEquals(-1, peer.read(ByteBuffer.allocate(16)), "end-of-stream stays end-of-stream");
            }
        }

        @EachPairing
        @GapAware(Capability.READ_AFTER_SENT)
        @DisplayName("§2.3 wait for the peer (each side in turn closing first): WANT_READ until the peer's"
                + " close_notify is fed, then COMPLETE; the peer's shutdown() = COMPLETE; CLEAN on both sides")
        void closerCompletesAfterThePeer(Pairing pairing, String protocol) throws Exception {
            for (Role closer : Role.values()) {
                BufferPipe pipe = handshaken(pairing, protocol);
                TlsBufferConnection c = side(pipe, closer);
                TlsBufferConnection peer = other(pipe, closer);
                assertEquals(ShutdownResult.SENT, c.shutdown());
                if (!readsAfterSent(pairing, closer)) {
                    expectReadAfterShutdown(c::shutdown, "READ_AFTER_SENT declared as a gap by the " + closer
                            + ": shutdown() after SENT reports how the connection ended");
                    pipe.pumpUntilQuiet(100);
                    assertArrayEquals(new byte[0], Buffers.readToEnd(pipe, peer));
                    assertEquals(ShutdownResult.COMPLETE, Buffers.shutdownThroughWantWrite(pipe, peer));
                    assertEquals(CloseReason.CLEAN, reason(peer));
                    continue;
                }
                assertEquals(ShutdownResult.WANT_READ, c.shutdown(), "the peer has not answered yet");
                pipe.pumpUntilQuiet(100);
                assertArrayEquals(new byte[0], Buffers.readToEnd(pipe, peer));
                assertEquals(Set.of(RECEIVED), peer.flags());
                assertEquals(ShutdownResult.COMPLETE, Buffers.shutdownThroughWantWrite(pipe, peer), "§2.2");
                pipe.pumpUntilQuiet(100);
                assertEquals(ShutdownResult.COMPLETE, c.shutdown(), closer + "'s shutdown() once the answer is fed");
                for (TlsBufferConnection conn : List.of(c, peer)) {
                    assertEquals(Set.of(SENT, RECEIVED), conn.flags());
                    assertEquals(CloseReason.CLEAN, reason(conn));
                }
            }
        }

        @EachPairing
        @GapAware(Capability.READ_AFTER_SENT)
        @DisplayName("§2.3 simultaneous close: both sides call shutdown() before either reads and each gets SENT;"
                + " once both close_notify alerts are fed, each shutdown() = COMPLETE, CLEAN on both sides")
        void simultaneousClose(Pairing pairing, String protocol) throws Exception {
            BufferPipe pipe = handshaken(pairing, protocol);
            int markA = pipe.bytes(pipe.aToB()).length;
            int markB = pipe.bytes(pipe.bToA()).length;
            assertEquals(ShutdownResult.SENT, pipe.a().shutdown());
            assertEquals(ShutdownResult.SENT, pipe.b().shutdown());
            pipe.pumpUntilQuiet(100);
            for (Role role : Role.values()) {
                TlsBufferConnection c = side(pipe, role);
                if (!readsAfterSent(pairing, role)) {
                    expectReadAfterShutdown(c::shutdown, "READ_AFTER_SENT declared as a gap by the " + role);
                    continue;
                }
                assertEquals(ShutdownResult.COMPLETE, c.shutdown(), role + ": the peer's close_notify is fed");
                assertEquals(Set.of(SENT, RECEIVED), c.flags());
                assertEquals(CloseReason.CLEAN, reason(c));
            }
            pipe.pumpUntilQuiet(100);
            Buffers.assertOneCloseNotify(protocol, Buffers.recordsSince(pipe, pipe.aToB(), markA), "the client's");
            Buffers.assertOneCloseNotify(protocol, Buffers.recordsSince(pipe, pipe.bToA(), markB), "the server's");
        }

        @EachPairing
        @GapAware(Capability.READ_AFTER_SENT)
        @DisplayName("§2.4 idempotence (each side in turn closing first): after COMPLETE, shutdown() keeps returning"
                + " COMPLETE and adds nothing to outbound; one close_notify each way")
        void completeIsIdempotent(Pairing pairing, String protocol) throws Exception {
            for (Role closer : Role.values()) {
                BufferPipe pipe = handshaken(pairing, protocol);
                int markA = pipe.bytes(pipe.aToB()).length;
                int markB = pipe.bytes(pipe.bToA()).length;
                TlsBufferConnection c = side(pipe, closer);
                TlsBufferConnection peer = other(pipe, closer);
                boolean waits = readsAfterSent(pairing, closer);
                Buffers.closeBothWays(pipe, c, peer, waits);
                if (!waits) {
                    expectReadAfterShutdown(c::shutdown, "READ_AFTER_SENT declared as a gap by the " + closer);
                }
                for (TlsBufferConnection conn : waits ? List.of(c, peer) : List.of(peer)) {
                    CloseOutcome before = conn.outcome().orElseThrow();
                    assertEquals(CloseReason.CLEAN, before.reason());
                    long out = conn.bytesOut();
                    for (int i = 0; i < 3; i++) {
                        assertEquals(ShutdownResult.COMPLETE, conn.shutdown(), conn.role() + " call " + i);
                        assertEquals(0, conn.outbound().position(), conn.role() + ": COMPLETE again adds nothing");
                    }
                    assertEquals(out, conn.bytesOut());
                    assertEquals(Set.of(SENT, RECEIVED), conn.flags());
                    assertEquals(before, conn.outcome().orElseThrow(), "the outcome does not change");
                }
                pipe.pumpUntilQuiet(100);
                Buffers.assertOneCloseNotify(protocol, Buffers.recordsSince(pipe, pipe.aToB(), markA),
                        "the client's close_notify, once (" + closer + " closed first)");
                Buffers.assertOneCloseNotify(protocol, Buffers.recordsSince(pipe, pipe.bToA(), markB),
                        "the server's close_notify, once (" + closer + " closed first)");
            }
        }

        @EachPairing
        @DisplayName("§3 truncation (each side in turn reading): a transport EOF without close_notify after data"
                + " fails TRUNCATED once the data is read, RECEIVED not set, outcome TRUNCATED")
        void transportEofIsTruncation(Pairing pairing, String protocol) throws Exception {
            for (Role reader : Role.values()) {
                BufferPipe pipe = handshaken(pairing, protocol);
                TlsBufferConnection r = side(pipe, reader);
                TlsBufferConnection writer = other(pipe, reader);
                byte[] data = Buffers.data(1000, 40 + reader.ordinal());
                assertArrayEquals(data, Buffers.transfer(pipe, writer, r, data));
                pipe.endOfStream(reader == Role.CLIENT ? pipe.bToA() : pipe.aToB());
                pipe.pumpUntilQuiet(10);

                TlsException e = assertThrows(TlsException.class, () -> Buffers.readToEnd(pipe, r));
                assertEquals(Kind.TRUNCATED, e.kind(), e::toString);
                assertFalse(r.flags().contains(RECEIVED), "a truncation is no close_notify: " + r.flags());
                assertEquals(CloseReason.TRUNCATED, reason(r));
                TlsException again = assertThrows(TlsException.class, r::shutdown);
                assertEquals(Kind.FAILED_EARLIER, again.kind(), again::toString);
            }
        }

        @EachPairing
        @DisplayName("§3 ignoreUnexpectedEof (each side in turn reading): a transport EOF without close_notify reads"
                + " as -1 and sets RECEIVED; shutdown() = COMPLETE, the close reason still records TRUNCATED")
        void ignoredUnexpectedEof(Pairing pairing, String protocol) throws Exception {
            ConnectionPolicy ignore = ConnectionPolicy.DEFAULT.withIgnoreUnexpectedEof(true);
            for (Role reader : Role.values()) {
                ContextPair ctx = contexts(pairing, protocol);
                BufferPipe pipe = Buffers.handshake(Buffers.pipe(ctx, 32 * 1024, 32 * 1024, 32 * 1024, 32 * 1024,
                        reader == Role.CLIENT ? ignore : ConnectionPolicy.DEFAULT,
                        reader == Role.SERVER ? ignore : ConnectionPolicy.DEFAULT));
                TlsBufferConnection r = side(pipe, reader);
                TlsBufferConnection writer = other(pipe, reader);
                byte[] data = Buffers.data(1000, 50 + reader.ordinal());
                ByteBuffer src = ByteBuffer.wrap(data);
                pipe.pumpUntil(() -> !src.hasRemaining(), () -> writer.write(src), Buffers.ROUNDS);
                Buffers.settle(pipe);
                pipe.endOfStream(reader == Role.CLIENT ? pipe.bToA() : pipe.aToB());
                pipe.pumpUntilQuiet(10);

                assertArrayEquals(data, Buffers.readToEnd(pipe, r), reader + ": the data before the EOF, then -1");
                assertEquals(Set.of(RECEIVED), r.flags());
                assertEquals(ShutdownResult.COMPLETE, r.shutdown(), "RECEIVED is set: §2.2");
                assertEquals(Set.of(SENT, RECEIVED), r.flags());
                assertEquals(CloseReason.TRUNCATED, reason(r), "the close reason still records the truncation");
            }
        }

        @EachPairing
        @GapAware(value = Capability.READ_AFTER_SENT, side = Role.CLIENT)
        @GapAware(Capability.RESUMPTION_TLS13)
        @DisplayName("§4 clean bidirectional close: the session is kept on both sides and the next buffer pair"
                + " resumes, resumed() true on both sides")
        void cleanCloseResumes(Pairing pairing, String protocol) throws Exception {
            ContextPair ctx = contexts(pairing, protocol);
            BufferPipe first = Buffers.handshake(ctx.buffers());
            assertResumed(false, first.a(), first.b(), "the first connection of fresh contexts");
            assertArrayEquals(PING, Buffers.transfer(first, first.a(), first.b(), PING));
            assertArrayEquals(PONG, Buffers.transfer(first, first.b(), first.a(), PONG));
            Buffers.closeBothWays(first, first.a(), first.b(), readsAfterSent(pairing, Role.CLIENT));
            first.a().close();
            first.b().close();
            for (TlsBufferConnection c : List.of(first.a(), first.b())) {
                assertTrue(c.outcome().orElseThrow().sessionKept(), c.role() + ": SENT set, no failure: "
                        + c.outcome().orElseThrow());
            }

            boolean resumes = protocol.equals("TLSv1.2") || (pairing.client().supports(Capability.RESUMPTION_TLS13)
                    && pairing.server().supports(Capability.RESUMPTION_TLS13));
            BufferPipe next = Buffers.handshake(ctx.buffers());
            assertResumed(resumes, next.a(), next.b(), resumes ? "after a clean close"
                    : "after a clean close, RESUMPTION_TLS13 declared as a gap by a side");
        }

        // ------------------------------------------------------------------ support

        private ContextPair contexts(Pairing pairing, String protocol) {
            ContextPair ctx = CrossProviderContract.contexts(pairing, protocol);
            contexts.add(ctx);
            return ctx;
        }

        private BufferPipe handshaken(Pairing pairing, String protocol) throws Exception {
            return Buffers.handshake(contexts(pairing, protocol).buffers());
        }

        /**
         * Reads until end-of-stream with a buffer that takes several records a call, pumping only when
         * a read wants more ({@link Buffers#readToEnd} suits a few KiB: it counts reads without pump
         * traffic as no progress).
         */
        private static byte[] readAllToEnd(BufferPipe pipe, TlsBufferConnection conn) throws TlsException {
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            ByteBuffer buf = ByteBuffer.allocate(64 * 1024);
            int idle = 0;
            for (int i = 0; i < Buffers.ROUNDS; i++) {
                buf.clear();
                int n = conn.read(buf);
                if (n < 0) {
                    return got.toByteArray();
                }
                got.write(buf.array(), 0, n);
                if (n == 0 && pipe.pump() == 0 && ++idle > BufferPipe.QUIET_ROUNDS) {
                    fail("no end-of-stream and no progress after " + got.size() + " bytes: " + pipe);
                }
            }
            return fail("no end-of-stream after " + Buffers.ROUNDS + " reads: " + pipe);
        }

        private static TlsBufferConnection side(BufferPipe pipe, Role role) {
            return role == Role.CLIENT ? pipe.a() : pipe.b();
        }

        private static TlsBufferConnection other(BufferPipe pipe, Role role) {
            return role == Role.CLIENT ? pipe.b() : pipe.a();
        }
    }

    // ================================================================== shared support

    /**
     * Contexts of the pair's providers for {@code protocol}; a pair with a provider that is not
     * available in this JVM is SKIPPED, with its cause.
     */
    private static ContextPair contexts(Pairing pairing, String protocol) {
        for (ShutdownProvider p : List.of(pairing.client(), pairing.server())) {
            Assumptions.assumeTrue(p.availability().isAvailable(), () -> ServiceLoadedProvidersTest.UNAVAILABLE
                    + p.name() + ": " + p.availability().cause().map(Throwable::toString).orElse("?"));
        }
        return ContextPair.of(pairing.client(), pairing.server(), protocol);
    }

    private static boolean readsAfterSent(Pairing pairing, Role side) {
        return pairing.of(side).supports(Capability.READ_AFTER_SENT);
    }

    private static void assertResumed(boolean resumed, Sockets p, String why) {
        assertResumed(resumed, p.client, p.server, why);
    }

    private static void assertResumed(boolean resumed, TlsConnection client, TlsConnection server, String why) {
        SessionFacts c = client.session().orElseThrow();
        SessionFacts s = server.session().orElseThrow();
        String expect = resumed ? "a resumed handshake " : "a full handshake ";
        assertEquals(resumed, c.resumed(), "client: " + expect + why + ": " + c);
        assertEquals(resumed, s.resumed(), "server: " + expect + why + ": " + s);
    }

    private static CloseReason reason(TlsConnection c) {
        return c.outcome().orElseThrow(() -> new AssertionError(c.role() + " has not ended: flags " + c.flags()))
                .reason();
    }

    private static TlsException expect(Kind kind, Executable call) {
        TlsException e = assertThrows(TlsException.class, call, () -> "expected a TlsException of kind " + kind);
        if (e.kind() != kind) {
            fail("expected kind " + kind + ", got " + e, e);
        }
        assertFalse(e.getMessage() == null || e.getMessage().isBlank(), "every failure has a message");
        return e;
    }

    /** Everything {@code from}'s side wrote to the proxy, once that side's stream ended (close it first). */
    private static byte[] wire(FaultyProxy proxy, Role from) throws InterruptedException {
        FaultyProxy.Connection conn = proxy.awaitConnection(0, WAIT);
        Direction d = from == Role.CLIENT ? proxy.clientToServer() : proxy.serverToClient();
        conn.awaitEnd(d, WAIT);
        return conn.bytes(d);
    }

    private static TlsRecords.Parsed records(byte[] wire, long from) {
        return TlsRecords.parse(wire, (int) from, wire.length);
    }

    /** A step running on its own virtual thread. */
    private record Task<T>(CompletableFuture<T> future) {
        T join() throws Exception {
            try {
                return future.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
            } catch (ExecutionException e) {
                if (e.getCause() instanceof Exception x) {
                    throw x;
                }
                if (e.getCause() instanceof Error x) {
                    throw x;
                }
                throw e;
            }
        }
    }

    private static <T> Task<T> spawn(String name, Callable<T> step) {
        CompletableFuture<T> f = new CompletableFuture<>();
        Thread.ofVirtual().name("cross-" + name).start(() -> {
            try {
                f.complete(step.call());
            } catch (Throwable x) {
                f.completeExceptionally(x);
            }
        });
        return new Task<>(f);
    }

    /** A declared READ_AFTER_SENT gap: the call fails READ_AFTER_SHUTDOWN, as Capability defines. */
    private static void expectReadAfterShutdown(Executable call, String why) {
        TlsException e = assertThrows(TlsException.class, call, why);
        assertEquals(TlsException.Kind.READ_AFTER_SHUTDOWN, e.kind(), () -> why + ": " + e);
    }
}

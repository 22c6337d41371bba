package dev.closenotify.server;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.closenotify.spi.Capability;
import dev.closenotify.spi.CloseReason;
import dev.closenotify.spi.ShutdownProvider;
import dev.closenotify.spi.ShutdownProviders;
import dev.closenotify.spi.ShutdownResult;
import dev.closenotify.spi.TlsConfig;
import dev.closenotify.spi.TlsConnection;
import dev.closenotify.spi.TlsContext;
import dev.closenotify.spi.TlsException;
import dev.closenotify.spi.TlsSocketConnection;
import dev.closenotify.tck.support.Peer;
import dev.closenotify.tck.support.TestCertificates;
import dev.closenotify.tck.support.TlsRecords;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.Socket;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.WeakHashMap;
import java.util.concurrent.CompletableFuture;
import java.util.function.BiPredicate;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.params.provider.Arguments;

/** Servers, clients and the provider × protocol matrix of the server's tests. */
final class Fixtures {
    static final List<String> PROTOCOLS = List.of("TLSv1.3", "TLSv1.2");
    static final Duration WAIT = Duration.ofSeconds(15);

    private Fixtures() {
    }

    /** Every usable provider on the class path (each is a server and a client in the matrix). */
    static List<ShutdownProvider> providers() {
        return ShutdownProviders.candidates().stream().filter(c -> c.availability().isAvailable())
                .map(ShutdownProviders.Candidate::provider).toList();
    }

    /** Server provider × client provider × protocol: for what depends on both stacks (echo, sessions). */
    static Stream<Arguments> matrix() {
        return pairs((server, client) -> true);
    }

    /**
     * Every server provider with a client of its own provider and with a JSSE client, and every
     * client provider against a JSSE server, × protocol: for what the server decides (a stop, the
     * limits), where each stack must still be seen on both sides and with each gap, without the
     * whole matrix's time.
     */
    static Stream<Arguments> star() {
        return pairs((server, client) -> server.name().equals(client.name()) || server.name().equals("jsse")
                || client.name().equals("jsse"));
    }

    private static Stream<Arguments> pairs(BiPredicate<ShutdownProvider, ShutdownProvider> taken) {
        List<Arguments> all = new ArrayList<>();
        for (ShutdownProvider server : providers()) {
            for (ShutdownProvider client : providers()) {
                if (!taken.test(server, client)) {
                    continue;
                }
                for (String protocol : PROTOCOLS) {
                    all.add(Arguments.of(Named.of("server=" + server.name(), server),
                            Named.of("client=" + client.name(), client), protocol));
                }
            }
        }
        return all.stream();
    }

    /** Server provider × protocol, each with a client of its own provider: for what only the server decides. */
    static Stream<Arguments> servers() {
        List<Arguments> all = new ArrayList<>();
        for (ShutdownProvider server : providers()) {
            for (String protocol : PROTOCOLS) {
                all.add(Arguments.of(Named.of("server=client=" + server.name(), server), protocol));
            }
        }
        return all.stream();
    }

    /** A server configuration on 127.0.0.1, an ephemeral port, the test server certificate, both protocols. */
    static EchoServerConfig config(ShutdownProvider provider) {
        TlsConfig tls = TlsConfig.server(TestCertificates.get().serverKeyManager()).build();
        return EchoServerConfig.of(tls).withPort(0).withProvider(provider.name());
    }

    /** The server, started. */
    static EchoServer start(EchoServerConfig config) throws IOException {
        return new EchoServer(config).start();
    }

    /** A client context of {@code provider} for {@code protocol}, trusting the test CA, verifying localhost. */
    static TlsContext client(ShutdownProvider provider, String protocol) {
        return provider.newContext(TlsConfig.client().trustManager(TestCertificates.get().trustManager())
                .serverName("localhost").protocols(protocol).build());
    }

    /**
     * The sockets under the connections {@link #connect} made, for {@link #closeCleanly} on a client
     * that cannot read after its own close_notify.
     */
    private static final Map<TlsSocketConnection, Socket> SOCKETS = Collections.synchronizedMap(new WeakHashMap<>());

    /** A client connection to {@code server}, handshaken. */
    static TlsSocketConnection connect(TlsContext client, EchoServer server) throws IOException {
        Socket socket = socket(server);
        TlsSocketConnection c = client.open(socket);
        try {
            c.handshake();
        } catch (TlsException e) {
            c.close();
            throw e;
        }
        SOCKETS.put(c, socket);
        return c;
    }

    /** Whether {@code c}'s provider reads after its own close_notify (SEMANTICS.md §9 {@code READ_AFTER_SENT}). */
    static boolean readsAfterSent(TlsConnection c) {
        return ShutdownProviders.get(c.providerName()).supports(Capability.READ_AFTER_SENT);
    }

    /** A plain TCP socket connected to {@code server}. */
    static Socket socket(EchoServer server) throws IOException {
        Socket s = new Socket();
        s.connect(server.address(), 5_000);
        return s;
    }

    /** Reads exactly {@code n} bytes. */
    static byte[] readFully(TlsSocketConnection c, int n) throws TlsException {
        byte[] b = new byte[n];
        int off = 0;
        while (off < n) {
            int r = c.read(b, off, n - off);
            if (r < 0) {
                throw new AssertionError("end-of-stream after " + off + " of " + n + " echoed bytes");
            }
            off += r;
        }
        return b;
    }

    /** Writes {@code data}, reads its echo back, on two threads; asserts the echo is the same. */
    static void echo(TlsSocketConnection c, byte[] data) throws Exception {
        CompletableFuture<Void> writer = Peer.run(() -> c.write(data, 0, data.length));
        byte[] back;
        try {
            back = readFully(c, data.length);
        } catch (Throwable t) {
            Peer.suppressInto(t, writer);
            throw t;
        }
        writer.get();
        assertArrayEquals(data, back, "the echo of " + data.length + " bytes");
    }

    /**
     * The clean client close: shutdown() = SENT, read to end-of-stream (the server's close_notify),
     * shutdown() = COMPLETE. A client with the {@code READ_AFTER_SENT} gap ends {@code SENT_ONLY}
     * when its close_notify is out, and cannot read the server's answer: it is read off the socket
     * (one or more whole TLS records, then the server's end of the transport), so the server's side
     * ends as it does for any client, and the socket is closed only then.
     */
    static void closeCleanly(TlsSocketConnection c) throws IOException {
        assertEquals(ShutdownResult.SENT, c.shutdown());
        Socket socket = SOCKETS.remove(c);
        if (!readsAfterSent(c)) {
            Objects.requireNonNull(socket, "closeCleanly of a READ_AFTER_SENT-gap client needs a connection from connect()");
            byte[] answer = socket.getInputStream().readAllBytes(); // until the server closes
            TlsRecords.Parsed records = TlsRecords.parse(answer);
            assertTrue(!records.records().isEmpty() && !records.hasPartial(),
                    "the server answered our close_notify with whole TLS records, then closed: " + records);
            c.close();
            assertEquals(CloseReason.SENT_ONLY, c.outcome().orElseThrow().reason(), "the READ_AFTER_SENT gap");
            return;
        }
        byte[] rest = readToEnd(c);
        assertEquals(0, rest.length, "bytes after our close_notify");
        assertEquals(ShutdownResult.COMPLETE, c.shutdown());
        c.close();
        assertEquals(CloseReason.CLEAN, c.outcome().orElseThrow().reason());
    }

    /** Everything until end-of-stream. */
    static byte[] readToEnd(TlsSocketConnection c) throws TlsException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] b = new byte[16 * 1024];
        int n;
        while ((n = c.read(b, 0, b.length)) != -1) {
            out.write(b, 0, n);
        }
        return out.toByteArray();
    }

    /** Random bytes, the same for the same seed. */
    static byte[] random(long seed, int n) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    /** Waits until the server's stats satisfy {@code condition}; fails with the stats otherwise. */
    static ServerStats awaitStats(EchoServer server, Predicate<ServerStats> condition) {
        await().atMost(WAIT).alias("server stats").until(server::stats, condition::test);
        return server.stats();
    }

    /** Waits until no connection is open on the server. */
    static ServerStats awaitIdle(EchoServer server) {
        return awaitStats(server, s -> s.active() == 0);
    }
}

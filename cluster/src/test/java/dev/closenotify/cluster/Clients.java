package dev.closenotify.cluster;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.closenotify.spi.Capability;
import dev.closenotify.spi.CloseReason;
import dev.closenotify.spi.SessionFacts;
import dev.closenotify.spi.ShutdownProviders;
import dev.closenotify.spi.ShutdownResult;
import dev.closenotify.spi.TlsConfig;
import dev.closenotify.spi.TlsContext;
import dev.closenotify.spi.TlsException;
import dev.closenotify.spi.TlsSocketConnection;
import dev.closenotify.tck.support.TestCertificates;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;

/** TLS clients of the cluster: one context per simulated client, each from its own loopback address. */
final class Clients {
    private Clients() {
    }

    /**
     * A client context of {@code provider} for {@code protocol}, trusting the test CA, verifying
     * localhost. One per simulated client: a context's session cache is keyed by host and port,
     * which are HAProxy's for every client, so a shared one would offer one client's session to
     * another client's node.
     */
    static TlsContext context(String provider, String protocol) {
        return ShutdownProviders.get(provider).newContext(TlsConfig.client()
                .trustManager(TestCertificates.get().trustManager()).serverName("localhost").protocols(protocol).build());
    }

    /** 127.0.0.{@code last}: on Linux every address of 127/8 is the loopback interface's. */
    static InetAddress loopback(int last) {
        try {
            return InetAddress.getByAddress(new byte[] {127, 0, 0, (byte) last});
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    /**
     * A connection to {@code to} from {@code source}: {@code balance source} hashes the client's
     * address, so distinct sources are distinct clients to HAProxy.
     */
    static TlsSocketConnection connect(TlsContext context, InetSocketAddress to, InetAddress source) throws IOException {
        Socket s = new Socket();
        try {
            // One small message at a time: without it, Nagle and delayed ACKs add tens of ms per echo.
            s.setTcpNoDelay(true);
            s.bind(new InetSocketAddress(source, 0));
            s.connect(to, 5_000);
        } catch (IOException e) {
            s.close();
            throw e;
        }
        return context.open(s);
    }

    /** Connects, echoes one line, closes cleanly (both close_notify alerts), and returns what the handshake settled. */
    static SessionFacts roundTrip(Cluster cluster, TlsContext context, InetAddress source) throws IOException {
        try (TlsSocketConnection c = connect(context, cluster.frontend, source)) {
            c.handshake();
            byte[] ping = ("ping from " + source.getHostAddress()).getBytes(StandardCharsets.US_ASCII);
            c.write(ping, 0, ping.length);
            assertArrayEquals(ping, readFully(c, ping.length), "the echo");
            cluster.echoedToClients.addAndGet(ping.length);
            closeFirst(c);
            return c.session().orElseThrow();
        }
    }

    /**
     * The client's close, first to close: close_notify, then the node's, then {@code CLEAN}. A
     * client whose provider declares {@link Capability#READ_AFTER_SENT} (BC) cannot read after its
     * own close_notify: its connection ends {@code SENT_ONLY} with the session kept (SEMANTICS.md §9).
     */
    static void closeFirst(TlsSocketConnection c) throws TlsException {
        assertEquals(ShutdownResult.SENT, c.shutdown());
        if (readsAfterSent(c.providerName())) {
            byte[] rest = new byte[64];
            assertEquals(-1, c.read(rest, 0, rest.length), "end-of-stream: the node's close_notify");
            assertEquals(ShutdownResult.COMPLETE, c.shutdown());
        }
        c.close();
        assertEquals(readsAfterSent(c.providerName()) ? CloseReason.CLEAN : CloseReason.SENT_ONLY,
                c.outcome().orElseThrow().reason(), "how the client's close ended");
    }

    /** Whether {@code provider} resumes TLS 1.3 sessions (no {@link Capability#RESUMPTION_TLS13} gap). */
    static boolean resumesTls13(String provider) {
        return ShutdownProviders.get(provider).supports(Capability.RESUMPTION_TLS13);
    }

    static boolean readsAfterSent(String provider) {
        return ShutdownProviders.get(provider).supports(Capability.READ_AFTER_SENT);
    }

    /** Exactly {@code n} bytes; fails at end-of-stream. */
    static byte[] readFully(TlsSocketConnection c, int n) throws TlsException {
        byte[] b = new byte[n];
        for (int off = 0; off < n; ) {
            int r = c.read(b, off, n - off);
            if (r < 0) {
                throw new AssertionError("end-of-stream after " + off + " of " + n + " echoed bytes");
            }
            off += r;
        }
        return b;
    }
}

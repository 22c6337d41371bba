package dev.closenotify.server;

import static dev.closenotify.server.Fixtures.awaitIdle;
import static dev.closenotify.server.Fixtures.closeCleanly;
import static dev.closenotify.server.Fixtures.connect;
import static dev.closenotify.server.Fixtures.echo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.closenotify.spi.Capability;
import dev.closenotify.spi.CloseReason;
import dev.closenotify.spi.ShutdownFlag;
import dev.closenotify.spi.ShutdownProvider;
import dev.closenotify.spi.ShutdownProviders;
import dev.closenotify.spi.TlsContext;
import dev.closenotify.spi.TlsSocketConnection;
import java.nio.charset.StandardCharsets;
import java.util.stream.Stream;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Sessions through the echo server (SEMANTICS.md §4): a client that closed cleanly resumes, the
 * server counts resumed and full handshakes, and a client that vanished without close_notify is
 * counted as truncated and does not resume.
 */
@Timeout(value = 30, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class SessionTest {
    private static final byte[] PING = "ping".getBytes(StandardCharsets.US_ASCII);

    @ParameterizedTest(name = "{0} {1} {2}")
    @MethodSource("dev.closenotify.server.Fixtures#matrix")
    void resumesAfterACleanClose(ShutdownProvider serverProvider, ShutdownProvider clientProvider, String protocol)
            throws Exception {
        try (EchoServer server = Fixtures.start(Fixtures.config(serverProvider))) {
            TlsContext client = Fixtures.client(clientProvider, protocol);
            TlsSocketConnection first = connect(client, server);
            echo(first, PING);
            closeCleanly(first);
            assertFalse(first.session().orElseThrow().resumed(), "the first handshake is full");

            TlsSocketConnection second = connect(client, server);
            echo(second, PING);
            closeCleanly(second);
            boolean resumes = !protocol.equals("TLSv1.3")
                    || (clientProvider.supports(Capability.RESUMPTION_TLS13) && serverProvider.supports(Capability.RESUMPTION_TLS13));
            assertEquals(resumes, second.session().orElseThrow().resumed(), "the second handshake resumed");

            ServerStats stats = awaitIdle(server);
            assertEquals(resumes ? 1 : 2, stats.fullHandshakes(), stats.summary());
            assertEquals(resumes ? 1 : 0, stats.resumedHandshakes(), stats.summary());
            assertEquals(2, stats.closes(CloseReason.CLEAN), stats.summary());
        }
    }

    @ParameterizedTest(name = "{0} {1} {2}")
    @MethodSource("dev.closenotify.server.Fixtures#matrix")
    void aVanishedClientIsTruncatedAndDoesNotResume(ShutdownProvider serverProvider, ShutdownProvider clientProvider,
                                                    String protocol) throws Exception {
        try (EchoServer server = Fixtures.start(Fixtures.config(serverProvider))) {
            TlsContext client = Fixtures.client(clientProvider, protocol);
            TlsSocketConnection gone = connect(client, server);
            echo(gone, PING);
            gone.close(); // no close_notify: the transport just ends
            assertEquals(CloseReason.ABORTED, gone.outcome().orElseThrow().reason());

            ServerStats stats = Fixtures.awaitStats(server, s -> s.closes(CloseReason.TRUNCATED) == 1);
            assertEquals(1, stats.ended(), stats.summary());

            TlsSocketConnection next = connect(client, server);
            echo(next, PING);
            closeCleanly(next);
            assertFalse(next.session().orElseThrow().resumed(), "a session whose connection was truncated is not resumed");
            stats = awaitIdle(server);
            assertEquals(2, stats.fullHandshakes(), stats.summary());
            assertEquals(0, stats.resumedHandshakes(), stats.summary());
        }
    }

    /**
     * SEMANTICS.md §4 on the server side, and the limit the README states. A client that keeps its
     * session (SENT set by hand, as OpenSSL's SSL_set_shutdown) and vanishes: a server that holds its
     * sessions drops that one (BC's server, TLS 1.2: session ids), and the client's offer of it leads
     * to a full handshake; a stateless ticket already in the client's hands (JSSE's server issues them
     * by default, in TLS 1.3 and to TLS 1.2 clients that ask) is not revoked, so it resumes. JSSE's
     * server holding its sessions: {@code CliProcessTest}.
     */
    @ParameterizedTest(name = "server={0} client=jsse {1}: resumes={2}")
    @MethodSource("truncatedAfterTheClientKeptItsSession")
    void aTruncatedConnectionWhoseClientKeptItsSession(String serverProvider, String protocol, boolean resumes)
            throws Exception {
        try (EchoServer server = Fixtures.start(Fixtures.config(ShutdownProviders.get(serverProvider)))) {
            TlsContext client = Fixtures.client(ShutdownProviders.get("jsse"), protocol);
            TlsSocketConnection kept = connect(client, server);
            echo(kept, PING);
            closeCleanly(kept);
            TlsSocketConnection gone = connect(client, server);
            echo(gone, PING);
            assertTrue(gone.session().orElseThrow().resumed(), "a clean close keeps the session on both sides");
            gone.addFlags(ShutdownFlag.SENT);
            gone.close();
            assertTrue(gone.outcome().orElseThrow().sessionKept(), "the client keeps its session");
            Fixtures.awaitStats(server, s -> s.closes(CloseReason.TRUNCATED) == 1);

            TlsSocketConnection next = connect(client, server);
            echo(next, PING);
            closeCleanly(next);
            assertEquals(resumes, next.session().orElseThrow().resumed(), resumes
                    ? "a stateless ticket the client holds is not revoked by the server's drop"
                    : "the server dropped the session of the truncated connection");
        }
    }

    static Stream<Arguments> truncatedAfterTheClientKeptItsSession() {
        return Stream.of(Arguments.of("jsse", "TLSv1.3", true), Arguments.of("jsse", "TLSv1.2", true),
                Arguments.of("bc", "TLSv1.2", false));
    }
}

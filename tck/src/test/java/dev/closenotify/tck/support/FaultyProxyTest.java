package dev.closenotify.tck.support;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Every feature of {@link FaultyProxy}, with plain sockets. */
class FaultyProxyTest {

    private static final Duration WAIT = Duration.ofSeconds(10);

    private Target target;
    private FaultyProxy proxy;
    private Socket client;
    private Socket server;

    @BeforeEach
    void start() throws IOException {
        target = new Target();
        proxy = FaultyProxy.start(target.address());
    }

    @AfterEach
    void stop() throws IOException {
        if (client != null) {
            client.close();
        }
        if (server != null) {
            server.close();
        }
        proxy.close();
        target.close();
    }

    @Test
    @Timeout(20)
    void listensOnLoopbackWithAFreePort() {
        assertEquals("127.0.0.1", proxy.address().getAddress().getHostAddress());
        assertTrue(proxy.port() > 0);
        assertEquals(proxy.port(), proxy.address().getPort());
        assertEquals(target.address(), proxy.target());
    }

    @Test
    @Timeout(20)
    void forwardsAndRecordsBothDirections() throws Exception {
        connect();
        client.getOutputStream().write(ascii("hello"));
        assertArrayEquals(ascii("hello"), server.getInputStream().readNBytes(5));
        server.getOutputStream().write(ascii("world!"));
        assertArrayEquals(ascii("world!"), client.getInputStream().readNBytes(6));

        client.shutdownOutput();
        assertEquals(-1, server.getInputStream().read(), "the client's FIN is passed on");
        server.shutdownOutput();
        assertEquals(-1, client.getInputStream().read(), "the server's FIN is passed on");

        FaultyProxy.Connection c = proxy.awaitConnection(0, WAIT);
        assertEquals(0, c.index());
        assertEquals(StreamEnd.EOF, c.awaitEnd(proxy.clientToServer(), WAIT));
        assertEquals(StreamEnd.EOF, c.awaitEnd(proxy.serverToClient(), WAIT));
        assertArrayEquals(ascii("hello"), c.clientToServer());
        assertArrayEquals(ascii("world!"), c.serverToClient());
        assertArrayEquals(ascii("hello"), c.bytes(proxy.clientToServer()));
        assertArrayEquals(ascii("hello"), c.delivered(proxy.clientToServer()));
        assertArrayEquals(ascii("world!"), concat(c.chunks(proxy.serverToClient())));
        assertEquals(1, proxy.connections().size());
        assertEquals(5, proxy.awaitBytes(proxy.clientToServer(), 5, WAIT));
        proxy.assertNoErrors();
    }

    @Test
    @Timeout(20)
    void cutWithFinDeliversExactlyTheBytesBeforeTheOffset() throws Exception {
        proxy.clientToServer().cutAt(100, Cut.FIN);
        connect();
        byte[] data = pattern(300);
        client.getOutputStream().write(data);

        assertArrayEquals(Arrays.copyOf(data, 100), server.getInputStream().readAllBytes(), "100 bytes, then end-of-stream");
        FaultyProxy.Connection c = proxy.awaitConnection(0, WAIT);
        assertEquals(StreamEnd.CUT_FIN, c.awaitEnd(proxy.clientToServer(), WAIT));
        c.awaitBytes(proxy.clientToServer(), 300, WAIT);
        assertArrayEquals(data, c.clientToServer(), "what the client wrote after the cut is still recorded");
        assertArrayEquals(Arrays.copyOf(data, 100), c.delivered(proxy.clientToServer()));

        server.getOutputStream().write(ascii("still here"));
        assertArrayEquals(ascii("still here"), client.getInputStream().readNBytes(10), "the other direction goes on");
        assertFalse(c.end(proxy.serverToClient()).isPresent());
        proxy.assertNoErrors();
    }

    @Test
    @Timeout(20)
    void cutWithRstResetsBothPeers() throws Exception {
        proxy.serverToClient().cutAt(10, Cut.RST);
        connect();
        byte[] data = pattern(50);
        server.getOutputStream().write(data);

        ByteArrayOutputStream got = new ByteArrayOutputStream();
        SocketException atClient = assertThrows(SocketException.class, () -> readAll(client.getInputStream(), got));
        assertTrue(atClient.getMessage().contains("Connection reset"), atClient.toString());
        assertTrue(got.size() <= 10, "at most the bytes before the cut: " + got.size());
        assertArrayEquals(Arrays.copyOf(data, got.size()), got.toByteArray());

        SocketException atServer = assertThrows(SocketException.class, () -> server.getInputStream().read());
        assertTrue(atServer.getMessage().contains("Connection reset"), atServer.toString());

        FaultyProxy.Connection c = proxy.awaitConnection(0, WAIT);
        assertEquals(StreamEnd.CUT_RST, c.awaitEnd(proxy.serverToClient(), WAIT));
        assertEquals(StreamEnd.CUT_RST, c.awaitEnd(proxy.clientToServer(), WAIT));
        assertArrayEquals(Arrays.copyOf(data, 10), c.delivered(proxy.serverToClient()));
        proxy.assertNoErrors();
    }

    @Test
    @Timeout(20)
    void cutAtZeroEndsTheStreamBeforeAnyByte() throws Exception {
        proxy.serverToClient().cutAt(0, Cut.FIN);
        connect();
        assertEquals(-1, client.getInputStream().read());
        server.getOutputStream().write(ascii("dropped"));
        FaultyProxy.Connection c = proxy.awaitConnection(0, WAIT);
        c.awaitBytes(proxy.serverToClient(), 7, WAIT);
        assertEquals(0, c.delivered(proxy.serverToClient()).length);
    }

    @Test
    @Timeout(20)
    void splitWritesChunksOfAtMostK() throws Exception {
        proxy.clientToServer().splitEvery(3);
        proxy.serverToClient().splitEvery(1);
        connect();
        byte[] data = pattern(10);
        client.getOutputStream().write(data);
        assertArrayEquals(data, server.getInputStream().readNBytes(10));
        server.getOutputStream().write(data);
        assertArrayEquals(data, client.getInputStream().readNBytes(10));

        FaultyProxy.Connection c = proxy.awaitConnection(0, WAIT);
        List<byte[]> up = c.chunks(proxy.clientToServer());
        assertTrue(up.size() >= 4, "10 bytes in chunks of at most 3: " + up.size());
        up.forEach(chunk -> assertTrue(chunk.length <= 3, "chunk of " + chunk.length));
        assertArrayEquals(data, concat(up));
        List<byte[]> down = c.chunks(proxy.serverToClient());
        assertEquals(10, down.size());
        assertArrayEquals(data, concat(down));
        proxy.assertNoErrors();
    }

    @Test
    @Timeout(20)
    void stallHoldsTheRestUntilRelease() throws Exception {
        proxy.clientToServer().stallAfter(4);
        connect();
        byte[] data = pattern(10);
        client.getOutputStream().write(data);
        assertArrayEquals(Arrays.copyOf(data, 4), server.getInputStream().readNBytes(4));

        FaultyProxy.Connection c = proxy.awaitConnection(0, WAIT);
        c.awaitBytes(proxy.clientToServer(), 4, WAIT);
        // A stalled stream does not even read: the proxy has taken exactly 4 bytes, not more.
        assertEquals(4, c.bytes(proxy.clientToServer()).length);
        assertEquals(4, c.delivered(proxy.clientToServer()).length);

        proxy.clientToServer().release();
        assertArrayEquals(Arrays.copyOfRange(data, 4, 10), server.getInputStream().readNBytes(6));
        proxy.assertNoErrors();
    }

    @Test
    @Timeout(60)
    void stallBuildsBackpressureUntilTheWriterBlocks() throws Exception {
        proxy.clientToServer().stallAfter(0);
        connect();
        AtomicLong written = new AtomicLong();
        AtomicBoolean stop = new AtomicBoolean();
        AtomicReference<Throwable> writerFailure = new AtomicReference<>();
        byte[] block = pattern(64 * 1024);
        Thread writer = Thread.ofVirtual().name("blocked-writer").start(() -> {
            try {
                OutputStream out = client.getOutputStream();
                while (!stop.get()) {
                    out.write(block);
                    written.addAndGet(block.length);
                }
                client.shutdownOutput();
            } catch (Throwable t) {
                writerFailure.set(t);
            }
        });

        // Loopback buffers hold megabytes: the writer blocks only once they are all full.
        await().atMost(WAIT.multipliedBy(3)).until(() -> writer.getState() == Thread.State.WAITING || !writer.isAlive());
        assertTrue(writer.isAlive(), () -> "the writer ended: " + writerFailure.get());
        FaultyProxy.Connection c = proxy.awaitConnection(0, WAIT);
        assertEquals(0, c.bytes(proxy.clientToServer()).length, "a stalled proxy does not read");
        assertTrue(written.get() > 0);

        stop.set(true);
        proxy.clientToServer().release();
        long received = server.getInputStream().transferTo(OutputStream.nullOutputStream());
        writer.join();
        assertNull(writerFailure.get());
        assertEquals(written.get(), received);
        assertEquals(written.get(), c.bytes(proxy.clientToServer()).length);
        proxy.assertNoErrors();
    }

    @Test
    @Timeout(20)
    void injectInsertsBytesAtTheOffsetAndAtTheEnd() throws Exception {
        proxy.clientToServer().injectAt(3, ascii("XYZ")).injectAt(6, ascii("!"));
        connect();
        client.getOutputStream().write(ascii("abcdef"));
        client.shutdownOutput();
        assertArrayEquals(ascii("abcXYZdef!"), server.getInputStream().readAllBytes());

        FaultyProxy.Connection c = proxy.awaitConnection(0, WAIT);
        assertArrayEquals(ascii("abcdef"), c.clientToServer(), "injected bytes are not the client's");
        assertArrayEquals(ascii("abcXYZdef!"), c.delivered(proxy.clientToServer()));
        proxy.assertNoErrors();
    }

    @Test
    @Timeout(20)
    void flipInvertsTheByteAtTheOffset() throws Exception {
        proxy.serverToClient().flipAt(1);
        connect();
        server.getOutputStream().write(new byte[] {1, 2, 3});
        assertArrayEquals(new byte[] {1, (byte) ~2, 3}, client.getInputStream().readNBytes(3));
        FaultyProxy.Connection c = proxy.awaitConnection(0, WAIT);
        assertArrayEquals(new byte[] {1, 2, 3}, c.serverToClient());
        proxy.assertNoErrors();
    }

    @Test
    @Timeout(20)
    void rulesApplyToEveryConnectionWithItsOwnOffsets() throws Exception {
        proxy.clientToServer().injectAt(1, ascii("#"));
        for (String text : List.of("ab", "cd")) {
            try (Socket c = new Socket()) {
                c.connect(proxy.address());
                try (Socket s = target.accept()) {
                    c.getOutputStream().write(ascii(text));
                    c.shutdownOutput();
                    assertArrayEquals(ascii(text.charAt(0) + "#" + text.charAt(1)), s.getInputStream().readAllBytes());
                }
            }
        }
        assertEquals(1, proxy.awaitConnection(1, WAIT).index());
        assertEquals(4, proxy.awaitBytes(proxy.clientToServer(), 4, WAIT));
        proxy.assertNoErrors();
    }

    @Test
    @Timeout(20)
    void aResetFromAPeerIsPassedOnAndIsNoError() throws Exception {
        connect();
        client.setSoLinger(true, 0);
        client.close();
        SocketException atServer = assertThrows(SocketException.class, () -> server.getInputStream().read());
        assertTrue(atServer.getMessage().contains("Connection reset"), atServer.toString());
        FaultyProxy.Connection c = proxy.awaitConnection(0, WAIT);
        assertEquals(StreamEnd.RESET, c.awaitEnd(proxy.clientToServer(), WAIT));
        proxy.assertNoErrors();
    }

    @Test
    @Timeout(20)
    void aFailedConnectToTheTargetIsRecordedAsAnError() throws Exception {
        InetSocketAddress nowhere;
        try (ServerSocket closed = new ServerSocket(0, 1, loopback())) {
            nowhere = new InetSocketAddress(loopback(), closed.getLocalPort());
        }
        try (FaultyProxy broken = FaultyProxy.start(nowhere); Socket c = new Socket()) {
            c.connect(broken.address());
            await().atMost(WAIT).until(() -> !broken.errors().isEmpty());
            Throwable error = broken.errors().get(0);
            assertTrue(error.getMessage().contains("could not connect"), error.toString());
            assertInstanceOf(ConnectException.class, error.getCause());
            AssertionError failure = assertThrows(AssertionError.class, broken::assertNoErrors);
            assertEquals(1, failure.getSuppressed().length);
        }
    }

    @Test
    @Timeout(20)
    void awaitingFailsClearlyOnTimeout() throws Exception {
        connect();
        AssertionError failure = assertThrows(AssertionError.class,
                () -> proxy.awaitBytes(proxy.clientToServer(), 1, Duration.ofMillis(50)));
        assertTrue(failure.getMessage().contains("timed out"), failure.getMessage());
        assertTrue(failure.getMessage().contains("client->server"), failure.getMessage());
    }

    @Test
    @Timeout(20)
    void rejectsDirectionsOfAnotherProxy() throws Exception {
        connect();
        FaultyProxy.Connection c = proxy.awaitConnection(0, WAIT);
        try (FaultyProxy other = FaultyProxy.start(target.address())) {
            assertThrows(IllegalArgumentException.class, () -> c.bytes(other.clientToServer()));
        }
    }

    @Test
    @Timeout(20)
    void closeEndsConnectionsAndStopsListening() throws Exception {
        connect();
        FaultyProxy.Connection c = proxy.awaitConnection(0, WAIT);
        proxy.close();
        assertEquals(-1, client.getInputStream().read());
        assertEquals(StreamEnd.CLOSED, c.awaitEnd(proxy.clientToServer(), WAIT));
        assertThrows(ConnectException.class, () -> {
            try (Socket s = new Socket()) {
                s.connect(proxy.address());
            }
        });
        proxy.close(); // idempotent
        proxy.assertNoErrors();
    }

    // ---- helpers

    private void connect() throws IOException, InterruptedException {
        client = new Socket();
        client.connect(proxy.address());
        server = target.accept();
    }

    private static void readAll(InputStream in, ByteArrayOutputStream into) throws IOException {
        byte[] buffer = new byte[1024];
        int n;
        while ((n = in.read(buffer)) >= 0) {
            into.write(buffer, 0, n);
        }
    }

    static byte[] ascii(String text) {
        return text.getBytes(US_ASCII);
    }

    static byte[] pattern(int length) {
        byte[] bytes = new byte[length];
        for (int i = 0; i < length; i++) {
            bytes[i] = (byte) (i * 7 + 1);
        }
        return bytes;
    }

    static byte[] concat(List<byte[]> chunks) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        chunks.forEach(out::writeBytes);
        return out.toByteArray();
    }

    static InetAddress loopback() throws IOException {
        return InetAddress.getByAddress(new byte[] {127, 0, 0, 1});
    }

    /** A plain TCP server on loopback that hands out the sockets it accepted. */
    private static final class Target implements AutoCloseable {
        private final ServerSocket listener = new ServerSocket(0, 50, loopback());
        private final BlockingQueue<Socket> accepted = new LinkedBlockingQueue<>();

        Target() throws IOException {
            Thread.ofVirtual().name("target-accept").start(() -> {
                try {
                    while (true) {
                        accepted.add(listener.accept());
                    }
                } catch (IOException e) {
                    // closed
                }
            });
        }

        InetSocketAddress address() {
            return new InetSocketAddress(listener.getInetAddress(), listener.getLocalPort());
        }

        Socket accept() throws InterruptedException {
            Socket socket = accepted.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
            if (socket == null) {
                throw new AssertionError("the target accepted no connection within " + WAIT);
            }
            return socket;
        }

        @Override
        public void close() throws IOException {
            listener.close();
            for (Socket socket : accepted) {
                socket.close();
            }
        }
    }
}

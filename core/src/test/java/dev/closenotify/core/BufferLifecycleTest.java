package dev.closenotify.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.closenotify.spi.Availability;
import dev.closenotify.spi.Capability;
import dev.closenotify.spi.CloseReason;
import dev.closenotify.spi.Progress;
import dev.closenotify.spi.ShutdownResult;
import dev.closenotify.spi.TlsBufferConnection;
import dev.closenotify.spi.TlsConfig;
import dev.closenotify.spi.TlsContext;
import java.io.FileInputStream;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509KeyManager;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The core's staging buffers are held only while bytes wait in them (issue 7: an idle connection
 * holds none), over real JSSE engines on the buffer transport, with a certificate made by the
 * JDK's keytool at test time. What waits (a partial record, undelivered plaintext, ciphertext the
 * caller's outbound had no room for, the bytes after the peer's close_notify) is never lost.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class BufferLifecycleTest {
    private static final String PASSWORD = "closenotify";
    private static TlsContext clientContext;
    private static TlsContext serverContext;

    /** The JDK's own stack through the core, as the jsse provider module does it. */
    static final class JdkProvider extends EngineShutdownProvider {
        @Override
        public String name() {
            return "core-test-jdk";
        }

        @Override
        public Availability availability() {
            return Availability.available();
        }

        @Override
        public Map<Capability, String> gaps() {
            return Map.of();
        }

        @Override
        protected SSLContext newSslContext(KeyManager[] km, TrustManager[] tm) throws GeneralSecurityException {
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(km.length == 0 ? null : km, tm.length == 0 ? null : tm, null);
            return ctx;
        }
    }

    @BeforeAll
    static void contexts(@TempDir Path dir) throws Exception {
        Path store = dir.resolve("server.p12");
        Process keytool = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair", "-keyalg", "EC", "-groupname", "secp256r1", "-alias", "server", "-dname", "CN=localhost",
                "-ext", "san=dns:localhost", "-validity", "2", "-storetype", "PKCS12", "-keystore", store.toString(),
                "-storepass", PASSWORD, "-keypass", PASSWORD).redirectErrorStream(true).start();
        String out = new String(keytool.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(keytool.waitFor(30, TimeUnit.SECONDS) && keytool.exitValue() == 0, "keytool failed: " + out);
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = new FileInputStream(store.toFile())) {
            ks.load(in, PASSWORD.toCharArray());
        }
        KeyManagerFactory kmf = KeyManagerFactory.getInstance("SunX509");
        kmf.init(ks, PASSWORD.toCharArray());
        TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX");
        tmf.init(ks);
        JdkProvider provider = new JdkProvider();
        serverContext = provider.newContext(TlsConfig.server((X509KeyManager) kmf.getKeyManagers()[0]).build());
        clientContext = provider.newContext(TlsConfig.client()
                .trustManager((X509TrustManager) tmf.getTrustManagers()[0]).serverName("localhost").build());
        Files.deleteIfExists(store);
    }

    /** A connected pair over in-memory buffers, handshaken. */
    private record Pair(TlsBufferConnection client, TlsBufferConnection server) {
        static Pair open(int outboundSize) throws Exception {
            InetSocketAddress peer = InetSocketAddress.createUnresolved("localhost", 443);
            TlsBufferConnection c = clientContext.open(ByteBuffer.allocate(64 * 1024),
                    ByteBuffer.allocate(outboundSize), peer, clientContext.config().policy());
            TlsBufferConnection s = serverContext.open(ByteBuffer.allocate(64 * 1024),
                    ByteBuffer.allocate(outboundSize), peer, serverContext.config().policy());
            Pair p = new Pair(c, s);
            for (int i = 0; i < 1000 && (c.handshake() != Progress.DONE | s.handshake() != Progress.DONE); i++) {
                p.pump();
            }
            p.pump();
            assertTrue(c.session().isPresent() && s.session().isPresent(), "handshake did not finish");
            // The client takes in the TLS 1.3 ticket, as a client must keep reading (TlsBufferConnection).
            assertEquals(0, c.read(ByteBuffer.allocate(16)));
            return p;
        }

        /** Moves everything produced to the other side; true if anything moved. */
        boolean pump() {
            return move(client, server) | move(server, client);
        }

        static boolean move(TlsBufferConnection from, TlsBufferConnection to) {
            ByteBuffer out = from.outbound();
            if (out.position() == 0) {
                return false;
            }
            out.flip();
            to.inbound().put(out);
            out.compact();
            return true;
        }
    }

    private static int held(TlsBufferConnection c) {
        return ((ConnectionFace) c).c.heldBuffers();
    }

    private static byte[] random(int n) {
        byte[] b = new byte[n];
        new Random(n).nextBytes(b);
        return b;
    }

    @Test
    void anIdleConnectionHoldsNoBufferBeforeOrAfterTraffic() throws Exception {
        Pair p = Pair.open(64 * 1024);
        assertEquals(0, held(p.client()), "client after the handshake");
        assertEquals(0, held(p.server()), "server after the handshake");

        byte[] data = random(3 * 16384 + 17);
        ByteBuffer src = ByteBuffer.wrap(data);
        while (src.hasRemaining()) {
            p.client().write(src);
            p.pump();
        }
        ByteBuffer got = ByteBuffer.allocate(data.length);
        while (got.hasRemaining()) {
            assertTrue(p.server().read(got) > 0, "every byte arrives");
        }
        assertArrayEquals(data, got.array());
        assertEquals(0, held(p.client()), "client, all written");
        assertEquals(0, held(p.server()), "server, all read");
        assertEquals(0, p.server().read(ByteBuffer.allocate(100)), "nothing more to read");
        assertEquals(0, held(p.server()), "a read that found nothing holds nothing");
    }

    @Test
    void aPartialRecordWaitsInABufferUntilTheRestComes() throws Exception {
        Pair p = Pair.open(64 * 1024);
        byte[] data = random(1000);
        assertEquals(data.length, p.client().write(ByteBuffer.wrap(data)));
        ByteBuffer record = p.client().outbound().flip();
        byte[] wire = new byte[record.remaining()];
        record.get(wire);
        record.clear();

        p.server().inbound().put(wire, 0, wire.length / 2);
        ByteBuffer got = ByteBuffer.allocate(2000);
        assertEquals(0, p.server().read(got), "half a record gives nothing yet");
        assertEquals(1, held(p.server()), "the half record waits in the core");
        assertEquals(0, p.server().inbound().position(), "taken from the caller's inbound");

        p.server().inbound().put(wire, wire.length / 2, wire.length - wire.length / 2);
        assertEquals(data.length, p.server().read(got));
        assertArrayEquals(data, java.util.Arrays.copyOf(got.array(), data.length));
        assertEquals(0, held(p.server()));
    }

    @Test
    void plaintextTheCallerHadNoRoomForWaitsUntilRead() throws Exception {
        Pair p = Pair.open(64 * 1024);
        byte[] data = random(5000);
        p.client().write(ByteBuffer.wrap(data));
        p.pump();
        ByteBuffer small = ByteBuffer.allocate(100);
        assertEquals(100, p.server().read(small));
        assertEquals(1, held(p.server()), "the rest of the record's plaintext waits");
        assertEquals(4900, ((ConnectionFace) p.server()).c.available());
        ByteBuffer rest = ByteBuffer.allocate(5000);
        rest.put(small.flip());
        while (rest.hasRemaining()) {
            assertTrue(p.server().read(rest) > 0);
        }
        assertArrayEquals(data, rest.array());
        assertEquals(0, held(p.server()));
        assertEquals(0, ((ConnectionFace) p.server()).c.available());
    }

    @Test
    void ciphertextTheOutboundHadNoRoomForWaitsUntilFlushed() throws Exception {
        Pair p = Pair.open(512);
        byte[] data = random(4000);
        ByteBuffer src = ByteBuffer.wrap(data);
        ByteBuffer got = ByteBuffer.allocate(data.length);
        int rounds = 0;
        while (got.hasRemaining() && rounds++ < 10_000) {
            if (src.hasRemaining()) {
                p.client().write(src);
            } else {
                p.client().flush();
            }
            if (rounds == 1) {
                assertEquals(1, held(p.client()), "what did not fit in 512 bytes of outbound waits in the core");
            }
            p.pump();
            p.server().read(got);
        }
        assertArrayEquals(data, got.array());
        assertEquals(Progress.DONE, p.client().flush());
        assertEquals(0, held(p.client()));
        assertEquals(0, held(p.server()));
    }

    @Test
    void theBytesAfterThePeersCloseNotifyAreHandedBack() throws Exception {
        Pair p = Pair.open(64 * 1024);
        byte[] data = random(700);
        p.client().write(ByteBuffer.wrap(data));
        assertEquals(ShutdownResult.SENT, p.client().shutdown());
        byte[] plain = "PLAINTEXT AFTER CCC".getBytes(StandardCharsets.US_ASCII);
        p.pump();
        p.server().inbound().put(plain); // in the same inbound as the close_notify, behind it

        ByteBuffer got = ByteBuffer.allocate(1000);
        assertEquals(700, p.server().read(got));
        assertEquals(-1, p.server().read(got));
        assertEquals(ShutdownResult.COMPLETE, p.server().shutdown());
        p.pump();
        assertEquals(ShutdownResult.COMPLETE, p.client().shutdown());
        assertEquals(CloseReason.CLEAN, p.server().outcome().orElseThrow().reason());

        // Other connections take and give back pooled buffers meanwhile: the leftover stays.
        Pair other = Pair.open(64 * 1024);
        other.client().write(ByteBuffer.wrap(random(30_000)));
        other.pump();
        while (other.server().read(ByteBuffer.allocate(40_000)) > 0) {
            other.pump();
        }

        // SEMANTICS.md §5: handed back by leftover(), or never taken from inbound; exactly, in order.
        ByteBuffer left = p.server().leftover();
        ByteBuffer unread = p.server().inbound().duplicate().flip();
        byte[] back = new byte[left.remaining() + unread.remaining()];
        ByteBuffer.wrap(back).put(left).put(unread);
        assertArrayEquals(plain, back);
        assertEquals(0, held(p.server()), "handed back, nothing held");
        assertEquals(0, p.server().leftover().remaining(), "handed back once");
    }
    @Test
    void movingToOtherBuffersCarriesTheirBytesInOrder() throws Exception {
        Pair p = Pair.open(64 * 1024);
        byte[] data = random(3000);
        p.client().write(ByteBuffer.wrap(data));
        ByteBuffer wire = p.client().outbound().flip();
        byte[] record = new byte[wire.remaining()];
        wire.get(record);
        wire.clear();
        p.server().inbound().put(record, 0, 100); // the caller's inbound holds the record's start

        ByteBuffer tooSmall = ByteBuffer.allocate(50);
        ByteBuffer out = ByteBuffer.allocate(100);
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> p.server().useBuffers(tooSmall, out), "100 inbound bytes do not fit in 50");
        assertEquals(100, p.server().inbound().position(), "a refused move changes nothing");

        ByteBuffer oldInbound = p.server().inbound();
        ByteBuffer in = ByteBuffer.allocate(200);
        p.server().useBuffers(in, out);
        assertTrue(p.server().inbound() == in && p.server().outbound() == out);
        assertEquals(100, in.position(), "the bytes went along");
        assertEquals(0, oldInbound.position(), "the old buffer is the caller's again, emptied");

        ByteBuffer got = ByteBuffer.allocate(4000);
        int off = 100;
        while (got.position() < data.length) {
            int n = Math.min(in.remaining(), record.length - off);
            in.put(record, off, n);
            off += n;
            p.server().read(got);
            assertTrue(off < record.length || got.position() == data.length, "the record arrives whole");
        }
        assertArrayEquals(data, java.util.Arrays.copyOf(got.array(), data.length));

        // The small outbound still carries the server's output, through the staging buffer.
        byte[] reply = random(2000);
        ByteBuffer src = ByteBuffer.wrap(reply);
        ByteBuffer echoed = ByteBuffer.allocate(reply.length);
        for (int i = 0; i < 1000 && echoed.hasRemaining(); i++) {
            if (src.hasRemaining()) {
                p.server().write(src);
            } else {
                p.server().flush();
            }
            p.pump();
            p.client().read(echoed);
        }
        assertArrayEquals(reply, echoed.array());
        assertEquals(0, held(p.server()));
    }
}

package dev.closenotify.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import dev.closenotify.spi.ConnectionPolicy;
import dev.closenotify.spi.Progress;
import dev.closenotify.spi.ShutdownResult;
import dev.closenotify.spi.TlsBufferConnection;
import dev.closenotify.spi.TlsException;
import dev.closenotify.tck.support.BufferPipe;
import dev.closenotify.tck.support.ContextPair;
import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.Optional;
import java.util.Random;

/**
 * Driving two buffer connections joined by a {@link BufferPipe} (a = client, b = server) from one
 * thread: the in-memory transport on which a whole connection takes milliseconds, so a test can
 * loop over thousands of faults.
 */
final class Wire {

    static final int ROUNDS = 50_000;
    static final int BUFFER = 64 * 1024;
    /** Every client names the same peer, so that its sessions share one client cache entry. */
    static final InetSocketAddress PEER = InetSocketAddress.createUnresolved("localhost", 4433);

    private Wire() {
    }

    static BufferPipe open(ContextPair ctx, ConnectionPolicy client, ConnectionPolicy server) throws TlsException {
        TlsBufferConnection c = ctx.client().open(ByteBuffer.allocate(BUFFER), ByteBuffer.allocate(BUFFER), PEER, client);
        TlsBufferConnection s = ctx.server().open(ByteBuffer.allocate(BUFFER), ByteBuffer.allocate(BUFFER), PEER, server);
        return BufferPipe.between(c, s);
    }

    static BufferPipe open(ContextPair ctx) throws TlsException {
        return open(ctx, ConnectionPolicy.DEFAULT, ConnectionPolicy.DEFAULT);
    }

    /**
     * Both handshakes, then both sides read (expecting nothing) until the pipe is quiet, so a TLS
     * 1.3 NewSessionTicket is processed by the client.
     */
    static BufferPipe handshake(BufferPipe pipe) throws Exception {
        pipe.handshakeBoth(ROUNDS);
        settle(pipe);
        return pipe;
    }

    /** Flushes, reads nothing and pumps both sides until nothing moves. */
    static void settle(BufferPipe pipe) throws Exception {
        for (int round = 0; round < ROUNDS; round++) {
            Progress fa = pipe.a().flush();
            Progress fb = pipe.b().flush();
            assertEquals(0, pipe.a().read(ByteBuffer.allocate(1)), "no data while settling");
            assertEquals(0, pipe.b().read(ByteBuffer.allocate(1)), "no data while settling");
            if (pipe.pump() == 0 && fa == Progress.DONE && fb == Progress.DONE) {
                return;
            }
        }
        fail("the pipe did not settle: " + pipe);
    }

    /** Writes all of {@code data} into {@code conn}'s outbound (large enough), without pumping. */
    static void writeAll(TlsBufferConnection conn, byte[] data) throws TlsException {
        ByteBuffer src = ByteBuffer.wrap(data);
        for (int i = 0; src.hasRemaining() && i < 100; i++) {
            conn.write(src);
        }
        if (src.hasRemaining()) {
            fail("could not write " + data.length + " bytes into an outbound of " + conn.outbound().capacity());
        }
        while (conn.flush() != Progress.DONE) {
            fail("flush did not finish with room in outbound");
        }
    }

    /** Shutdown until it is not WANT_WRITE, pumping in between. */
    static ShutdownResult shutdown(BufferPipe pipe, TlsBufferConnection conn) throws Exception {
        for (int i = 0; i < ROUNDS; i++) {
            ShutdownResult r = conn.shutdown();
            if (r != ShutdownResult.WANT_WRITE) {
                return r;
            }
            pipe.pump();
        }
        throw new AssertionError("shutdown() stayed WANT_WRITE: " + pipe);
    }

    /** What a read loop saw: the data, and how it ended. */
    record ReadEnd(byte[] data, boolean endOfStream, Optional<TlsException> failure) {
        @Override
        public String toString() {
            return data.length + " B, then " + (endOfStream ? "end-of-stream" : failure.map(Object::toString)
                    .orElse("nothing (still open)"));
        }
    }

    /**
     * Reads on {@code conn} (pumping) until end-of-stream, a failure, or {@code quiet} rounds in a row
     * in which nothing moved and nothing was read.
     */
    static ReadEnd readToEnd(BufferPipe pipe, TlsBufferConnection conn, int quiet) {
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        ByteBuffer buf = ByteBuffer.allocate(BUFFER);
        int idle = 0;
        for (int round = 0; round < ROUNDS && idle < quiet; round++) {
            int moved = pipe.pump();
            buf.clear();
            int n;
            try {
                n = conn.read(buf);
            } catch (TlsException e) {
                return new ReadEnd(got.toByteArray(), false, Optional.of(e));
            }
            if (n < 0) {
                return new ReadEnd(got.toByteArray(), true, Optional.empty());
            }
            got.write(buf.array(), 0, n);
            idle = n == 0 && moved == 0 ? idle + 1 : 0;
        }
        return new ReadEnd(got.toByteArray(), false, Optional.empty());
    }

    /** Writes all of {@code data} on {@code from} and reads it on {@code to}, pumping; returns what was read. */
    static byte[] transfer(BufferPipe pipe, TlsBufferConnection from, TlsBufferConnection to, byte[] data)
            throws Exception {
        ByteBuffer src = ByteBuffer.wrap(data);
        ByteBuffer dst = ByteBuffer.allocate(data.length);
        pipe.pumpUntil(() -> !src.hasRemaining() && !dst.hasRemaining(), () -> {
            if (src.hasRemaining()) {
                from.write(src);
            } else {
                from.flush();
            }
            if (dst.hasRemaining() && to.read(dst) < 0) {
                fail("end-of-stream after " + dst.position() + " of " + data.length + " bytes");
            }
            to.flush();
        }, 20 * ROUNDS);
        return java.util.Arrays.copyOf(dst.array(), dst.position());
    }

    static byte[] data(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    /** What {@code buf}'s valid bytes {@code [0, position)} are, without moving it. */
    static byte[] filled(ByteBuffer buf) {
        byte[] b = new byte[buf.position()];
        buf.duplicate().flip().get(b);
        return b;
    }

    static void closeBoth(BufferPipe pipe) {
        pipe.a().close();
        pipe.b().close();
    }
}

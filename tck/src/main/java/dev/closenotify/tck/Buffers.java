package dev.closenotify.tck;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.closenotify.tck.support.BufferPipe;
import dev.closenotify.tck.support.ContextPair;
import dev.closenotify.tck.support.Direction;
import dev.closenotify.tck.support.TlsRecords;
import dev.closenotify.spi.ConnectionPolicy;
import dev.closenotify.spi.Progress;
import dev.closenotify.spi.ShutdownResult;
import dev.closenotify.spi.TlsBufferConnection;
import dev.closenotify.spi.TlsException;
import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * Driving two {@link TlsBufferConnection}s joined by a {@link BufferPipe} (a = client, b = server)
 * from one thread, and judging what went over the pipe. Shared by the contract classes.
 */
final class Buffers {
    /** Rounds {@link BufferPipe#pumpUntil} may take: enough for 8-byte buffers and tens of KiB. */
    static final int ROUNDS = 50_000;

    /** The peer every client buffer connection names, so that client sessions share one cache entry. */
    static final InetSocketAddress PEER = InetSocketAddress.createUnresolved("localhost", 4433);

    private Buffers() {
    }

    /** A pipe with its own buffer sizes per side (client in/out, server in/out). */
    static BufferPipe pipe(ContextPair ctx, int clientIn, int clientOut, int serverIn, int serverOut,
                           ConnectionPolicy clientPolicy, ConnectionPolicy serverPolicy) throws TlsException {
        TlsBufferConnection c = ctx.client().open(ByteBuffer.allocate(clientIn), ByteBuffer.allocate(clientOut),
                PEER, clientPolicy);
        TlsBufferConnection s = ctx.server().open(ByteBuffer.allocate(serverIn), ByteBuffer.allocate(serverOut),
                PEER, serverPolicy);
        return BufferPipe.between(c, s);
    }

    /**
     * Drives both handshakes until both sides report a session, then lets what is in flight settle.
     * A side whose handshake is done reads (expecting no data), as a real application would: the
     * peer may still be handing over post-handshake messages (a TLS 1.3 NewSessionTicket) that only
     * a read consumes.
     */
    static BufferPipe handshake(BufferPipe pipe) throws Exception {
        pipe.handshakeBoth(ROUNDS);
        settle(pipe);
        return pipe;
    }

    /**
     * Flushes both connections and pumps until nothing moves any more. With buffers large enough
     * for what is in flight, every produced byte is then in the receiver's inbound (not yet read).
     * Only for connections that have not failed (flush() on a failed one throws).
     */
    static void settle(BufferPipe pipe) throws Exception {
        for (int round = 0; round < ROUNDS; round++) {
            Progress fa = pipe.a().flush();
            Progress fb = pipe.b().flush();
            if (pipe.pump() == 0 && (fa == Progress.DONE || pipe.a().outbound().position() > 0)
                    && (fb == Progress.DONE || pipe.b().outbound().position() > 0)) {
                return;
            }
        }
        fail("the pipe did not settle: " + pipe);
    }

    /** Writes all of {@code data} on {@code from} and reads it on {@code to}; returns what was read. */
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
            if (dst.hasRemaining()) {
                int n = to.read(dst);
                if (n < 0) {
                    fail("end-of-stream after " + dst.position() + " of " + data.length + " bytes");
                }
            }
            to.flush();
        }, ROUNDS);
        return Arrays.copyOf(dst.array(), dst.position());
    }

    /** Reads on {@code conn} until end-of-stream, pumping; returns the data read before it. */
    static byte[] readToEnd(BufferPipe pipe, TlsBufferConnection conn) throws Exception {
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        boolean[] eof = {false};
        ByteBuffer buf = ByteBuffer.allocate(4096);
        pipe.pumpUntil(() -> eof[0], () -> {
            buf.clear();
            int n = conn.read(buf);
            if (n < 0) {
                eof[0] = true;
            } else {
                got.write(buf.array(), 0, n);
            }
        }, ROUNDS);
        return got.toByteArray();
    }

    /**
     * Calls {@code shutdown()} on {@code conn} until it returns something other than
     * {@link ShutdownResult#WANT_WRITE}, pumping in between; returns that result. Asserts the
     * WANT_WRITE contract on the way: our close_notify is produced, so SENT is set.
     */
    static ShutdownResult shutdownThroughWantWrite(BufferPipe pipe, TlsBufferConnection conn) throws Exception {
        ShutdownResult[] last = {null};
        pipe.pumpUntil(() -> last[0] != null && last[0] != ShutdownResult.WANT_WRITE, () -> {
            last[0] = conn.shutdown();
            if (last[0] == ShutdownResult.WANT_WRITE) {
                assertTrue(conn.flags().contains(dev.closenotify.spi.ShutdownFlag.SENT),
                        "WANT_WRITE: the close_notify is produced, so SENT must be set: " + conn.flags());
            }
        }, ROUNDS);
        return last[0];
    }

    /**
     * The whole bidirectional close, {@code first} closing first and {@code second} answering after
     * reading end-of-stream; {@code second} ends with {@link ShutdownResult#COMPLETE}, and so does
     * {@code first} when {@code firstWaits} (it waits for the peer's close_notify; a provider without
     * {@code READ_AFTER_SENT} cannot), else {@code first} stops at {@link ShutdownResult#SENT}.
     * Handles WANT_WRITE and WANT_READ. Returns what {@code second} read before end-of-stream.
     */
    static byte[] closeBothWays(BufferPipe pipe, TlsBufferConnection first, TlsBufferConnection second,
                                boolean firstWaits) throws Exception {
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        ByteBuffer buf = ByteBuffer.allocate(4096);
        boolean[] state = new boolean[3]; // first complete, second saw EOF, second complete
        pipe.pumpUntil(() -> state[0] && state[2], () -> {
            if (!state[0]) {
                ShutdownResult r = first.shutdown();
                state[0] = r == ShutdownResult.COMPLETE || (!firstWaits && r == ShutdownResult.SENT);
            }
            if (!state[1]) {
                buf.clear();
                int n = second.read(buf);
                if (n < 0) {
                    state[1] = true;
                } else {
                    got.write(buf.array(), 0, n);
                }
            }
            if (state[1] && !state[2]) {
                state[2] = second.shutdown() == ShutdownResult.COMPLETE;
            }
        }, ROUNDS);
        settle(pipe);
        return got.toByteArray();
    }

    /** Deterministic test data. */
    static byte[] data(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    /** The records {@code direction} carried from byte {@code from} on (parsed by their headers). */
    static TlsRecords.Parsed recordsSince(BufferPipe pipe, Direction direction, int from) {
        byte[] bytes = pipe.bytes(direction);
        return TlsRecords.parse(bytes, from, bytes.length);
    }

    /**
     * Asserts that {@code records} is exactly one close_notify-sized record and nothing else: an
     * alert record in TLS 1.2, an application_data record in TLS 1.3 (RFC 8446 §5.2 hides the content
     * type), whose fragment is a 2-byte alert plus the AEAD overhead (and, in TLS 1.3, the inner
     * content type and at most a little padding).
     */
    static void assertOneCloseNotify(String protocol, TlsRecords.Parsed records, String what) {
        assertFalse(records.hasPartial(), what + ": a partial record is on the wire: " + records);
        List<TlsRecords.TlsRecord> all = records.records();
        assertEquals(1, all.size(), what + ": exactly one record (our close_notify) expected: " + records);
        assertCloseNotifySized(protocol, all.get(0), what);
    }

    static void assertCloseNotifySized(String protocol, TlsRecords.TlsRecord r, String what) {
        if (protocol.equals("TLSv1.3")) {
            assertEquals(TlsRecords.APPLICATION_DATA, r.contentType(), what + ": a TLS 1.3 alert is an"
                    + " application_data record on the wire: " + r);
            // 2 alert bytes + 1 inner content type + 16 tag; a stack may pad a little.
            assertTrue(r.length() >= 19 && r.length() <= 64, what + ": not close_notify-sized: " + r);
        } else {
            assertEquals(TlsRecords.ALERT, r.contentType(), what + ": a TLS 1.2 alert is an alert record: " + r);
            // 2 alert bytes + explicit nonce/IV + tag/MAC (+ CBC padding).
            assertTrue(r.length() >= 2 && r.length() <= 96, what + ": not close_notify-sized: " + r);
        }
    }

    /** What {@code buf}'s valid bytes {@code [0, position)} are, without moving it. */
    static byte[] filled(ByteBuffer buf) {
        byte[] b = new byte[buf.position()];
        buf.duplicate().flip().get(b);
        return b;
    }

    /** All remaining bytes of a read-mode buffer, without moving it. */
    static byte[] remaining(ByteBuffer buf) {
        byte[] b = new byte[buf.remaining()];
        buf.duplicate().get(b);
        return b;
    }
}

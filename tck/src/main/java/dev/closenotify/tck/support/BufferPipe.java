package dev.closenotify.tck.support;

import dev.closenotify.spi.TlsBufferConnection;
import dev.closenotify.spi.TlsException;
import java.io.ByteArrayOutputStream;
import java.net.SocketException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.BooleanSupplier;

/**
 * The {@link FaultyProxy} of the buffer transport: connects two {@link TlsBufferConnection}s
 * {@code a} and {@code b} by moving bytes from each one's {@code outbound()} into the other's
 * {@code inbound()} (both in fill mode, data in {@code [0, position)}), recording every byte and
 * applying the same {@link Direction} fault rules. Nothing happens between calls: the test drives
 * both connections and calls {@link #pump()} (or {@link #pumpUntil}) in between. Not thread-safe:
 * use it from one thread (the rules may be changed from anywhere).
 *
 * <pre>{@code
 * BufferPipe pipe = BufferPipe.between(client, server);
 * pipe.bToA().splitEvery(1);                   // the client gets the server's bytes one at a time
 * pipe.pumpUntil(() -> client.session().isPresent() && server.session().isPresent(),
 *         () -> { client.handshake(); server.handshake(); }, 10_000);
 * }</pre>
 *
 * <p>Fault rules as in {@link FaultyProxy}: {@link Cut#FIN} calls {@code transportEof()} on the
 * receiver, and what the sender produces afterwards is drained from its {@code outbound()},
 * recorded and dropped; {@link Cut#RST} calls {@code transportReset(new SocketException("Connection
 * reset (injected)"))} on the receiver and then on the sender, and both directions end. A split
 * moves at most one chunk per direction per {@link #pump()}. A stall leaves the sender's bytes in
 * its {@code outbound()}, so it fills up.
 */
public final class BufferPipe {

    /** What a test does between pumps: drive the connections. */
    @FunctionalInterface
    public interface Step {
        void run() throws Exception;
    }

    /** {@link #pumpUntil} fails after this many rounds in a row in which nothing moved. */
    public static final int QUIET_ROUNDS = 3;

    /** The message of the exception a {@link Cut#RST} passes to {@code transportReset}. */
    public static final String RESET_MESSAGE = "Connection reset (injected)";

    private final TlsBufferConnection a;
    private final TlsBufferConnection b;
    private final Direction aToB = new Direction("a->b");
    private final Direction bToA = new Direction("b->a");
    private final Flow ab;
    private final Flow ba;

    private BufferPipe(TlsBufferConnection a, TlsBufferConnection b) {
        this.a = a;
        this.b = b;
        this.ab = new Flow(aToB, a, b);
        this.ba = new Flow(bToA, b, a);
    }

    /** A pipe between {@code a} and {@code b}; nothing moves until {@link #pump()}. */
    public static BufferPipe between(TlsBufferConnection a, TlsBufferConnection b) {
        Objects.requireNonNull(a, "a");
        Objects.requireNonNull(b, "b");
        if (a == b) {
            throw new IllegalArgumentException("a pipe needs two different connections");
        }
        return new BufferPipe(a, b);
    }

    public TlsBufferConnection a() {
        return a;
    }

    public TlsBufferConnection b() {
        return b;
    }

    /** From {@code a}'s outbound to {@code b}'s inbound: its fault rules and its name in the recording. */
    public Direction aToB() {
        return aToB;
    }

    /** From {@code b}'s outbound to {@code a}'s inbound: its fault rules and its name in the recording. */
    public Direction bToA() {
        return bToA;
    }

    /**
     * Moves as many bytes as the rules and the receivers' free space allow, in both directions,
     * and delivers due end-of-stream and reset signals.
     *
     * @return the bytes moved (delivered, injected included, or drained and dropped after a cut)
     *     plus one per signal delivered: 0 means nothing happened
     */
    public int pump() {
        return pump(ab) + pump(ba);
    }

    /**
     * Alternates {@code step} and {@link #pump()} until {@code done} holds ({@code done} is checked
     * before each step and after each step and pump).
     *
     * @return the number of rounds (step plus pump) it took
     * @throws AssertionError when {@value #QUIET_ROUNDS} rounds in a row moved nothing, or
     *     {@code done} did not hold after {@code maxRounds} rounds; the message shows the pipe's state
     * @throws Exception what {@code step} throws
     */
    public int pumpUntil(BooleanSupplier done, Step step, int maxRounds) throws Exception {
        Objects.requireNonNull(done, "done");
        Objects.requireNonNull(step, "step");
        int quiet = 0;
        for (int round = 1; round <= maxRounds; round++) {
            if (done.getAsBoolean()) {
                return round - 1;
            }
            step.run();
            if (done.getAsBoolean()) {
                return round;
            }
            quiet = pump() == 0 ? quiet + 1 : 0;
            if (done.getAsBoolean()) {
                return round;
            }
            if (quiet >= QUIET_ROUNDS) {
                throw new AssertionError("no progress in " + QUIET_ROUNDS + " rounds in a row (round " + round
                        + "), and not done: " + this);
            }
        }
        throw new AssertionError("not done after " + maxRounds + " rounds: " + this);
    }

    /**
     * Drives both handshakes, pumping between steps, until both connections have a session. A side
     * whose handshake is done reads (and must get no application data), as a real application
     * would: the peer may still be handing over post-handshake messages (a TLS 1.3
     * NewSessionTicket) that only a read consumes.
     *
     * @return the number of rounds it took
     * @throws AssertionError as {@link #pumpUntil}, or when a side reads application data
     * @throws TlsException when a handshake fails
     */
    public int handshakeBoth(int maxRounds) throws Exception {
        return pumpUntil(() -> a.session().isPresent() && b.session().isPresent(), () -> {
            handshakeStep(a);
            handshakeStep(b);
        }, maxRounds);
    }

    private static void handshakeStep(TlsBufferConnection conn) throws TlsException {
        if (conn.session().isEmpty()) {
            conn.handshake();
        } else {
            int n = conn.read(ByteBuffer.allocate(1));
            if (n != 0) {
                throw new AssertionError(conn + ": no application data during the handshake, read() returned " + n);
            }
        }
    }

    /**
     * Pumps until a pump moves nothing (without driving the connections).
     *
     * @return the total {@link #pump()} returned
     * @throws AssertionError when still moving after {@code maxRounds} pumps
     */
    public int pumpUntilQuiet(int maxRounds) {
        int total = 0;
        for (int round = 0; round < maxRounds; round++) {
            int moved = pump();
            if (moved == 0) {
                return total;
            }
            total += moved;
        }
        throw new AssertionError("still moving after " + maxRounds + " pumps: " + this);
    }

    /**
     * The sender of {@code direction} ends its stream, as a TCP FIN: once what it has produced up to
     * now (in its {@code outbound()}) is delivered, the receiver gets {@code transportEof()}.
     * Later bytes from the sender are drained and dropped. No effect on an ended direction.
     */
    public void endOfStream(Direction direction) {
        Flow flow = flow(direction);
        if (flow.end == null && flow.eofAt < 0) {
            flow.eofAt = flow.shaper.received() + flow.sender.outbound().position();
        }
    }

    /** What the sender produced in {@code direction} so far (also bytes dropped after a cut): a copy. */
    public byte[] bytes(Direction direction) {
        return flow(direction).received.toByteArray();
    }

    /** What was delivered to the receiver in {@code direction} so far, after faults: a copy. */
    public byte[] delivered(Direction direction) {
        return flow(direction).delivered.toByteArray();
    }

    /** The pieces moved into the receiver's inbound in {@code direction}, in order: copies. */
    public List<byte[]> chunks(Direction direction) {
        return flow(direction).chunks.stream().map(byte[]::clone).toList();
    }

    /** How {@code direction} ended; empty while it is open. */
    public Optional<StreamEnd> end(Direction direction) {
        return Optional.ofNullable(flow(direction).end);
    }

    /** Whether the last pump found {@code direction} held by a {@link Direction#stallAfter stall}. */
    public boolean stalled(Direction direction) {
        return flow(direction).stalled;
    }

    @Override
    public String toString() {
        return "BufferPipe[" + ab + "; " + ba + "]";
    }

    // ---- internals

    private Flow flow(Direction direction) {
        Objects.requireNonNull(direction, "direction");
        if (direction == aToB) {
            return ab;
        }
        if (direction == bToA) {
            return ba;
        }
        throw new IllegalArgumentException("direction " + direction + " belongs to another pipe or proxy");
    }

    private int pump(Flow flow) {
        if (flow.end != null) {
            return flow.end == StreamEnd.EOF || flow.end == StreamEnd.CUT_FIN ? drain(flow) : 0;
        }
        flow.stalled = false;
        int moved = 0;
        while (true) {
            ByteBuffer inbound = flow.receiver.inbound();
            StreamShaper.Step step = flow.shaper.next(inbound.remaining());
            switch (step) {
                case StreamShaper.Emit emit -> {
                    inbound.put(emit.bytes());
                    flow.chunks.add(emit.bytes());
                    flow.delivered.writeBytes(emit.bytes());
                    moved += emit.bytes().length;
                    if (flow.direction.maxChunk() != Integer.MAX_VALUE) {
                        return moved;
                    }
                }
                case StreamShaper.CutNow(Cut how) when how == Cut.FIN -> {
                    flow.end = StreamEnd.CUT_FIN;
                    flow.receiver.transportEof();
                    return moved + 1 + drain(flow);
                }
                case StreamShaper.CutNow cut -> {
                    ab.end = StreamEnd.CUT_RST;
                    ba.end = StreamEnd.CUT_RST;
                    flow.receiver.transportReset(new SocketException(RESET_MESSAGE));
                    flow.sender.transportReset(new SocketException(RESET_MESSAGE));
                    return moved + 2;
                }
                case StreamShaper.Wait wait -> {
                    flow.stalled = wait == StreamShaper.Wait.STALLED;
                    return moved;
                }
                case StreamShaper.NeedInput need -> {
                    long limit = need.limit();
                    if (flow.eofAt >= 0) {
                        long left = flow.eofAt - flow.shaper.received();
                        if (left <= 0) {
                            flow.end = StreamEnd.EOF;
                            flow.receiver.transportEof();
                            return moved + 1 + drain(flow);
                        }
                        limit = Math.min(limit, left);
                    }
                    int n = (int) Math.min(Math.min(limit, flow.sender.outbound().position()),
                            Math.min(inbound.remaining(), flow.direction.maxChunk()));
                    if (n == 0) {
                        return moved;
                    }
                    byte[] taken = take(flow, n);
                    flow.shaper.offer(taken, 0, n);
                }
            }
        }
    }

    /** Takes {@code n} bytes from the sender's outbound and records them as the sender's. */
    private static byte[] take(Flow flow, int n) {
        ByteBuffer outbound = flow.sender.outbound();
        byte[] taken = new byte[n];
        outbound.flip();
        outbound.get(taken);
        outbound.compact();
        flow.received.writeBytes(taken);
        return taken;
    }

    private static int drain(Flow flow) {
        int n = flow.sender.outbound().position();
        if (n > 0) {
            take(flow, n);
        }
        return n;
    }

    private static final class Flow {
        final Direction direction;
        final TlsBufferConnection sender;
        final TlsBufferConnection receiver;
        final StreamShaper shaper;
        final ByteArrayOutputStream received = new ByteArrayOutputStream();
        final ByteArrayOutputStream delivered = new ByteArrayOutputStream();
        final List<byte[]> chunks = new ArrayList<>();
        long eofAt = -1;
        boolean stalled;
        StreamEnd end;

        Flow(Direction direction, TlsBufferConnection sender, TlsBufferConnection receiver) {
            this.direction = direction;
            this.sender = sender;
            this.receiver = receiver;
            this.shaper = new StreamShaper(direction);
        }

        @Override
        public String toString() {
            return direction + ": " + received.size() + " B sent, " + delivered.size() + " B delivered, "
                    + sender.outbound().position() + " B waiting in the sender's outbound, "
                    + receiver.inbound().position() + " B unread in the receiver's inbound ("
                    + receiver.inbound().remaining() + " B free)" + (stalled ? ", stalled" : "")
                    + (end != null ? ", ended " + end : "");
        }
    }
}

package dev.closenotify.tck.support;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One direction of a {@link FaultyProxy} or {@link BufferPipe} ("client->server", "a->b"), and the
 * fault rules applied to every stream flowing that way. Obtain it from its owner
 * ({@link FaultyProxy#clientToServer()}, {@link BufferPipe#aToB()}, ...); it also names the
 * direction in the owner's recording and waiting methods.
 *
 * <p><b>Offsets</b> count the bytes the <em>sender</em> wrote in this direction, from 0, separately
 * for every connection (injected bytes do not move them). Rules may be set before or while streams
 * run; a rule applies to all streams of this direction, including later connections. Set rules
 * before the traffic they target: a rule whose offset a stream has already passed applies at that
 * stream's next step (cut, stall, inject) or never (flip). The methods are thread-safe and return
 * {@code this} for chaining.
 *
 * <p>Where several rules meet at one offset they apply in this order: cut, then injections (in the
 * order added; a {@link #duplicateAt duplicate} is an injection at the end of what it copies), then
 * stall, then drop. A cut ends the stream: nothing after it, injected or not, is delivered. Flips
 * apply to the sender's bytes as delivered; a duplicate copies them after flips.
 */
public final class Direction {

    sealed interface Rule permits CutRule, StallRule, InjectRule, FlipRule, DropRule, DuplicateRule {
        long at();
    }

    record CutRule(long at, Cut how) implements Rule {}

    /** Identity matters: {@link #release()} removes exactly the stall rules present. */
    static final class StallRule implements Rule {
        private final long at;

        StallRule(long at) {
            this.at = at;
        }

        @Override
        public long at() {
            return at;
        }
    }

    /** Identity matters: every stream applies each injection once. */
    static final class InjectRule implements Rule {
        private final long at;
        private final byte[] bytes;

        InjectRule(long at, byte[] bytes) {
            this.at = at;
            this.bytes = bytes;
        }

        @Override
        public long at() {
            return at;
        }

        byte[] bytes() {
            return bytes;
        }
    }

    record FlipRule(long at) implements Rule {}

    /** The sender's bytes {@code [at, at + length)} are taken in and never delivered. */
    record DropRule(long at, long length) implements Rule {
        long end() {
            return at + length;
        }
    }

    /** Identity matters: every stream replays each once. */
    static final class DuplicateRule implements Rule {
        private final long at;
        private final long length;

        DuplicateRule(long at, long length) {
            this.at = at;
            this.length = length;
        }

        @Override
        public long at() {
            return at;
        }

        long end() {
            return at + length;
        }
    }

    /** Chunk sizes drawn from {@code new Random(seed)}, each in {@code [1, maxChunk]}. */
    record RandomSplit(long seed, int maxChunk) {}

    private final String name;
    private final CopyOnWriteArrayList<Rule> rules = new CopyOnWriteArrayList<>();
    private final CopyOnWriteArrayList<Runnable> listeners = new CopyOnWriteArrayList<>();
    private volatile int maxChunk = Integer.MAX_VALUE;
    private volatile RandomSplit randomSplit;
    private final AtomicLong version = new AtomicLong();

    Direction(String name) {
        this.name = name;
    }

    /** The direction's name, e.g. {@code "client->server"}. */
    public String name() {
        return name;
    }

    /**
     * Ends the stream after exactly {@code offset} bytes of the sender's have been forwarded, with
     * {@link Cut#FIN} or {@link Cut#RST}. After a FIN cut, what the sender writes later is read and
     * recorded but dropped, so the sender never blocks on it.
     */
    public Direction cutAt(long offset, Cut how) {
        requireOffset(offset);
        Objects.requireNonNull(how, "how");
        return add(new CutRule(offset, how));
    }

    /**
     * Forwards data in writes of at most {@code maxChunk} bytes each ({@link FaultyProxy}: each
     * written and flushed separately with TCP_NODELAY, though the receiver's TCP may still coalesce
     * them, so assert on the recorded chunks; {@link BufferPipe}: at most one chunk per direction
     * per {@link BufferPipe#pump()}). Replaces an earlier split setting.
     */
    public Direction splitEvery(int maxChunk) {
        if (maxChunk < 1) {
            throw new IllegalArgumentException("maxChunk must be at least 1: " + maxChunk);
        }
        this.maxChunk = maxChunk;
        this.randomSplit = null;
        changed();
        return this;
    }

    /**
     * Forwards data in chunks of random sizes between 1 and {@code maxChunk}, drawn per stream from
     * {@code new Random(seed)}, so a run is repeatable from its seed (given the same traffic and the
     * same driving). Otherwise as {@link #splitEvery(int)}, which it replaces (and which replaces it).
     */
    public Direction splitRandomly(long seed, int maxChunk) {
        if (maxChunk < 1) {
            throw new IllegalArgumentException("maxChunk must be at least 1: " + maxChunk);
        }
        this.randomSplit = new RandomSplit(seed, maxChunk);
        this.maxChunk = maxChunk;
        changed();
        return this;
    }

    /** Forwards data in chunks as large as they come again (undoes {@link #splitEvery(int)}). */
    public Direction noSplit() {
        this.maxChunk = Integer.MAX_VALUE;
        this.randomSplit = null;
        changed();
        return this;
    }

    /**
     * Stops forwarding after {@code offset} bytes until {@link #release()}: a silent peer, or one
     * that stops reading. The stalled stream also stops <em>reading</em> from the sender, so
     * backpressure builds up: in {@link FaultyProxy}, TCP flow control eventually blocks the
     * sender's writes, but loopback socket buffers are large (several MiB of send plus receive
     * buffer with Linux autotuning), so a test that wants a blocked writer must write a lot (tens of
     * MiB, or until the writing thread is seen parked); in {@link BufferPipe} the sender's
     * {@code outbound()} is no longer drained, so it fills up and the sender reports WANT_WRITE.
     */
    public Direction stallAfter(long offset) {
        requireOffset(offset);
        return add(new StallRule(offset));
    }

    /** Removes every stall rule of this direction and lets stalled streams go on. */
    public Direction release() {
        rules.removeIf(r -> r instanceof StallRule);
        changed();
        return this;
    }

    /**
     * Inserts {@code bytes} into the stream before the sender's byte at {@code offset} (at the end
     * of the stream when {@code offset} equals its length: they go out as soon as the stream
     * reaches it). Injected bytes are forwarded but not recorded as the sender's.
     */
    public Direction injectAt(long offset, byte... bytes) {
        requireOffset(offset);
        Objects.requireNonNull(bytes, "bytes");
        return add(new InjectRule(offset, bytes.clone()));
    }

    /**
     * Drops the sender's bytes {@code [offset, offset + length)}: they are read and recorded as the
     * sender's, never delivered; the bytes after them follow directly. With the offset and length
     * of a TLS record ({@link TlsRecords}), a record lost in the middle of a stream.
     */
    public Direction dropAt(long offset, long length) {
        requireOffset(offset);
        requireLength(length);
        return add(new DropRule(offset, length));
    }

    /**
     * Delivers the sender's bytes {@code [offset, offset + length)} twice: once in place, and again
     * right after them (the copy counts as injected). With the offset and length of a TLS record, a
     * replayed record.
     */
    public Direction duplicateAt(long offset, long length) {
        requireOffset(offset);
        requireLength(length);
        return add(new DuplicateRule(offset, length));
    }

    /** Forwards the sender's byte at {@code offset} with all bits inverted (XOR 0xFF). */
    public Direction flipAt(long offset) {
        requireOffset(offset);
        return add(new FlipRule(offset));
    }

    /** Removes every rule (releasing stalls) and the split setting. */
    public Direction clear() {
        rules.clear();
        maxChunk = Integer.MAX_VALUE;
        randomSplit = null;
        changed();
        return this;
    }

    @Override
    public String toString() {
        return name;
    }

    // ---- for the owners

    List<Rule> rules() {
        return new ArrayList<>(rules);
    }

    int maxChunk() {
        return maxChunk;
    }

    /** The random split setting, or {@code null}. */
    RandomSplit randomSplit() {
        return randomSplit;
    }

    /** Increases on every change, so a stalled pump can wait for one. */
    long version() {
        return version.get();
    }

    void onChange(Runnable listener) {
        listeners.add(listener);
    }

    private Direction add(Rule rule) {
        rules.add(rule);
        changed();
        return this;
    }

    private void changed() {
        version.incrementAndGet();
        for (Runnable listener : listeners) {
            listener.run();
        }
    }

    private static void requireLength(long length) {
        if (length < 1) {
            throw new IllegalArgumentException("length must be at least 1: " + length);
        }
    }

    private static void requireOffset(long offset) {
        if (offset < 0) {
            throw new IllegalArgumentException("offset must not be negative: " + offset);
        }
    }
}

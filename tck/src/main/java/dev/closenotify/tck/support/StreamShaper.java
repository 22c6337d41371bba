package dev.closenotify.tck.support;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.io.ByteArrayOutputStream;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * The fault rules of one {@link Direction} applied to one stream: the sender's bytes go in with
 * {@link #offer}, and {@link #next(int)} says what to do next. Used by one thread at a time.
 */
final class StreamShaper {

    sealed interface Step permits Emit, CutNow, NeedInput, Wait {}

    /** Deliver these bytes (one chunk). */
    record Emit(byte[] bytes) implements Step {}

    /** End the stream now. */
    record CutNow(Cut how) implements Step {}

    /** Feed at most {@code limit} (at least 1) more of the sender's bytes. */
    record NeedInput(long limit) implements Step {}

    enum Wait implements Step {
        /** Stalled until the rules change. */
        STALLED,
        /** There are bytes to deliver but no room for them. */
        NO_ROOM
    }

    private final Direction direction;
    private final Set<Direction.Rule> injected = Collections.newSetFromMap(new IdentityHashMap<>());
    private byte[] pending = new byte[256];
    private int pendingStart;
    private int pendingEnd;
    private long received;
    private long processed;
    private byte[] injecting;
    private int injectPos;
    private boolean cut;
    private final Map<Direction.DuplicateRule, ByteArrayOutputStream> copies = new IdentityHashMap<>();
    private Direction.RandomSplit split;
    private Random random;

    StreamShaper(Direction direction) {
        this.direction = direction;
    }

    /** The sender's bytes taken in so far. */
    long received() {
        return received;
    }

    /** The sender's bytes forwarded (or dropped by a cut) so far. */
    long processed() {
        return processed;
    }

    boolean isCut() {
        return cut;
    }

    /** Takes in the sender's bytes; only after {@link NeedInput}, and at most its limit. */
    void offer(byte[] bytes, int off, int len) {
        if (cut) {
            throw new IllegalStateException("stream is cut");
        }
        int size = pendingEnd - pendingStart;
        if (pending.length - pendingEnd < len) {
            byte[] grown = pending.length - size >= len ? pending : new byte[Math.max(pending.length * 2, size + len)];
            System.arraycopy(pending, pendingStart, grown, 0, size);
            pending = grown;
            pendingStart = 0;
            pendingEnd = size;
        }
        System.arraycopy(bytes, off, pending, pendingEnd, len);
        pendingEnd += len;
        received += len;
    }

    /** The next step, delivering at most {@code room} bytes. */
    Step next(int room) {
        if (cut) {
            throw new IllegalStateException("stream is cut");
        }
        int max = Math.min(room, chunkLimit());
        if (injecting != null) {
            if (max == 0) {
                return Wait.NO_ROOM;
            }
            int n = Math.min(max, injecting.length - injectPos);
            byte[] chunk = new byte[n];
            System.arraycopy(injecting, injectPos, chunk, 0, n);
            injectPos += n;
            if (injectPos == injecting.length) {
                injecting = null;
            }
            return new Emit(chunk);
        }
        List<Direction.Rule> rules = direction.rules();
        Direction.CutRule cutRule = null;
        for (Direction.Rule rule : rules) {
            if (rule instanceof Direction.CutRule c && c.at() <= processed && (cutRule == null || c.at() < cutRule.at())) {
                cutRule = c;
            }
        }
        if (cutRule != null) {
            cut = true;
            processed += pendingEnd - pendingStart;
            pendingStart = pendingEnd = 0;
            return new CutNow(cutRule.how());
        }
        List<Direction.Rule> due = new ArrayList<>();
        for (Direction.Rule rule : rules) {
            if (rule instanceof Direction.InjectRule i && i.at() <= processed && !injected.contains(i)) {
                due.add(i);
            }
            if (rule instanceof Direction.DuplicateRule d && d.end() <= processed && !injected.contains(d)) {
                due.add(d);
            }
        }
        if (!due.isEmpty()) {
            // stable: insertion order at ties; a duplicate is due at the end of what it copies
            due.sort(Comparator.comparingLong(r -> r instanceof Direction.DuplicateRule d ? d.end() : r.at()));
            Direction.Rule first = due.get(0);
            injected.add(first);
            byte[] bytes = first instanceof Direction.InjectRule i ? i.bytes()
                    : copies.getOrDefault((Direction.DuplicateRule) first, new ByteArrayOutputStream()).toByteArray();
            if (bytes.length > 0) {
                injecting = bytes;
                injectPos = 0;
            }
            return next(room);
        }
        for (Direction.Rule rule : rules) {
            if (rule instanceof Direction.StallRule s && s.at() <= processed) {
                return Wait.STALLED;
            }
        }
        int size = pendingEnd - pendingStart;
        for (Direction.Rule rule : rules) {
            if (size > 0 && rule instanceof Direction.DropRule d && d.at() <= processed && processed < d.end()) {
                int n = (int) Math.min(size, d.end() - processed);
                pendingStart += n;
                if (pendingStart == pendingEnd) {
                    pendingStart = pendingEnd = 0;
                }
                processed += n;
                return next(room);
            }
        }
        if (size > 0) {
            if (max == 0) {
                return Wait.NO_ROOM;
            }
            long boundary = Long.MAX_VALUE;
            for (Direction.Rule rule : rules) {
                boolean bounds = rule instanceof Direction.CutRule || rule instanceof Direction.StallRule
                        || (rule instanceof Direction.InjectRule && !injected.contains(rule));
                if (bounds && rule.at() > processed) {
                    boundary = Math.min(boundary, rule.at());
                }
                if (rule instanceof Direction.DropRule d) {
                    if (d.at() > processed) {
                        boundary = Math.min(boundary, d.at());
                    }
                }
                if (rule instanceof Direction.DuplicateRule d && !injected.contains(d)) {
                    if (d.at() > processed) {
                        boundary = Math.min(boundary, d.at());
                    } else if (d.end() > processed) {
                        boundary = Math.min(boundary, d.end());
                    }
                }
            }
            int n = (int) Math.min(Math.min(size, max), boundary - processed);
            byte[] chunk = new byte[n];
            System.arraycopy(pending, pendingStart, chunk, 0, n);
            for (Direction.Rule rule : rules) {
                if (rule instanceof Direction.FlipRule f && f.at() >= processed && f.at() < processed + n) {
                    chunk[(int) (f.at() - processed)] ^= (byte) 0xFF;
                }
            }
            for (Direction.Rule rule : rules) {
                if (rule instanceof Direction.DuplicateRule d && d.at() <= processed && processed < d.end()) {
                    copies.computeIfAbsent(d, k -> new ByteArrayOutputStream()).write(chunk, 0, n);
                }
            }
            pendingStart += n;
            if (pendingStart == pendingEnd) {
                pendingStart = pendingEnd = 0;
            }
            processed += n;
            return new Emit(chunk);
        }
        long limit = Long.MAX_VALUE;
        for (Direction.Rule rule : rules) {
            if ((rule instanceof Direction.CutRule || rule instanceof Direction.StallRule) && rule.at() > received) {
                limit = Math.min(limit, rule.at() - received);
            }
        }
        return new NeedInput(limit);
    }

    /** The largest chunk to deliver now: the split setting, drawn anew for a random split. */
    private int chunkLimit() {
        Direction.RandomSplit now = direction.randomSplit();
        if (now == null) {
            return direction.maxChunk();
        }
        if (!now.equals(split)) {
            split = now;
            random = new Random(now.seed());
        }
        return 1 + random.nextInt(now.maxChunk());
    }
}

package dev.closenotify.server;

import dev.closenotify.spi.CloseReason;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/**
 * The server's counters; every field is updated from many threads without a lock, but for the
 * end of a connection, which a snapshot must see whole or not at all (else an ended
 * connection's bytes are counted twice, once as ended and once as still open).
 */
final class Counters {
    final LongAdder accepted = new LongAdder();
    final LongAdder refused = new LongAdder();
    final LongAdder fullHandshakes = new LongAdder();
    final LongAdder resumedHandshakes = new LongAdder();
    final LongAdder failedHandshakes = new LongAdder();
    /** Bytes of connections that ended; open connections are added by the snapshot. */
    final LongAdder bytesIn = new LongAdder();
    final LongAdder bytesOut = new LongAdder();
    final LongAdder bytesEchoed = new LongAdder();
    final LongAdder bytesDiscarded = new LongAdder();
    final LongAdder bytesUnread = new LongAdder();
    private final Map<CloseReason, LongAdder> closes = new EnumMap<>(CloseReason.class);
    private final Map<Deadline, LongAdder> deadlines = new EnumMap<>(Deadline.class);

    Counters() {
        for (CloseReason r : CloseReason.values()) {
            closes.put(r, new LongAdder());
        }
        for (Deadline d : Deadline.values()) {
            deadlines.put(d, new LongAdder());
        }
    }

    private final Object ends = new Object();

    /**
     * Counts an ended connection, its bytes and why it ended, and runs {@code unlist}, which takes
     * it off the open connections a snapshot reads, as one step.
     */
    void ended(EchoConnection c, CloseReason reason, Runnable unlist) {
        synchronized (ends) {
            bytesIn.add(c.bytesIn());
            bytesOut.add(c.bytesOut());
            bytesEchoed.add(c.bytesEchoed());
            bytesDiscarded.add(c.bytesDiscarded());
            bytesUnread.add(c.bytesUnread());
            closes.get(reason).increment();
            unlist.run();
        }
    }

    void fired(Deadline deadline) {
        deadlines.get(deadline).increment();
    }

    /** The counters, plus the bytes of the connections still open. */
    ServerStats snapshot(Iterable<EchoConnection> open) {
        synchronized (ends) {
            return snapshotOf(open);
        }
    }

    private ServerStats snapshotOf(Iterable<EchoConnection> open) {
        int active = 0;
        long in = bytesIn.sum();
        long out = bytesOut.sum();
        long echoed = bytesEchoed.sum();
        long discarded = bytesDiscarded.sum();
        long unread = bytesUnread.sum();
        for (EchoConnection c : open) {
            active++;
            in += c.bytesIn();
            out += c.bytesOut();
            echoed += c.bytesEchoed();
            discarded += c.bytesDiscarded();
            unread += c.bytesUnread();
        }
        Map<CloseReason, Long> byReason = new EnumMap<>(CloseReason.class);
        closes.forEach((r, n) -> byReason.put(r, n.sum()));
        Map<Deadline, Long> byDeadline = new EnumMap<>(Deadline.class);
        deadlines.forEach((d, n) -> byDeadline.put(d, n.sum()));
        return new ServerStats(accepted.sum(), refused.sum(), active, fullHandshakes.sum(), resumedHandshakes.sum(),
                failedHandshakes.sum(), in, out, echoed, discarded, unread, byReason,
                byDeadline);
    }
}

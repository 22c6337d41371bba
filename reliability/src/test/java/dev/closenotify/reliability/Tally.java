package dev.closenotify.reliability;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * What the reliability tests did, counted by the tests themselves, per test class: the figures of
 * docs/RELIABILITY.md. {@link SummaryListener} prints them as one line at the end of the run.
 *
 * <ul>
 *   <li>cases: connections (or exchanges) each checked against an expected outcome;</li>
 *   <li>faults: faults put on a wire (cuts, flips, injections, drops, replays, stalls, killed or
 *       silent peers, server stops);</li>
 *   <li>bytes verified: plaintext compared byte for byte with what was sent.</li>
 * </ul>
 */
final class Tally {

    private static final int CASES = 0;
    private static final int FAULTS = 1;
    private static final int BYTES = 2;
    private static final Map<String, AtomicLongArray> BY_AREA = new ConcurrentHashMap<>();
    private static final StackWalker WALKER = StackWalker.getInstance(StackWalker.Option.RETAIN_CLASS_REFERENCE);

    private Tally() {
    }

    static void caseRun() {
        area().incrementAndGet(CASES);
    }

    static void fault() {
        area().incrementAndGet(FAULTS);
    }

    static void verified(long bytes) {
        area().addAndGet(BYTES, bytes);
    }

    /** The counters of the calling test class (its top-level class). */
    private static AtomicLongArray area() {
        Class<?> caller = WALKER.walk(s -> s.map(StackWalker.StackFrame::getDeclaringClass)
                .filter(c -> c != Tally.class).findFirst().orElse(Tally.class));
        while (caller.getEnclosingClass() != null) {
            caller = caller.getEnclosingClass();
        }
        return BY_AREA.computeIfAbsent(caller.getSimpleName(), k -> new AtomicLongArray(3));
    }

    /** Per test class: cases, faults, bytes verified; sorted by name. */
    static Map<String, long[]> byArea() {
        Map<String, long[]> all = new TreeMap<>();
        BY_AREA.forEach((k, v) -> all.put(k, new long[] {v.get(CASES), v.get(FAULTS), v.get(BYTES)}));
        return all;
    }

    static String summary() {
        long cases = 0;
        long faults = 0;
        long bytes = 0;
        StringBuilder parts = new StringBuilder();
        for (Map.Entry<String, long[]> e : byArea().entrySet()) {
            long[] v = e.getValue();
            cases += v[0];
            faults += v[1];
            bytes += v[2];
            parts.append(parts.isEmpty() ? "" : "; ").append(e.getKey()).append(" ").append(v[0]).append("/")
                    .append(v[1]).append("/").append(v[2]);
        }
        return "reliability: cases=" + cases + " faults=" + faults + " bytesVerified=" + bytes
                + " (cases/faults/bytes: " + parts + ")";
    }
}

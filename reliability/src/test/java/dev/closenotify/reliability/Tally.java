package dev.closenotify.reliability;

import java.util.concurrent.atomic.AtomicLong;

/**
 * What the reliability tests did, counted by the tests themselves: the figures of
 * docs/RELIABILITY.md. {@link SummaryListener} prints them as one line at the end of the run.
 */
final class Tally {

    /** Connections (or exchanges) each of which was checked against an expected outcome. */
    static final AtomicLong CASES = new AtomicLong();
    /** Faults put on a wire: cuts, flips, injections, drops, duplicates, stalls, hostile peers. */
    static final AtomicLong FAULTS = new AtomicLong();
    /** Plaintext bytes compared byte for byte with what was sent. */
    static final AtomicLong BYTES_VERIFIED = new AtomicLong();

    private Tally() {
    }

    static void caseRun() {
        CASES.incrementAndGet();
    }

    static void fault() {
        FAULTS.incrementAndGet();
    }

    static void verified(long bytes) {
        BYTES_VERIFIED.addAndGet(bytes);
    }

    static String summary() {
        return "reliability: cases=" + CASES.get() + " faults=" + FAULTS.get() + " bytesVerified="
                + BYTES_VERIFIED.get();
    }
}

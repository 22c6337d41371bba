package dev.closenotify.server;

import dev.closenotify.spi.CloseReason;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * What a graceful stop ({@link EchoServer#stop(Duration)}) did to the connections that were open
 * when it began: {@code open == closedCleanly + forced + truncated + otherwise}.
 *
 * @param open connections open when the stop began
 * @param closedCleanly connections that ended with both close_notify alerts exchanged
 *     ({@link CloseReason#CLEAN}, or {@link CloseReason#QUIET} by policy) within the grace period
 * @param forced connections still open when the grace period expired, closed by force
 * @param truncated connections whose peer went away without its close_notify
 *     ({@link CloseReason#TRUNCATED}) within the grace period
 * @param otherwise connections that ended another way within the grace period (a deadline, a
 *     reset, a fatal alert, our close_notify sent without waiting): see {@link #reasons()}
 * @param reasons every connection of the stop by its close reason (the forced ones included)
 * @param took how long the stop took
 */
public record StopReport(int open, int closedCleanly, int forced, int truncated, int otherwise,
                         Map<CloseReason, Integer> reasons, Duration took) {

    /** The report of a server that was never started. */
    public static final StopReport NOTHING_OPEN = new StopReport(0, 0, 0, 0, 0, Map.of(), Duration.ZERO);

    public StopReport {
        Objects.requireNonNull(took, "took");
        reasons = Map.copyOf(Objects.requireNonNull(reasons, "reasons"));
        if (open != closedCleanly + forced + truncated + otherwise) {
            throw new IllegalArgumentException("open (" + open + ") must be closedCleanly + forced + truncated + otherwise ("
                    + closedCleanly + " + " + forced + " + " + truncated + " + " + otherwise + ")");
        }
    }

    /** One line for a log: {@code open=3 clean=2 forced=1 truncated=0 otherwise=0 (CLEAN=2 SENT_ONLY=1) in 1.2 s}. */
    public String summary() {
        String byReason = reasons.entrySet().stream().sorted(Map.Entry.comparingByKey())
                .map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining(" "));
        return "open=" + open + " clean=" + closedCleanly + " forced=" + forced + " truncated=" + truncated
                + " otherwise=" + otherwise + (byReason.isEmpty() ? "" : " (" + byReason + ")")
                + " in " + took.toMillis() + " ms";
    }
}

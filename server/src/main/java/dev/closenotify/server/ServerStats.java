package dev.closenotify.server;

import dev.closenotify.spi.CloseReason;
import java.util.EnumMap;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * A snapshot of an {@link EchoServer}'s counters since its start. The counters are read one by
 * one while connections go on, so a snapshot taken under traffic is close, not exact; once the
 * connections it counts have ended, it is exact.
 *
 * @param accepted connections accepted and served
 * @param refused connections refused because {@link EchoServerConfig#maxConnections()} were open
 * @param active connections open now
 * @param fullHandshakes handshakes that completed without resuming a session
 * @param resumedHandshakes handshakes that resumed a session (TLS 1.3 PSK, TLS 1.2 abbreviated)
 * @param failedHandshakes handshakes that did not complete: a fatal alert, the peer gone, a
 *     deadline, a stop
 * @param bytesIn TLS bytes received
 * @param bytesOut TLS bytes sent
 * @param bytesEchoed application bytes received and echoed
 * @param bytesDiscarded application bytes a peer sent after the server's close_notify (at a stop),
 *     decrypted and not echoed any more
 * @param bytesUnread TLS bytes a peer sent after the server's close_notify on a provider that
 *     cannot read after it (SEMANTICS.md §9 {@code READ_AFTER_SENT}): read off the socket and dropped
 *     without decrypting, so that closing does not reset the connection; how much application data
 *     they carried cannot be known
 * @param closes ended connections by close reason, every reason present (0 when none)
 * @param deadlines deadlines that fired, every kind present (0 when none)
 */
public record ServerStats(long accepted, long refused, int active, long fullHandshakes, long resumedHandshakes,
                          long failedHandshakes, long bytesIn, long bytesOut, long bytesEchoed, long bytesDiscarded,
                          long bytesUnread, Map<CloseReason, Long> closes, Map<Deadline, Long> deadlines) {

    public ServerStats {
        closes = complete(closes, CloseReason.class);
        deadlines = complete(deadlines, Deadline.class);
    }

    /** Connections that ended with {@code reason}. */
    public long closes(CloseReason reason) {
        return closes.get(Objects.requireNonNull(reason, "reason"));
    }

    /** How often {@code deadline} fired. */
    public long deadlines(Deadline deadline) {
        return deadlines.get(Objects.requireNonNull(deadline, "deadline"));
    }

    /** Connections that ended, for any reason. */
    public long ended() {
        return closes.values().stream().mapToLong(Long::longValue).sum();
    }

    /**
     * One line for a log: {@code connections accepted=3 refused=0 active=0; handshakes full=2
     * resumed=1 failed=0; closes CLEAN=3; deadlines none; bytes in=... out=... echoed=...
     * discarded=0 unread=0}. Close reasons and deadlines that are 0 are left out.
     */
    public String summary() {
        return "connections accepted=" + accepted + " refused=" + refused + " active=" + active
                + "; handshakes full=" + fullHandshakes + " resumed=" + resumedHandshakes + " failed=" + failedHandshakes
                + "; closes " + nonZero(closes) + "; deadlines " + nonZero(deadlines)
                + "; bytes in=" + bytesIn + " out=" + bytesOut + " echoed=" + bytesEchoed + " discarded=" + bytesDiscarded
                + " unread=" + bytesUnread;
    }

    private static <K extends Enum<K>> Map<K, Long> complete(Map<K, Long> counts, Class<K> type) {
        Objects.requireNonNull(counts, "counts");
        EnumMap<K, Long> all = new EnumMap<>(type);
        for (K k : type.getEnumConstants()) {
            all.put(k, counts.getOrDefault(k, 0L));
        }
        return Map.copyOf(all);
    }

    private static <K extends Enum<K>> String nonZero(Map<K, Long> counts) {
        String s = counts.entrySet().stream().filter(e -> e.getValue() != 0)
                .sorted(Map.Entry.comparingByKey())
                .map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining(" "));
        return s.isEmpty() ? "none" : s;
    }
}

package dev.closenotify.spi;

import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * How a connection ended: the reason, the flags at that moment, the TLS alert involved (where the
 * stack exposes it) and the failure that ended it, if any.
 *
 * @param reason why the connection ended
 * @param flags the shutdown flags when it ended
 * @param alert the TLS alert description of a {@link CloseReason#FATAL_ALERT}, where known
 * @param failure the failure that ended the connection, if it did not end by shutdown or close
 * @param sessionKept whether the session stayed resumable on this side (SEMANTICS.md §4)
 */
public record CloseOutcome(CloseReason reason, Set<ShutdownFlag> flags, Optional<String> alert,
                           Optional<TlsException> failure, boolean sessionKept) {
    public CloseOutcome {
        Objects.requireNonNull(reason, "reason");
        flags = Set.copyOf(flags);
        Objects.requireNonNull(alert, "alert");
        Objects.requireNonNull(failure, "failure");
    }
}

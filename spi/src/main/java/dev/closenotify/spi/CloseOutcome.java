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
 * @param sessionKept whether the session rule (SEMANTICS.md §4) kept the session on this side: the
 *     connection ended with SENT set and no fatal error. It says what closenotify did, not whether
 *     the stack can resume: a TLS 1.3 client that never read its ticket, or a provider with the
 *     {@link Capability#RESUMPTION_TLS13} gap, keeps a session that the next handshake cannot use
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

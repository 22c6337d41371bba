package dev.closenotify.tck;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.closenotify.spi.Capability;
import dev.closenotify.spi.CloseOutcome;
import dev.closenotify.spi.CloseReason;
import dev.closenotify.spi.ShutdownFlag;
import dev.closenotify.spi.TlsConnection;
import dev.closenotify.spi.TlsException;
import dev.closenotify.spi.TlsException.Kind;
import java.util.Locale;
import java.util.Set;
import org.junit.jupiter.api.function.Executable;

/**
 * The documented behaviour of a declared gap (SEMANTICS.md §9), asserted where the rule it
 * replaces would be, so that the test fails if the gap silently disappears or behaves otherwise.
 */
final class GapAssertions {
    private GapAssertions() {
    }

    /**
     * {@link Capability#READ_AFTER_SENT} declared as a gap, our close_notify sent: {@code call} (a
     * read, or {@code shutdown()} after SENT) fails at once with
     * {@link Kind#READ_AFTER_SHUTDOWN}, reads nothing from the transport and sends nothing; the
     * connection has ended SENT_ONLY with flags {SENT}, no failure and its session kept; calling
     * again answers the same.
     */
    static TlsException assertReadAfterShutdown(TlsConnection c, Executable call, String what) {
        long in = c.bytesIn();
        long out = c.bytesOut();
        TlsException e = assertThrows(TlsException.class, call,
                () -> "READ_AFTER_SENT declared as a gap: " + what + " after our close_notify must fail READ_AFTER_SHUTDOWN");
        assertEquals(Kind.READ_AFTER_SHUTDOWN, e.kind(), () -> what + ": " + e);
        assertTrue(e.getMessage().toLowerCase(Locale.ROOT).contains("close_notify"),
                () -> "the message says why: " + e.getMessage());
        assertEquals(in, c.bytesIn(), what + ": READ_AFTER_SHUTDOWN reads nothing from the transport");
        assertEquals(out, c.bytesOut(), what + ": READ_AFTER_SHUTDOWN sends nothing");
        assertEndedSentOnly(c, what);
        TlsException again = assertThrows(TlsException.class, call, what + ", called again");
        assertEquals(Kind.READ_AFTER_SHUTDOWN, again.kind(), () -> what + ", called again: " + again);
        assertEquals(in, c.bytesIn());
        assertEquals(out, c.bytesOut());
        return e;
    }

    /** How a READ_AFTER_SENT-gap connection ended: SENT_ONLY, flags {SENT}, no failure, session kept. */
    static void assertEndedSentOnly(TlsConnection c, String what) {
        assertEquals(Set.of(ShutdownFlag.SENT), c.flags(), what + ": flags");
        CloseOutcome o = c.outcome().orElseThrow(() -> new AssertionError(
                what + ": READ_AFTER_SHUTDOWN reports how the connection ended; outcome() is empty"));
        assertEquals(CloseReason.SENT_ONLY, o.reason(), () -> what + ": " + o);
        assertEquals(Set.of(ShutdownFlag.SENT), o.flags(), () -> what + ": " + o);
        assertTrue(o.failure().isEmpty(), () -> what + ": no failure: " + o);
        assertTrue(o.sessionKept(), () -> what + ": §4 SENT and no failure keep the session: " + o);
    }
}

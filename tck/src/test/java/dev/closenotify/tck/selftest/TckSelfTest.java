package dev.closenotify.tck.selftest;

import static dev.closenotify.tck.selftest.KitRun.Group.BLOCKING;
import static dev.closenotify.tck.selftest.KitRun.Group.BUFFER;
import static dev.closenotify.tck.selftest.KitRun.Group.SESSIONS;
import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.closenotify.tck.ShutdownProviderTck;
import dev.closenotify.tck.selftest.KitRun.Group;
import dev.closenotify.tck.selftest.KitRun.Pick;
import dev.closenotify.tck.selftest.KitRun.Verdict;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.platform.engine.TestExecutionResult.Status;

/**
 * The TCK tests itself (STYLE.md): each deliberately broken provider, run through the kit, makes the
 * tests of the rule it breaks fail — by an assertion, with a message that names what is wrong —
 * while the unbroken provider they wrap passes the very same tests. A kit that cannot fail proves
 * nothing; a failure the unbroken provider shares proves nothing either.
 *
 * <p>Only the catching tests are run (through the JUnit Platform launcher), so the whole self-test
 * takes seconds, not the minutes a broken provider needs to time out of the rest of the kit.
 */
class TckSelfTest {
    private static final String PROTOCOL = "java.lang.String";

    /**
     * A kit test that must catch a distortion.
     *
     * @param pick the test method
     * @param rule the SEMANTICS.md rule its display name names
     * @param mentions what its failure message must say
     * @param only the invocations that must fail (a substring of their display name, "" for all);
     *     the method's other invocations must pass
     */
    record Catch(Pick pick, String rule, String mentions, String only) {
        static Catch of(Group group, String method, String parameterTypes, String rule, String mentions) {
            return new Catch(new Pick(group, method, parameterTypes), rule, mentions, "");
        }

        Catch onlyIn(String invocation) {
            return new Catch(pick, rule, mentions, invocation);
        }

        boolean judges(Verdict v) {
            return v.in(pick.group()) && v.method().equals(pick.method());
        }
    }

    /** No close_notify ever goes out: the §2.1 tests that look at the wire. */
    static final List<Catch> NEVER_SENDS = List.of(
            Catch.of(BLOCKING, "firstToCloseSendsCloseNotify", PROTOCOL, "§2.1", "close_notify"),
            Catch.of(BLOCKING, "writeAfterShutdownSendsNothing", PROTOCOL, "§2.1", "close_notify"),
            Catch.of(BUFFER, "firstToClose", PROTOCOL, "§2.1", "close_notify"));

    /** COMPLETE before the peer's close_notify: the §2.3 tests of the wait. */
    static final List<Catch> TOO_EARLY = List.of(
            Catch.of(BLOCKING, "secondShutdownWaitsForThePeer", PROTOCOL, "§2.3", "returned COMPLETE"),
            Catch.of(BUFFER, "waitForThePeer", PROTOCOL, "§2.3", "but was: <COMPLETE>"));

    /**
     * Sessions kept after the connection failed or was never shut down: the §4 tests that prove the
     * drop by the next handshake. (SunJSSE drops the session itself on a fatal alert, so the
     * bad-record tests cannot see this distortion; see {@link KeepsSessionsAfterFatalErrors}.)
     */
    static final List<Catch> KEEPS_SESSIONS = List.of(
            Catch.of(SESSIONS, "abortDropsTheSession", PROTOCOL, "§4", "a full handshake after an abortive close"),
            Catch.of(SESSIONS, "truncationDropsTheSessionOnTheClient", PROTOCOL, "§4", "a full handshake after the client saw a truncation"),
            Catch.of(SESSIONS, "resetDropsTheSession", PROTOCOL, "§4", "a full handshake after a transport reset"),
            Catch.of(SESSIONS, "bufferSessions", PROTOCOL, "§4", "a full handshake after close() without shutdown"));

    /** A HALF_CLOSE_TLS13 gap the connections do not have: the TLS 1.3 half-close tests. */
    static final List<Catch> FALSE_HALF_CLOSE_GAP = List.of(
            Catch.of(BLOCKING, "tls13HalfClose", "", "§3", "HALF_CLOSE_TLS13 declared as a gap"),
            Catch.of(BUFFER, "writeAfterPeerClose", PROTOCOL, "§3", "HALF_CLOSE_TLS13 declared as a gap")
                    .onlyIn("TLSv1.3"));

    /** A READ_AFTER_SENT gap the connections do not have: the tests of reading and waiting after SENT. */
    static final List<Catch> FALSE_READ_AFTER_SENT_GAP = List.of(
            Catch.of(BLOCKING, "readDirectionStaysOpenAfterSent", PROTOCOL, "§2.1", "READ_AFTER_SENT declared as a gap"),
            Catch.of(BLOCKING, "shutdownWithDeadlineDoesTheWholeClose", PROTOCOL, "§2.3", "READ_AFTER_SENT declared as a gap"),
            Catch.of(BUFFER, "readDirectionStaysOpenAfterSent", PROTOCOL, "§2.1", "READ_AFTER_SENT declared as a gap"),
            Catch.of(BUFFER, "waitForThePeer", PROTOCOL, "§2.3", "READ_AFTER_SENT declared as a gap"));

    @Test
    @DisplayName("never sends close_notify: the §2.1 wire tests fail naming the close_notify")
    void neverSendsCloseNotify() {
        assertCaught(Kits.NeverSends.class, NEVER_SENDS);
    }

    @Test
    @DisplayName("reports COMPLETE before the peer's close_notify: the §2.3 wait tests fail seeing COMPLETE")
    void completeTooEarly() {
        assertCaught(Kits.TooEarly.class, TOO_EARLY);
    }

    @Test
    @DisplayName("keeps sessions after an abort, a truncation, a reset: the §4 tests fail on the resumed handshake")
    void keepsSessionsAfterFatalErrors() {
        assertCaught(Kits.KeepsSessions.class, KEEPS_SESSIONS);
    }

    @Test
    @DisplayName("declares a HALF_CLOSE_TLS13 gap it does not have: the §3 half-close tests fail naming it")
    void declaresAHalfCloseGapItDoesNotHave() {
        assertCaught(Kits.FalseHalfCloseGap.class, FALSE_HALF_CLOSE_GAP);
    }

    @Test
    @DisplayName("declares a READ_AFTER_SENT gap it does not have: the §2.1/§2.3 tests fail naming it")
    void declaresAReadAfterSentGapItDoesNotHave() {
        assertCaught(Kits.FalseReadAfterSentGap.class, FALSE_READ_AFTER_SENT_GAP);
    }

    @Test
    @DisplayName("control: the unbroken provider passes every test that catches a broken one")
    void theUnbrokenProviderPassesTheSameTests() {
        List<Catch> all = Stream.of(NEVER_SENDS, TOO_EARLY, KEEPS_SESSIONS, FALSE_HALF_CLOSE_GAP,
                FALSE_READ_AFTER_SENT_GAP).flatMap(List::stream).toList();
        List<Pick> picks = all.stream().map(Catch::pick).distinct().toList();
        List<Verdict> verdicts = KitRun.run(Kits.Control.class, picks);
        List<Executable> checks = new ArrayList<>();
        for (Pick pick : picks) {
            List<Verdict> ran = verdicts.stream()
                    .filter(v -> v.in(pick.group()) && v.method().equals(pick.method())).toList();
            checks.add(() -> assertFalse(ran.isEmpty(), "the control run did not run " + pick));
            for (Verdict v : ran) {
                checks.add(() -> assertEquals(Status.SUCCESSFUL, v.status(), () -> "the unbroken provider must pass: " + v));
            }
        }
        assertAll(checks);
    }

    /** Runs {@code catches} against {@code kit}: every one of them must fail as it says. */
    private static void assertCaught(Class<? extends ShutdownProviderTck> kit, List<Catch> catches) {
        List<Verdict> verdicts = KitRun.run(kit, catches.stream().map(Catch::pick).toList());
        List<Executable> checks = new ArrayList<>();
        for (Catch c : catches) {
            List<Verdict> ran = verdicts.stream().filter(c::judges).toList();
            checks.add(() -> assertFalse(ran.isEmpty(), () -> kit.getSimpleName() + " did not run " + c.pick()));
            for (Verdict v : ran) {
                if (v.invocation().contains(c.only())) {
                    checks.add(() -> assertFailedAsExpected(c, v));
                } else {
                    checks.add(() -> assertEquals(Status.SUCCESSFUL, v.status(),
                            () -> "the distortion shows in " + c.only() + " only; this must pass: " + v));
                }
            }
        }
        assertAll(kit.getSimpleName(), checks);
    }

    private static void assertFailedAsExpected(Catch c, Verdict v) {
        assertEquals(Status.FAILED, v.status(), () -> "must catch the broken provider: " + v);
        assertTrue(v.methodDisplayName().contains(c.rule()),
                () -> "the test names the rule " + c.rule() + ": " + v.methodDisplayName());
        assertInstanceOf(AssertionError.class, v.failure().orElseThrow(),
                () -> "caught by an assertion, not by a timeout or a stray exception: " + v);
        assertTrue(v.message().contains(c.mentions()),
                () -> "the failure must say \"" + c.mentions() + "\": " + v);
    }
}

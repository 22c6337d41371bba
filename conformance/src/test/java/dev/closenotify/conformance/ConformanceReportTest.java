package dev.closenotify.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.closenotify.conformance.ConformanceReport.GapUse;
import dev.closenotify.conformance.ConformanceReport.Provider;
import dev.closenotify.conformance.ConformanceReport.Result;
import dev.closenotify.conformance.ConformanceReport.Status;
import dev.closenotify.spi.Capability;
import dev.closenotify.spi.Role;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The report's cells, order and parsing, on made-up results. */
class ConformanceReportTest {

    private static final GapUse READ_AFTER_SENT = new GapUse(Capability.READ_AFTER_SENT,
            Set.of(Role.CLIENT, Role.SERVER), Set.of());
    private static final GapUse HALF_CLOSE = new GapUse(Capability.HALF_CLOSE_TLS13,
            Set.of(Role.CLIENT, Role.SERVER), Set.of());
    private static final Provider JSSE = new Provider("jsse", Optional.empty(), Map.of());
    private static final Provider BC = new Provider("bc", Optional.empty(), Map.of(
            Capability.READ_AFTER_SENT, "inbound done | at close_notify",
            Capability.HALF_CLOSE_TLS13, "no half-close"));

    private static Result kit(String provider, String rule, String group, String protocol, Status status,
                              GapUse... uses) {
        return new Result(false, provider, provider, rule, group, protocol, status, List.of(uses),
                rule + " test " + group + " " + protocol);
    }

    private static Result pair(String client, String server, String rule, String protocol, Status status,
                               GapUse... uses) {
        return new Result(true, client, server, rule, "blocking transport", protocol, status, List.of(uses),
                rule + " test [client " + client + " → server " + server + ", " + protocol + "]");
    }

    @Test
    void aPassThroughADeclaredGapShowsTheGap() {
        Map<String, Provider> providers = Map.of("bc", BC, "jsse", JSSE);
        Result bc = kit("bc", "§2.3", "blocking transport", "TLSv1.2", Status.PASSED, READ_AFTER_SENT);
        Result jsse = kit("jsse", "§2.3", "blocking transport", "TLSv1.2", Status.PASSED, READ_AFTER_SENT);
        assertEquals("gap: READ_AFTER_SENT", ConformanceReport.cell(List.of(bc), providers));
        assertEquals("pass", ConformanceReport.cell(List.of(jsse), providers), "no gap declared: a plain pass");
        assertEquals("pass", ConformanceReport.cell(List.of(kit("bc", "§2.1", "g", "TLSv1.3", Status.PASSED)), providers),
                "a test that does not branch on the capability is a plain pass");
    }

    @Test
    void aTls13CapabilityIsNoGapInTls12() {
        Map<String, Provider> providers = Map.of("bc", BC);
        assertEquals("gap: HALF_CLOSE_TLS13", ConformanceReport.cell(
                List.of(kit("bc", "§3", "g", "TLSv1.3", Status.PASSED, HALF_CLOSE)), providers));
        assertEquals("pass", ConformanceReport.cell(
                List.of(kit("bc", "§3", "g", "TLSv1.2", Status.PASSED, HALF_CLOSE)), providers));
        GapUse onlyTls13 = new GapUse(Capability.READ_AFTER_SENT, Set.of(Role.CLIENT, Role.SERVER), Set.of("TLSv1.3"));
        assertEquals("pass", ConformanceReport.cell(
                List.of(kit("bc", "§3", "g", "TLSv1.2", Status.PASSED, onlyTls13)), providers),
                "@GapAware(protocols = TLSv1.3) does not mark a TLS 1.2 pass");
    }

    @Test
    void aFailureWinsOverPassesAndGapsAndSkippedIsNoPass() {
        Map<String, Provider> providers = Map.of("bc", BC);
        List<Result> cell = List.of(
                kit("bc", "§2.3", "g", "TLSv1.3", Status.PASSED, READ_AFTER_SENT),
                kit("bc", "§2.3", "g", "TLSv1.3", Status.FAILED, READ_AFTER_SENT));
        assertEquals("FAIL", ConformanceReport.cell(cell, providers));
        assertEquals("skipped", ConformanceReport.cell(List.of(kit("bc", "§2", "g", "TLSv1.3", Status.SKIPPED)), providers));
        assertEquals("pass (some skipped)", ConformanceReport.cell(List.of(
                kit("bc", "§2", "g", "TLSv1.3", Status.SKIPPED), kit("bc", "§2", "g", "TLSv1.3", Status.PASSED)), providers));
        assertEquals("—", ConformanceReport.cell(List.of(), providers));
    }

    @Test
    void inTheMatrixOnlyTheNamedSideCountsAndTheGapNamesIt() {
        Map<String, Provider> providers = Map.of("bc", BC, "jsse", JSSE);
        GapUse clientOnly = new GapUse(Capability.READ_AFTER_SENT, Set.of(Role.CLIENT), Set.of());
        assertEquals("pass", ConformanceReport.cell(
                List.of(pair("jsse", "bc", "§4", "TLSv1.2", Status.PASSED, clientOnly)), providers),
                "the server's gap does not matter to a test that branches on the client's");
        assertEquals("gap: READ_AFTER_SENT (client bc)", ConformanceReport.cell(
                List.of(pair("bc", "jsse", "§4", "TLSv1.2", Status.PASSED, clientOnly)), providers));
        assertEquals("gap: READ_AFTER_SENT (client bc, server bc)", ConformanceReport.cell(
                List.of(pair("bc", "bc", "§2.3", "TLSv1.3", Status.PASSED, READ_AFTER_SENT)), providers));
    }

    @Test
    void theReportIsTheSameWhateverTheOrderOfTheResults() {
        List<Result> results = new ArrayList<>();
        for (String p : List.of("jsse", "bc")) {
            for (String rule : List.of("§2.10", "§2.9", "§2", "§10", "Views", "§3")) {
                for (String protocol : List.of("TLSv1.2", "TLSv1.3")) {
                    results.add(kit(p, rule, "sessions", protocol, Status.PASSED, READ_AFTER_SENT));
                    results.add(kit(p, rule, "blocking transport", protocol, Status.PASSED));
                    results.add(pair(p, "jsse", rule, protocol, Status.PASSED));
                }
            }
        }
        results.add(kit("bc", "§2.9", "sessions", "TLSv1.2", Status.FAILED));
        List<Provider> providers = List.of(JSSE, BC);
        String expected = ConformanceReport.render(results, providers);
        for (int seed = 0; seed < 5; seed++) {
            List<Result> shuffled = new ArrayList<>(results);
            Collections.shuffle(shuffled, new Random(seed));
            List<Provider> ps = new ArrayList<>(providers);
            Collections.shuffle(ps, new Random(seed));
            assertEquals(expected, ConformanceReport.render(shuffled, ps), "seed " + seed);
        }
        assertTrue(expected.indexOf("| §2 | blocking") < expected.indexOf("| §2.9 | blocking"), expected);
        assertTrue(expected.indexOf("| §2.9 | blocking") < expected.indexOf("| §2.10 | blocking"), expected);
        assertTrue(expected.indexOf("| §2.10 | blocking") < expected.indexOf("| §3 | blocking"), expected);
        assertTrue(expected.indexOf("| §10 | blocking") < expected.indexOf("| Views | blocking"), expected);
        assertTrue(expected.indexOf("## Provider: bc") < expected.indexOf("## Provider: jsse"), expected);
        assertTrue(expected.contains("| Rule | Transport / group | TLSv1.3 | TLSv1.2 |"), expected);
        assertTrue(expected.contains("| §2.9 | sessions | gap: READ_AFTER_SENT | FAIL |"),
                "the gap's name, the failure in its cell: " + expected);
        assertTrue(expected.contains("Failed:\n\n- sessions › §2.9 test sessions TLSv1.2\n"), expected);
        assertTrue(expected.contains("| bc | yes | HALF_CLOSE_TLS13 (no half-close); READ_AFTER_SENT (inbound done"
                + " \\| at close_notify) |"), "the reasons, once, a | in them escaped: " + expected);
        assertTrue(expected.contains("Covers SEMANTICS.md §2, §3, §10,"), expected);
        assertFalse(expected.matches("(?s).*\\d{4}-\\d{2}-\\d{2}.*"), "no dates");
    }

    @Test
    void ruleAndProtocolComeFromTheNames() {
        assertEquals("§2.1", ConformanceListener.rule("§2.1 first to close: SENT"));
        assertEquals("§4", ConformanceListener.rule("§4 TLS 1.3: a ticket is offered once"));
        assertEquals("Views", ConformanceListener.rule("Views: channel() round-trips data"));
        assertEquals("TLSv1.2", ConformanceListener.protocol(" [TLSv1.2, MID_RECORD]", "§3 truncation"));
        assertEquals("TLSv1.3", ConformanceListener.protocol("TLSv1.3", "§3 writing: TLS 1.2 (and TLS 1.3 ...)"),
                "the invocation's argument wins over the name");
        assertEquals("TLSv1.3", ConformanceListener.protocol("", "§3 TLS 1.3 half-close: ..."));
        assertEquals("any", ConformanceListener.protocol("", "§3 TLS 1.3 and TLS 1.2: ..."));
        assertEquals("any", ConformanceListener.protocol("", "§8 observability"));
    }

    @Test
    void theMatrixListsTheScenariosOfEachRule() {
        assertEquals("wait for the peer (each side in turn closing first)", ConformanceReport.scenario(
                "§2.3 wait for the peer (each side in turn closing first): the peer reads -1 [client a → server b, TLSv1.3]"));
        assertEquals("Views", ConformanceReport.scenario("Views: channel() round-trips"));
        String md = ConformanceReport.render(List.of(
                new Result(true, "a", "b", "§2.3", "g", "TLSv1.3", Status.PASSED, List.of(), "§2.3 simultaneous close: x [..]"),
                new Result(true, "a", "b", "§2.3", "g", "TLSv1.3", Status.PASSED, List.of(), "§2.3 wait for the peer: y [..]"),
                new Result(true, "a", "b", "§2.3", "g", "TLSv1.2", Status.PASSED, List.of(), "§2.3 wait for the peer: y [..]")),
                List.of());
        assertTrue(md.contains("- §2.3: simultaneous close; wait for the peer\n"), md);
    }

    @Test
    void theDiffShowsRemovedAndAddedLinesWithTheirNumbers() {
        List<TextDiff.Change> changes = TextDiff.lines("a\nb\nc\nd\n", "a\nB\nc\nd\ne\n");
        assertEquals(List.of("line 2: - b", "line 3: + B", "line 5: + e"),
                changes.stream().map(TextDiff.Change::toString).toList());
        assertEquals(List.of(), TextDiff.lines("same\n", "same\n"));
    }
}

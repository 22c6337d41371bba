package dev.closenotify.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class LauncherTest {
    @Test
    void idleConnectionsAreSharedAmongAsFewClientJvmsAsTheFileLimitAllows() {
        // Conscrypt: three descriptors a connection, 1,000 kept spare under the limit.
        assertEquals(List.of(5_000, 5_000), Launcher.clientShares(10_000, "conscrypt", 20_000));
        assertEquals(List.of(6_333), Launcher.clientShares(6_333, "conscrypt", 20_000));
        assertEquals(List.of(10_000), Launcher.clientShares(10_000, "jsse", 20_000));
        assertEquals(List.of(10_000), Launcher.clientShares(10_000, "conscrypt", Long.MAX_VALUE));

        List<Integer> many = Launcher.clientShares(10_001, "conscrypt", 4_000);
        assertEquals(11, many.size(), many.toString());
        assertEquals(10_001, many.stream().mapToInt(Integer::intValue).sum());
        assertTrue(many.stream().allMatch(n -> n * Launcher.FDS_PER_CONNECTION <= 3_000), many.toString());
    }

    @Test
    void everyOtherRoundTakesTheServersInReverse() {
        List<String> kinds = List.of("a", "b", "c");
        assertEquals(kinds, Launcher.inRoundOrder(kinds, 0));
        assertEquals(List.of("c", "b", "a"), Launcher.inRoundOrder(kinds, 1));
        assertEquals(kinds, Launcher.inRoundOrder(kinds, 2));
    }
}

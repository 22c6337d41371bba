package dev.closenotify.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.concurrent.atomic.AtomicLongArray;
import org.junit.jupiter.api.Test;

class ClientMainTest {
    @Test
    void fairnessIsOneWhenEveryConnectionIsServedAlikeAndOneOverNWhenOneHasAll() {
        assertEquals(1.0, ClientMain.fairness(new AtomicLongArray(new long[] {7, 7, 7, 7})), 1e-12);
        assertEquals(0.25, ClientMain.fairness(new AtomicLongArray(new long[] {0, 12, 0, 0})), 1e-12);
        // Half the connections served, alike: 1/2.
        assertEquals(0.5, ClientMain.fairness(new AtomicLongArray(new long[] {3, 0, 3, 0})), 1e-12);
        assertEquals(Double.NaN, ClientMain.fairness(new AtomicLongArray(3)));
    }

    @Test
    void servedCountsTheConnectionsWithAMessage() {
        assertEquals(2, ClientMain.served(new AtomicLongArray(new long[] {0, 5, 0, 1})));
        assertEquals(0, ClientMain.served(new AtomicLongArray(2)));
    }
}

package dev.closenotify.server.cli;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.logging.LogManager;

/**
 * The command line's {@link LogManager} (installed through {@code java.util.logging.manager}
 * before anything logs): at JVM exit, JUL's own shutdown hook resets the log manager, which closes
 * every handler, while the command line's shutdown hook is still stopping the server. This one's
 * {@link #reset()} waits for that stop first (bounded), so the stop's log lines are not lost.
 */
public final class CliLogManager extends LogManager {
    private static volatile CompletableFuture<?> hold = CompletableFuture.completedFuture(null);
    private static volatile Duration holdAtMost = Duration.ZERO;

    /** For {@code java.util.logging.manager}. */
    public CliLogManager() {
    }

    /** Makes the next {@link #reset()} wait until {@code done} completes, or {@code atMost}. */
    static void holdResetUntil(CompletableFuture<?> done, Duration atMost) {
        holdAtMost = atMost;
        hold = done;
    }

    @Override
    public void reset() {
        try {
            hold.get(holdAtMost.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException | ExecutionException e) {
            // Log what there is and go on.
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        super.reset();
    }
}

package dev.closenotify.tck.support;

import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** Runs the other side of a test on a virtual thread, and merges its failure into the test's. */
public final class Peer {
    private Peer() {
    }

    /** A step that may throw. */
    @FunctionalInterface
    public interface Step {
        void run() throws Exception;
    }

    /** Runs {@code step} on a new virtual thread. */
    public static CompletableFuture<Void> run(Step step) {
        return call(() -> {
            step.run();
            return null;
        });
    }

    /** Calls {@code step} on a new virtual thread. */
    public static <T> CompletableFuture<T> call(Callable<T> step) {
        CompletableFuture<T> f = new CompletableFuture<>();
        Thread.ofVirtual().name("test-peer").start(() -> {
            try {
                f.complete(step.call());
            } catch (Throwable t) {
                f.completeExceptionally(t);
            }
        });
        return f;
    }

    /** Adds the peer's failure, if it has one within a second, to {@code primary}. */
    public static void suppressInto(Throwable primary, CompletableFuture<?> peer) {
        try {
            peer.get(1, TimeUnit.SECONDS);
        } catch (Exception e) {
            primary.addSuppressed(e.getCause() != null ? e.getCause() : e);
        }
    }
}

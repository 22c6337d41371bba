package dev.closenotify.cluster;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;

/**
 * Starts and stops echo server nodes as operating-system processes, one run directory for all:
 * {@code NAME.pid} (the node's process id), {@code NAME.out} (its stdout, the {@code listening on}
 * line) and {@code NAME.log} (its stderr, appended across restarts, one stop report per run).
 *
 * <p>A node is started from a command template run by {@code /bin/sh -c "exec TEMPLATE"} (so the
 * process id is the server's own), with {@code {name}}, {@code {host}} and {@code {port}}
 * replaced. It is stopped with SIGTERM, the server's graceful stop.
 */
final class NodeProcesses {
    /** The line the server prints to stdout once it listens. */
    static final Pattern LISTENING = Pattern.compile("listening on (\\S+):(\\d+) provider=(\\S+) tls=(\\S+)");

    /**
     * How a stop went.
     *
     * @param pid the process stopped
     * @param graceful whether it ended on its own after SIGTERM within the stop timeout
     * @param took how long it took to end
     */
    record Stopped(long pid, boolean graceful, Duration took) {}

    private final Path runDir;
    private final String template;
    private final Duration startTimeout;
    private final Duration stopTimeout;

    NodeProcesses(Path runDir, String template, Duration startTimeout, Duration stopTimeout) {
        this.runDir = Objects.requireNonNull(runDir, "runDir");
        this.template = Objects.requireNonNull(template, "template");
        this.startTimeout = Objects.requireNonNull(startTimeout, "startTimeout");
        this.stopTimeout = Objects.requireNonNull(stopTimeout, "stopTimeout");
    }

    Path runDir() {
        return runDir;
    }

    String template() {
        return template;
    }

    Duration stopTimeout() {
        return stopTimeout;
    }

    Path pidFile(String name) {
        return runDir.resolve(name + ".pid");
    }

    Path log(String name) {
        return runDir.resolve(name + ".log");
    }

    /** The command that starts {@code name} on {@code host:port}. */
    String command(String name, String host, int port) {
        return template.replace("{name}", name).replace("{host}", host).replace("{port}", Integer.toString(port));
    }

    /**
     * Starts {@code name} on {@code host:port}, waits for its {@code listening on} line, and writes
     * its pid file; returns the process id. A node that ends or does not listen within the start
     * timeout is killed and reported with the end of its log.
     */
    long start(String name, String host, int port) throws IOException {
        Files.createDirectories(runDir);
        Path out = runDir.resolve(name + ".out");
        Files.deleteIfExists(out);
        ProcessBuilder pb = new ProcessBuilder("/bin/sh", "-c", "exec " + command(name, host, port))
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectOutput(out.toFile())
                .redirectError(ProcessBuilder.Redirect.appendTo(log(name).toFile()));
        Process process = pb.start();
        long deadline = System.nanoTime() + startTimeout.toNanos();
        try {
            while (true) {
                String first = firstLine(out);
                if (first != null && LISTENING.matcher(first).matches()) {
                    break;
                }
                if (first != null) {
                    throw new IOException("node " + name + " printed '" + first + "' instead of its listening line; "
                            + tail(log(name)));
                }
                if (!process.isAlive()) {
                    throw new IOException("node " + name + " ended with exit code " + process.exitValue()
                            + " before it listened; " + tail(log(name)));
                }
                if (System.nanoTime() - deadline > 0) {
                    throw new IOException("node " + name + " did not listen within " + startTimeout + "; " + tail(log(name)));
                }
                process.waitFor(50, TimeUnit.MILLISECONDS);
            }
        } catch (IOException | RuntimeException e) {
            process.destroyForcibly();
            throw e;
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while node " + name + " started", e);
        }
        Files.writeString(pidFile(name), process.pid() + "\n", StandardCharsets.US_ASCII);
        return process.pid();
    }

    /** The process id in {@code name}'s pid file, if it names a process that is alive. */
    Optional<Long> pid(String name) throws IOException {
        String text;
        try {
            text = Files.readString(pidFile(name), StandardCharsets.US_ASCII).strip();
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
        long pid;
        try {
            pid = Long.parseLong(text);
        } catch (NumberFormatException e) {
            throw new IOException(pidFile(name) + " does not hold a process id: '" + text + "'");
        }
        return ProcessHandle.of(pid).filter(ProcessHandle::isAlive).map(ProcessHandle::pid);
    }

    /**
     * Stops {@code name} gracefully: SIGTERM, then waits for the process to end within the stop
     * timeout; beyond it the process is killed and the stop reported as not graceful. Empty when
     * no process of the node is alive.
     */
    Optional<Stopped> stop(String name) throws IOException {
        Optional<ProcessHandle> handle = pid(name).flatMap(ProcessHandle::of);
        if (handle.isEmpty()) {
            return Optional.empty();
        }
        ProcessHandle p = handle.get();
        long started = System.nanoTime();
        p.destroy();
        boolean graceful = awaitEnd(p, stopTimeout);
        if (!graceful) {
            p.destroyForcibly();
            awaitEnd(p, Duration.ofSeconds(5));
        }
        Files.deleteIfExists(pidFile(name));
        return Optional.of(new Stopped(p.pid(), graceful, Duration.ofNanos(System.nanoTime() - started)));
    }

    private static boolean awaitEnd(ProcessHandle p, Duration timeout) throws IOException {
        try {
            p.onExit().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (TimeoutException e) {
            return false;
        } catch (ExecutionException e) {
            throw new IOException("cannot wait for process " + p.pid(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while waiting for process " + p.pid(), e);
        }
    }

    private static String firstLine(Path file) throws IOException {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return null;
        }
        int nl = text.indexOf('\n');
        return nl < 0 ? null : text.substring(0, nl);
    }

    private static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
            return "end of " + log + ": " + String.join(" | ", lines.subList(Math.max(0, lines.size() - 5), lines.size()));
        } catch (IOException e) {
            return "no log at " + log;
        }
    }
}

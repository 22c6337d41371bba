package dev.closenotify.reliability;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * One {@code openssl} process (s_client or s_server), bounded: its stdout comes in as lines, its
 * stderr is kept for messages, and {@link #close()} kills it (by its own handle, never by name).
 */
final class Openssl implements AutoCloseable {

    static final Duration WAIT = Duration.ofSeconds(15);

    private final Process process;
    private final OutputStream stdin;
    private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    private final ByteArrayOutputStream stderr = new ByteArrayOutputStream();
    private final List<String> seen = new ArrayList<>();

    private Openssl(Process process) {
        this.process = process;
        this.stdin = process.getOutputStream();
        InputStream out = process.getInputStream();
        Thread.ofVirtual().start(() -> {
            try (var reader = new java.io.BufferedReader(new java.io.InputStreamReader(out, StandardCharsets.UTF_8))) {
                String line;
                while ((line = reader.readLine()) != null) {
                    lines.add(line);
                }
            } catch (IOException e) {
                // the process is gone
            }
        });
        InputStream err = process.getErrorStream();
        Thread.ofVirtual().start(() -> {
            byte[] buf = new byte[4096];
            int n;
            try {
                while ((n = err.read(buf)) >= 0) {
                    synchronized (stderr) {
                        stderr.write(buf, 0, n);
                    }
                }
            } catch (IOException e) {
                // the process is gone
            }
        });
    }

    /** The {@code openssl} binary on the PATH, if there is one. */
    static Optional<Path> binary() {
        for (String d : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(File.pathSeparator)) {
            Path p = Path.of(d, "openssl");
            if (Files.isExecutable(p)) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }

    static Openssl start(Path binary, String... args) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(binary.toString());
        command.addAll(List.of(args));
        return new Openssl(new ProcessBuilder(command).start());
    }

    /** Waits for a stdout line matching {@code match}; fails with what was seen. */
    String awaitLine(Predicate<String> match, String what) throws InterruptedException {
        long end = System.nanoTime() + WAIT.toNanos();
        while (true) {
            long left = end - System.nanoTime();
            String line = left > 0 ? lines.poll(left, TimeUnit.NANOSECONDS) : null;
            if (line == null) {
                throw new AssertionError("openssl: no " + what + " within " + WAIT + "; stdout " + seen
                        + "; stderr: " + stderr() + (process.isAlive() ? "" : "; exited " + process.exitValue()));
            }
            seen.add(line);
            if (match.test(line)) {
                return line;
            }
        }
    }

    void send(String text) throws IOException {
        stdin.write(text.getBytes(StandardCharsets.UTF_8));
        stdin.flush();
    }

    void closeStdin() throws IOException {
        stdin.close();
    }

    int awaitExit() throws InterruptedException {
        if (!process.waitFor(WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new AssertionError("openssl did not exit within " + WAIT + "; stdout " + seen + "; stderr: " + stderr());
        }
        return process.exitValue();
    }

    /** SIGKILL: the kernel closes its sockets with a FIN and no close_notify is ever sent. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(WAIT.toMillis(), TimeUnit.MILLISECONDS);
    }

    String stderr() {
        synchronized (stderr) {
            return stderr.toString(StandardCharsets.UTF_8);
        }
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            kill();
        }
    }
}

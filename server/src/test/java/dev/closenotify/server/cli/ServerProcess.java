package dev.closenotify.server.cli;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The echo server's command line in a separate JVM, as a user runs it: its stdout lines, its
 * stderr, SIGTERM, the exit code. Runs the class path of the tests, or a jar.
 */
final class ServerProcess implements AutoCloseable {
    static final Pattern LISTENING = Pattern.compile("listening on 127\\.0\\.0\\.1:(\\d+) provider=(\\S+) tls=(\\S+)");
    static final Duration WAIT = Duration.ofSeconds(20);

    private final Process process;
    private final List<String> stdout = new ArrayList<>();
    private final ByteArrayOutputStream stderr = new ByteArrayOutputStream();
    private final CompletableFuture<String> firstLine = new CompletableFuture<>();
    private final CompletableFuture<Void> outDone;
    private final CompletableFuture<Void> errDone;

    private ServerProcess(List<String> command) throws IOException {
        process = new ProcessBuilder(command).redirectInput(ProcessBuilder.Redirect.PIPE).start();
        process.getOutputStream().close();
        outDone = CompletableFuture.runAsync(this::readStdout, r -> Thread.ofVirtual().start(r));
        errDone = CompletableFuture.runAsync(() -> copy(process.getErrorStream()), r -> Thread.ofVirtual().start(r));
    }

    /** {@code java [jvmOptions] -cp <the tests' class path> dev.closenotify.server.cli.Main args}. */
    static ServerProcess ofClassPath(List<String> jvmOptions, String... args) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(java());
        command.addAll(jvmOptions);
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(Main.class.getName());
        command.addAll(List.of(args));
        return new ServerProcess(command);
    }

    /** {@code java -jar jar args}. */
    static ServerProcess ofJar(Path jar, String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of(java(), "-jar", jar.toString()));
        command.addAll(List.of(args));
        return new ServerProcess(command);
    }

    private static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    /** Waits for the {@code listening on} line and returns its port. */
    int awaitPort() throws Exception {
        String line;
        try {
            line = firstLine.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new AssertionError("no stdout line within " + WAIT + "; stderr: " + stderr());
        }
        Matcher m = LISTENING.matcher(line);
        if (!m.matches()) {
            throw new AssertionError("unexpected first stdout line: " + line + "; stderr: " + stderr());
        }
        return Integer.parseInt(m.group(1));
    }

    /** The first stdout line (waits for it). */
    String firstLine() throws Exception {
        return firstLine.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** SIGTERM, then the exit code (waits for the end). */
    int terminate() throws Exception {
        // Through the handle: Process.destroy() would also close our ends of the pipes at once, and
        // lose everything the stopping server writes.
        process.toHandle().destroy();
        return awaitExit();
    }

    /** The exit code, once the process ended (and its output was read to the end). */
    int awaitExit() throws Exception {
        if (!process.waitFor(WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("the server did not end within " + WAIT + "; stderr: " + stderr());
        }
        outDone.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        errDone.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        return process.exitValue();
    }

    /** Every stdout line so far. */
    List<String> stdout() {
        synchronized (stdout) {
            return List.copyOf(stdout);
        }
    }

    /** Stderr so far. */
    String stderr() {
        synchronized (stderr) {
            return stderr.toString(StandardCharsets.UTF_8);
        }
    }

    @Override
    public void close() {
        process.destroyForcibly();
    }

    private void readStdout() {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                synchronized (stdout) {
                    stdout.add(line);
                }
                firstLine.complete(line);
            }
        } catch (IOException e) {
            firstLine.completeExceptionally(e);
        }
        firstLine.completeExceptionally(new AssertionError("stdout ended without a line; stderr: " + stderr()));
    }

    private void copy(InputStream in) {
        byte[] b = new byte[8192];
        try {
            int n;
            while ((n = in.read(b)) != -1) {
                synchronized (stderr) {
                    stderr.write(b, 0, n);
                }
            }
        } catch (IOException e) {
            // The process is gone.
        }
    }
}

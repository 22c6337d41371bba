package dev.closenotify.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A JVM the launcher started: its stdout lines arrive on a queue, stderr goes to a log file, and
 * commands go to its stdin. The JVM runs under {@code bash -c 'ulimit -n $(ulimit -Hn); exec java ...'}:
 * the soft file-descriptor limit raised to the hard one (a container may forbid more), which the
 * launcher checks is enough for the idle connections.
 */
final class Child implements AutoCloseable {
    private static final String EOF = "\u0000eof";

    private final String name;
    private final Process process;
    private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    private final Writer stdin;

    private Child(String name, Process process) {
        this.name = name;
        this.process = process;
        this.stdin = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
        Thread.ofVirtual().name(name + "-stdout").start(() -> {
            try (BufferedReader r = new BufferedReader(
                    new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String l;
                while ((l = r.readLine()) != null) {
                    lines.add(l);
                }
            } catch (IOException e) {
                // the process ended
            } finally {
                lines.add(EOF);
            }
        });
    }

    static Child start(String name, List<String> jvmArgs, String mainClass, List<String> args, Path log)
            throws IOException {
        List<String> cmd = new ArrayList<>(List.of("bash", "-c", "ulimit -n \"$(ulimit -Hn)\" && exec \"$0\" \"$@\"",
                Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        cmd.addAll(jvmArgs);
        cmd.add("-cp");
        cmd.add(classpath());
        cmd.add(mainClass);
        cmd.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.appendTo(log.toFile()));
        return new Child(name, pb.start());
    }

    /** The class path of this JVM, or the one Maven wrote for the bench module when run under Surefire. */
    static String classpath() throws IOException {
        String file = System.getProperty("bench.classpath.file");
        if (file != null) {
            return System.getProperty("bench.classes") + java.io.File.pathSeparator
                    + java.nio.file.Files.readString(Path.of(file)).trim();
        }
        return System.getProperty("java.class.path");
    }

    long pid() {
        return process.pid();
    }

    void send(String command) throws IOException {
        stdin.write(command + "\n");
        stdin.flush();
    }

    void closeStdin() {
        try {
            stdin.close();
        } catch (IOException e) {
            // it ended already
        }
    }

    /** The next stdout line with {@code tag}, skipping others; fails when the JVM ends or time runs out. */
    Line await(String tag, long timeoutMs) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        while (true) {
            Optional<Line> line = Line.parse(tag, next(deadline, tag, timeoutMs));
            if (line.isPresent()) {
                return line.get();
            }
        }
    }

    /** The next stdout line, before {@code deadline}; fails naming the {@code awaited} line when time runs out or the JVM ends. */
    private String next(long deadline, String awaited, long timeoutMs) throws IOException, InterruptedException {
        long left = deadline - System.nanoTime();
        String l = left > 0 ? lines.poll(left, TimeUnit.NANOSECONDS) : null;
        if (l == null) {
            throw new IOException(name + ": no " + awaited + " line within " + timeoutMs + " ms");
        }
        if (l.equals(EOF)) {
            lines.add(EOF);
            throw new IOException(name + " ended (exit " + waitFor(5_000).orElse(-1) + ") before a "
                    + awaited + " line; see its log");
        }
        return l;
    }

    /**
     * Every {@code tag} line until a line tagged {@code end}, within {@code timeoutMs}; an
     * {@code ERROR} line before it fails the call, as does the JVM's end.
     */
    List<Line> collectUntil(String tag, String end, long timeoutMs) throws IOException, InterruptedException {
        List<Line> out = new ArrayList<>();
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        Optional<Line> error = Optional.empty();
        while (true) {
            String l = next(deadline, end, timeoutMs);
            if (Line.parse(end, l).isPresent()) {
                if (error.isPresent()) {
                    throw new IOException(name + ": " + error.get() + "; see its log");
                }
                return out;
            }
            error = error.or(() -> Line.parse("ERROR", l));
            Line.parse(tag, l).ifPresent(out::add);
        }
    }

    /** Every {@code tag} line until the JVM ends, within {@code timeoutMs}. */
    List<Line> collect(String tag, long timeoutMs) throws IOException, InterruptedException {
        List<Line> out = new ArrayList<>();
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        while (true) {
            long left = deadline - System.nanoTime();
            String l = left > 0 ? lines.poll(left, TimeUnit.NANOSECONDS) : null;
            if (l == null) {
                throw new IOException(name + ": did not end within " + timeoutMs + " ms");
            }
            if (l.equals(EOF)) {
                int rc = waitFor(10_000).orElse(-1);
                if (rc != 0) {
                    throw new IOException(name + " failed with exit code " + rc + "; see its log");
                }
                return out;
            }
            Line.parse(tag, l).ifPresent(out::add);
        }
    }

    Optional<Integer> waitFor(long ms) throws InterruptedException {
        return process.waitFor(ms, TimeUnit.MILLISECONDS) ? Optional.of(process.exitValue()) : Optional.empty();
    }

    @Override
    public void close() throws InterruptedException {
        closeStdin();
        if (waitFor(10_000).isEmpty()) {
            process.destroyForcibly();
            process.waitFor(5, TimeUnit.SECONDS);
        }
    }
}

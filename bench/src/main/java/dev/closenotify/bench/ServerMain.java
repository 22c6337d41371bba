package dev.closenotify.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The server JVM: starts one {@link ServerKind}, prints {@code LISTENING port=...}, then answers
 * one command per stdin line, each with one line on stdout:
 * <ul>
 *   <li>{@code mem}: {@code MEM} with the live heap after forced GCs ({@code heap}), the
 *       resident set from {@code /proc/self/status} ({@code rss}), direct buffers, threads and
 *       open connections;</li>
 *   <li>{@code stop GRACE_MS}: the graceful stop, {@code STOPPED ...} (see {@link BenchServer#stop});</li>
 *   <li>end of stdin: exit.</li>
 * </ul>
 * The launcher reads nothing else from stdout: logs go to stderr.
 */
public final class ServerMain {
    private ServerMain() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 2) {
            System.err.println("usage: ServerMain SERVER KEYS_DIR");
            System.exit(2);
        }
        ServerKind kind = ServerKind.byId(args[0]);
        try (BenchServer server = BenchServer.start(kind, Path.of(args[1]))) {
            say(Line.of("LISTENING").with("server", kind.id()).with("port", server.port())
                    .with("pid", ProcessHandle.current().pid()));
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            String cmd;
            while ((cmd = in.readLine()) != null) {
                String[] w = cmd.trim().split(" ");
                switch (w[0]) {
                    case "mem" -> say(memory(server.active()));
                    case "stop" -> say(server.stop(Duration.ofMillis(Long.parseLong(w[1]))));
                    case "" -> { }
                    default -> say(Line.of("ERROR").with("unknown", w[0]));
                }
            }
        }
        System.exit(0); // non-daemon pools of a stack must not keep the JVM
    }

    private static void say(Line line) {
        System.out.println(line);
        System.out.flush();
    }

    static Line memory(int active) throws IOException {
        // Three collections: the first may only promote, and soft/weak caches need a second look.
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        long heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
        long direct = 0;
        for (BufferPoolMXBean pool : ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class)) {
            if (pool.getName().equals("direct")) {
                direct = pool.getMemoryUsed();
            }
        }
        return Line.of("MEM").with("heap", heap).with("rss", rssBytes()).with("direct", direct)
                .with("threads", ManagementFactory.getThreadMXBean().getThreadCount()).with("conns", active)
                .with("fds", openFiles());
    }

    static long openFiles() throws IOException {
        try (var s = Files.list(Path.of("/proc/self/fd"))) {
            return s.count();
        }
    }

    static long rssBytes() throws IOException {
        for (String l : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (l.startsWith("VmRSS:")) {
                return Long.parseLong(l.replaceAll("[^0-9]", "")) * 1024;
            }
        }
        throw new IOException("no VmRSS in /proc/self/status");
    }
}

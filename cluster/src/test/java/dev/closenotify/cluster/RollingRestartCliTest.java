package dev.closenotify.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The tool's command line without a cluster: what a wrong call says, and its exit codes. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class RollingRestartCliTest {
    @TempDir
    Path dir;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(String... args) {
        return RollingRestart.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    private String err() {
        return err.toString(StandardCharsets.UTF_8);
    }

    @Test
    void helpPrintsTheUsage() {
        assertEquals(0, run("--help"));
        assertTrue(out.toString(StandardCharsets.UTF_8).contains("--drain-timeout TIME"), out.toString(StandardCharsets.UTF_8));
    }

    @Test
    void theRequiredOptionsAreNamed() {
        assertEquals(2, run("--socket", "/tmp/x.sock"));
        assertEquals("rolling-restart: --socket, --run-dir and --start are required (see --help)\n", err());
    }

    @Test
    void anUnknownOptionIsNamed() {
        assertEquals(2, run("--sockets", "/tmp/x.sock"));
        assertEquals("rolling-restart: unknown option '--sockets' (see --help)\n", err());
    }

    @Test
    void aBadTimeIsNamed() {
        assertEquals(2, run("--drain-timeout", "soon"));
        assertEquals("rolling-restart: --drain-timeout: 'soon' is not a time (500ms, 10s, 5m, 1h)\n", err());
    }

    @Test
    void aMissingValueIsNamed() {
        assertEquals(2, run("--socket"));
        assertEquals("rolling-restart: --socket needs a value\n", err());
    }

    @Test
    void timesTakeUnits() {
        assertEquals(Duration.ofMillis(1500), RollingRestart.time("--x", "1500ms"));
        assertEquals(Duration.ofSeconds(10), RollingRestart.time("--x", "10"));
        assertEquals(Duration.ofMinutes(5), RollingRestart.time("--x", "5m"));
    }

    @Test
    void noHaproxyThereFailsWithExitCodeOneAndSaysWhere() {
        Path socket = dir.resolve("admin.sock");
        assertEquals(1, run("--socket", socket.toString(), "--run-dir", dir.toString(), "--start", "true"));
        assertTrue(err().startsWith("rolling-restart: FAILED: cannot connect to HAProxy's runtime API at " + socket), err());
    }
}

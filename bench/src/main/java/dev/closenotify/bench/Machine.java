package dev.closenotify.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** What the report says about the machine it ran on. */
final class Machine {
    private Machine() {
    }

    /** The 1, 5 and 15 minute load averages ({@code /proc/loadavg}, as {@code uptime} shows them). */
    static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split(" ");
            return f[0] + ", " + f[1] + ", " + f[2];
        } catch (IOException e) {
            return "unknown (" + e.getMessage() + ")";
        }
    }

    /**
     * Context switches of every thread of process {@code pid} so far, voluntary and not
     * ({@code /proc/PID/task/* /status}); -1 when unknown. Each is a thread going to sleep or being
     * put off the CPU, and waking it again costs the machine a scheduler pass.
     */
    static long contextSwitches(long pid) {
        long sum = 0;
        try (var tasks = Files.list(Path.of("/proc", String.valueOf(pid), "task"))) {
            for (Path t : tasks.toList()) {
                try {
                    for (String l : Files.readAllLines(t.resolve("status"))) {
                        if (l.startsWith("voluntary_ctxt_switches:") || l.startsWith("nonvoluntary_ctxt_switches:")) {
                            sum += Long.parseLong(l.substring(l.indexOf(':') + 1).trim());
                        }
                    }
                } catch (IOException e) {
                    // the thread ended meanwhile: its switches are gone with it
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return sum;
    }

    /** The hard limit on open files of this process ({@code Max open files} in {@code /proc/self/limits}). */
    static long hardFileLimit() {
        try {
            for (String l : Files.readAllLines(Path.of("/proc/self/limits"))) {
                if (l.startsWith("Max open files")) {
                    String hard = l.substring("Max open files".length()).trim().split("\\s+")[1];
                    return hard.equals("unlimited") ? Long.MAX_VALUE : Long.parseLong(hard);
                }
            }
        } catch (IOException | RuntimeException e) {
            // unknown: let the run find out
        }
        return Long.MAX_VALUE;
    }

    static String describe() {
        String cpu = "unknown CPU";
        String mem = "?";
        String kernel = "?";
        try {
            cpu = Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name"))
                    .findFirst().map(l -> l.substring(l.indexOf(':') + 1).trim()).orElse(cpu);
            mem = Files.readAllLines(Path.of("/proc/meminfo")).stream().filter(l -> l.startsWith("MemTotal"))
                    .findFirst().map(l -> Long.parseLong(l.replaceAll("[^0-9]", "")) / 1024 / 1024 + " GiB")
                    .orElse(mem);
            kernel = Files.readString(Path.of("/proc/sys/kernel/osrelease")).trim();
        } catch (IOException | RuntimeException e) {
            // leave what is unknown unknown
        }
        return cpu + ", " + Runtime.getRuntime().availableProcessors() + " cores, " + mem + " RAM, Linux " + kernel
                + "; JDK " + System.getProperty("java.vm.vendor") + " " + System.getProperty("java.runtime.version");
    }
}

package dev.closenotify.tck;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.closenotify.spi.Capability;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.annotation.Annotation;
import java.lang.reflect.Method;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.spi.ToolProvider;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestTemplate;

/**
 * The conformance report tells a pass through a declared gap from a plain pass by {@link GapAware}
 * (SEMANTICS.md §9), so a test that branches on {@code supports(...)} without it, or with the wrong
 * capabilities, would show a gap's documented behaviour as a plain pass. This checks every test of
 * the kit on its bytecode: the capabilities it reaches, through any helper or lambda of the kit, in
 * a method that calls {@code ShutdownProvider.supports}, are exactly those its {@code @GapAware}
 * names.
 */
class GapAwareGuardTest {
    private static final Pattern CLASS = Pattern.compile("^(?:public |protected |private |abstract |final |static )*"
            + "(?:class|interface|enum|record) (dev\\.closenotify\\.tck\\.[\\w$.]+).*");
    private static final Pattern METHOD = Pattern.compile("^  \\S.*?([\\w$]+)\\(.*\\).*;$");
    private static final Pattern CALL = Pattern.compile("invoke\\w+ .*// (?:Interface)?Method (?:([\\w/$]+)\\.)?([\\w$<>\"]+):");
    private static final Pattern CAPABILITY = Pattern.compile("getstatic .*// Field dev/closenotify/spi/Capability\\.(\\w+):");
    private static final Pattern LAMBDA = Pattern.compile("lambda\\$([\\w$]+?)\\$\\d+");

    /** A method of the kit, by class and name (overloads share one node: a conservative merge). */
    private record Node(String owner, String name) {
    }

    @Test
    void everyTestThatBranchesOnACapabilityDeclaresExactlyThatCapability() throws Exception {
        Map<Node, Set<Node>> calls = new HashMap<>();
        Map<Node, Set<Capability>> asks = new HashMap<>();
        readBytecode(calls, asks);
        assertTrue(asks.values().stream().anyMatch(s -> s.contains(Capability.READ_AFTER_SENT)),
                "the bytecode reader found the kit's supports(READ_AFTER_SENT) calls: " + asks);

        List<String> wrong = new ArrayList<>();
        int tests = 0;
        Deque<Class<?>> types = new ArrayDeque<>(List.of(BlockingShutdownContract.class, BufferShutdownContract.class,
                SessionContract.class, TicketContract.class, CrossProviderContract.class));
        while (!types.isEmpty()) {
            Class<?> type = types.pop();
            types.addAll(Arrays.asList(type.getDeclaredClasses()));
            for (Method m : type.getDeclaredMethods()) {
                if (!isTest(m)) {
                    continue;
                }
                tests++;
                Set<Capability> reached = reach(new Node(type.getName(), m.getName()), calls, asks);
                Set<Capability> declared = EnumSet.noneOf(Capability.class);
                for (GapAware g : m.getAnnotationsByType(GapAware.class)) {
                    declared.addAll(Arrays.asList(g.value()));
                }
                if (!reached.equals(declared)) {
                    wrong.add(type.getSimpleName() + "." + m.getName() + ": branches on " + reached + ", @GapAware says "
                            + declared);
                }
            }
        }
        assertTrue(tests >= 80, "found the kit's tests: " + tests);
        assertEquals(List.of(), wrong);
    }

    /** A JUnit test: {@code @Test}, or an annotation that is (through its own annotations) a test template. */
    private static boolean isTest(Method m) {
        return Arrays.stream(m.getAnnotations()).anyMatch(a -> makesATest(a.annotationType(), new HashSet<>()));
    }

    private static boolean makesATest(Class<? extends Annotation> type, Set<Class<?>> seen) {
        if (type == Test.class || type == TestTemplate.class) {
            return true;
        }
        return seen.add(type) && Arrays.stream(type.getAnnotations()).anyMatch(a -> makesATest(a.annotationType(), seen));
    }

    private static Set<Capability> reach(Node start, Map<Node, Set<Node>> calls, Map<Node, Set<Capability>> asks) {
        Set<Capability> found = EnumSet.noneOf(Capability.class);
        Set<Node> seen = new HashSet<>();
        Deque<Node> todo = new ArrayDeque<>(List.of(start));
        while (!todo.isEmpty()) {
            Node n = todo.pop();
            if (seen.add(n)) {
                found.addAll(asks.getOrDefault(n, Set.of()));
                todo.addAll(calls.getOrDefault(n, Set.of()));
            }
        }
        return found;
    }

    /** Calls between the kit's methods, a lambda as a call from its enclosing method, and which capabilities a method asks about. */
    private static void readBytecode(Map<Node, Set<Node>> calls, Map<Node, Set<Capability>> asks)
            throws IOException, URISyntaxException {
        Path classes = Path.of(GapAware.class.getProtectionDomain().getCodeSource().getLocation().toURI())
                .resolve("dev/closenotify/tck");
        List<String> files;
        try (Stream<Path> s = Files.list(classes)) {
            files = s.filter(p -> p.toString().endsWith(".class")).map(Path::toString).sorted().toList();
        }
        ToolProvider javap = ToolProvider.findFirst("javap").orElseThrow();
        List<String> args = new ArrayList<>(List.of("-c", "-p"));
        args.addAll(files);
        StringWriter out = new StringWriter();
        int rc = javap.run(new PrintWriter(out), new PrintWriter(out), args.toArray(String[]::new));
        assertEquals(0, rc, out.toString());

        String owner = null;
        Node method = null;
        Set<Capability> loaded = EnumSet.noneOf(Capability.class);
        boolean callsSupports = false;
        for (String line : out.toString().split("\n")) {
            Matcher c = CLASS.matcher(line);
            Matcher m = METHOD.matcher(line.equals("  static {};") ? "  static();" : line);
            if (c.matches() || m.matches()) {
                if (method != null && callsSupports) {
                    asks.computeIfAbsent(method, k -> EnumSet.noneOf(Capability.class)).addAll(loaded);
                }
                loaded = EnumSet.noneOf(Capability.class);
                callsSupports = false;
                if (c.matches()) {
                    owner = c.group(1);
                    method = null;
                } else if (owner != null) {
                    method = new Node(owner, m.group(1));
                    Matcher lambda = LAMBDA.matcher(m.group(1));
                    if (lambda.matches()) {
                        calls.computeIfAbsent(new Node(owner, lambda.group(1)), k -> new HashSet<>()).add(method);
                    }
                }
                continue;
            }
            if (method == null) {
                continue;
            }
            Matcher call = CALL.matcher(line);
            if (call.find()) {
                String target = call.group(1) == null ? owner : call.group(1).replace('/', '.'); // javap omits its own class
                if (target.equals("dev.closenotify.spi.ShutdownProvider") && call.group(2).equals("supports")) {
                    callsSupports = true;
                } else if (target.startsWith("dev.closenotify.tck.")) {
                    calls.computeIfAbsent(method, k -> new HashSet<>()).add(new Node(target, call.group(2)));
                }
            }
            Matcher capability = CAPABILITY.matcher(line);
            if (capability.find()) {
                loaded.add(Capability.valueOf(capability.group(1)));
            }
        }
        if (method != null && callsSupports) {
            asks.computeIfAbsent(method, k -> EnumSet.noneOf(Capability.class)).addAll(loaded);
        }
    }
}

package dev.closenotify.conformance;

import dev.closenotify.spi.Capability;
import dev.closenotify.spi.Role;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The conformance report as Markdown, from test results: one table per provider (rule × transport
 * or group × TLS version) and the cross-provider matrix. A pure function of its input: sorted, with
 * no times, dates, ports or messages, so that two runs with the same outcome give the same text.
 */
final class ConformanceReport {

    /** The file's first line, and what a reader sees first. */
    static final String TITLE = "# closenotify conformance report";
    /** The column of a test that names no TLS version. */
    static final String ANY_PROTOCOL = "any";
    /** Report order of the TLS versions. */
    static final List<String> PROTOCOL_ORDER = List.of("TLSv1.3", "TLSv1.2", ANY_PROTOCOL);

    private static final Pattern SECTION = Pattern.compile("^§(\\d+)");

    private ConformanceReport() {
    }

    /** How a test ended. */
    /** How a test ended; DIVERGED: a known divergence of the provider failed as documented. */
    enum Status { PASSED, FAILED, SKIPPED, DIVERGED }

    /**
     * A capability a test branches on ({@code @GapAware}).
     *
     * @param capability the §9 capability
     * @param sides whose declared gap counts
     * @param protocols the protocols it concerns; empty for all
     */
    record GapUse(Capability capability, Set<Role> sides, Set<String> protocols) {
        GapUse {
            Objects.requireNonNull(capability, "capability");
            sides = Set.copyOf(sides);
            protocols = Set.copyOf(protocols);
        }

        /** Whether the capability matters in {@code protocol}. */
        boolean concerns(String protocol) {
            boolean ofCapability = switch (capability) {
                case HALF_CLOSE_TLS13, RESUMPTION_TLS13 -> !protocol.equals("TLSv1.2");
                case READ_AFTER_SENT -> true;
            };
            return ofCapability && (protocols.isEmpty() || protocols.contains(protocol) || protocol.equals(ANY_PROTOCOL));
        }
    }

    /**
     * One test's result.
     *
     * @param matrix whether it is a cross-provider test (else client and server are the one provider)
     * @param client the client's provider
     * @param server the server's provider
     * @param rule the SEMANTICS.md rule the test's name starts with, e.g. {@code §2.1}
     * @param group the transport or group (the nested class's display name)
     * @param protocol {@code TLSv1.3}, {@code TLSv1.2} or {@link #ANY_PROTOCOL}
     * @param status how it ended
     * @param gapUses the capabilities it branches on
     * @param name the test's full display name, for the list of failures
     * @param divergence for {@link Status#DIVERGED}, the provider's reason
     */
    record Result(boolean matrix, String client, String server, String rule, String group, String protocol,
                  Status status, List<GapUse> gapUses, String name, Optional<String> divergence) {
        Result(boolean matrix, String client, String server, String rule, String group, String protocol,
               Status status, List<GapUse> gapUses, String name) {
            this(matrix, client, server, rule, group, protocol, status, gapUses, name, Optional.empty());
        }

        Result {
            Objects.requireNonNull(divergence, "divergence");
            Objects.requireNonNull(client, "client");
            Objects.requireNonNull(server, "server");
            Objects.requireNonNull(rule, "rule");
            Objects.requireNonNull(group, "group");
            Objects.requireNonNull(protocol, "protocol");
            Objects.requireNonNull(status, "status");
            gapUses = List.copyOf(gapUses);
            Objects.requireNonNull(name, "name");
        }

        String provider(Role side) {
            return side == Role.CLIENT ? client : server;
        }
    }

    /**
     * A provider as ServiceLoader found it.
     *
     * @param name its name
     * @param unavailable why it cannot be used in this JVM, when it cannot
     * @param gaps its declared gaps with their reasons
     */
    record Provider(String name, Optional<String> unavailable, Map<Capability, String> gaps) {
        Provider {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(unavailable, "unavailable");
            gaps = Map.copyOf(gaps);
        }
    }

    /** The report. */
    static String render(List<Result> results, List<Provider> providers) {
        Map<String, Provider> byName = new TreeMap<>();
        providers.forEach(p -> byName.put(p.name(), p));
        StringBuilder md = new StringBuilder();
        header(md, results);
        providersTable(md, byName);

        List<Result> kit = results.stream().filter(r -> !r.matrix()).toList();
        Set<String> kitProviders = new TreeSet<>(byName.keySet());
        kit.forEach(r -> kitProviders.add(r.client()));
        for (String provider : kitProviders) {
            providerTable(md, provider, kit.stream().filter(r -> r.client().equals(provider)).toList(), byName);
        }
        matrixTable(md, results.stream().filter(Result::matrix).toList(), byName);
        return md.toString();
    }

    private static void header(StringBuilder md, List<Result> results) {
        Set<Integer> sections = new TreeSet<>();
        for (Result r : results) {
            Matcher m = SECTION.matcher(r.rule());
            if (m.find()) {
                sections.add(Integer.parseInt(m.group(1)));
            }
        }
        String covered = sections.stream().map(s -> "§" + s).collect(Collectors.joining(", "));
        md.append(TITLE).append("\n\n");
        md.append("<!-- Generated by the conformance module; do not edit. Update: "
                + "./mvnw -pl conformance -am verify -Dconformance.update=true -->\n\n");
        md.append("""
                How this file is made: `./mvnw -pl conformance -am verify` runs the conformance kit \
                (`ServiceLoadedProvidersTest`: every group of `ShutdownProviderTck`) against every provider \
                that ServiceLoader finds on the `conformance` module's test class path, and the cross-provider \
                matrix (`ServiceLoadedCrossProviderTest`) for every client → server pair of them. A JUnit \
                listener records each test by the SEMANTICS.md rule its name starts with, its provider (or \
                pair), its TLS version and its transport or group, and writes \
                `conformance/target/CONFORMANCE.md`. The build fails when that file differs from this one, \
                `docs/CONFORMANCE.md`; `-Dconformance.update=true` rewrites this one.

                """);
        md.append("Covers SEMANTICS.md ").append(covered.isEmpty() ? "nothing" : covered)
                .append(", with the gaps a provider declares under §9 shown as such (§1 is vocabulary).\n\n");
        md.append("""
                A cell sums up every test of its rule, transport or group, and TLS version:
                `pass`: all passed; \
                `gap: CAPABILITY`: all passed, at least one by asserting the documented behaviour of a \
                gap the provider declares (SEMANTICS.md §9; its reason is in the Providers table; in the \
                client → server tables the cell names the side that declares it, e.g. `(client bc)`); \
                `FAIL`: at least one failed (listed under the table); \
                `DIVERGES (reason)`: a rule the provider is known to break, no §9 gap covering it: the test \
                failed as the provider documents (it must: the build fails when such a test starts passing); \
                `skipped`: none ran (e.g. the provider is not available in this JVM); \
                `—`: no such test.

                """);
    }

    private static void providersTable(StringBuilder md, Map<String, Provider> byName) {
        md.append("## Providers\n\n");
        md.append("| Provider | Available | Declared gaps (SEMANTICS.md §9) |\n|---|---|---|\n");
        for (Provider p : byName.values()) {
            String gaps = p.gaps().isEmpty() ? "none" : new EnumMap<>(p.gaps()).entrySet().stream()
                    .map(e -> e.getKey() + " (" + e.getValue() + ")").collect(Collectors.joining("; "));
            md.append(row(p.name(), p.unavailable().map(c -> "no: " + c).orElse("yes"), gaps));
        }
        md.append('\n');
    }

    private static void providerTable(StringBuilder md, String provider, List<Result> results,
                                      Map<String, Provider> byName) {
        md.append("## Provider: ").append(provider).append("\n\n");
        if (results.isEmpty()) {
            md.append("No results.\n\n");
            return;
        }
        List<String> protocols = protocols(results);
        Map<String, Map<String, List<Result>>> rows = group(results,
                r -> r.rule() + "\u0000" + r.group(), Result::protocol, ConformanceReport::compareRows);
        List<String> head = new ArrayList<>(List.of("Rule", "Transport / group"));
        head.addAll(protocols);
        md.append(row(head.toArray(String[]::new))).append(separator(head.size()));
        for (Map.Entry<String, Map<String, List<Result>>> e : rows.entrySet()) {
            String[] key = e.getKey().split("\u0000", 2);
            List<String> cells = new ArrayList<>(List.of(key[0], key[1]));
            for (String protocol : protocols) {
                cells.add(cell(e.getValue().getOrDefault(protocol, List.of()), byName));
            }
            md.append(row(cells.toArray(String[]::new)));
        }
        md.append('\n');
        failures(md, results);
    }

    private static void matrixTable(StringBuilder md, List<Result> results, Map<String, Provider> byName) {
        md.append("## Cross-provider matrix\n\n");
        if (results.isEmpty()) {
            md.append("No results.\n\n");
            return;
        }
        md.append("Each row is a client of one provider talking to a server of another (or the same), by rule.\n\n");
        List<String> rules = results.stream().map(Result::rule).distinct().sorted(ConformanceReport::compareRules)
                .toList();
        for (String rule : rules) {
            String scenarios = results.stream().filter(r -> r.rule().equals(rule)).map(r -> scenario(r.name()))
                    .distinct().sorted().collect(Collectors.joining("; "));
            md.append("- ").append(rule).append(": ").append(scenarios).append('\n');
        }
        md.append('\n');
        Map<String, Map<String, List<Result>>> rows = group(results,
                r -> String.join("\u0000", r.client(), r.server(), r.protocol(), r.group()), Result::rule,
                ConformanceReport::compareMatrixRows);
        List<String> head = new ArrayList<>(List.of("Client", "Server", "TLS", "Transport"));
        head.addAll(rules);
        md.append(row(head.toArray(String[]::new))).append(separator(head.size()));
        for (Map.Entry<String, Map<String, List<Result>>> e : rows.entrySet()) {
            List<String> cells = new ArrayList<>(List.of(e.getKey().split("\u0000", 4)));
            for (String rule : rules) {
                cells.add(cell(e.getValue().getOrDefault(rule, List.of()), byName));
            }
            md.append(row(cells.toArray(String[]::new)));
        }
        md.append('\n');
        failures(md, results);
    }

    private static void failures(StringBuilder md, List<Result> results) {
        List<String> failed = results.stream().filter(r -> r.status() == Status.FAILED)
                .map(r -> r.group() + " › " + r.name()).sorted().distinct().toList();
        if (failed.isEmpty()) {
            return;
        }
        md.append("Failed:\n\n");
        failed.forEach(f -> md.append("- ").append(f).append('\n'));
        md.append('\n');
    }

    /** A test's scenario: its display name between the rule id and the first colon. */
    static String scenario(String name) {
        String rest = name.startsWith("§") ? name.replaceFirst("^§[\\d.]+\\s*", "") : name;
        int colon = rest.indexOf(':');
        return (colon > 0 ? rest.substring(0, colon) : rest).strip();
    }

    /** What one cell says about its tests. */
    static String cell(List<Result> tests, Map<String, Provider> providers) {
        if (tests.isEmpty()) {
            return "—";
        }
        if (tests.stream().anyMatch(r -> r.status() == Status.FAILED)) {
            return "FAIL";
        }
        Set<String> diverged = new TreeSet<>();
        tests.stream().filter(r -> r.status() == Status.DIVERGED).forEach(r -> diverged.add(r.divergence().orElse("?")));
        if (!diverged.isEmpty()) {
            return "DIVERGES (" + String.join("; ", diverged) + ")";
        }
        List<Result> passed = tests.stream().filter(r -> r.status() == Status.PASSED).toList();
        if (passed.isEmpty()) {
            return "skipped";
        }
        Set<String> gaps = new TreeSet<>();
        for (Result r : passed) {
            gaps.addAll(gapNotes(r, providers));
        }
        String verdict = gaps.isEmpty() ? "pass" : "gap: " + String.join(", ", gaps);
        return passed.size() < tests.size() ? verdict + " (some skipped)" : verdict;
    }

    /**
     * The declared gaps whose documented behaviour {@code r} asserted: the capability, and in the
     * cross-provider matrix the sides that declare it. The reasons stand once, in the Providers
     * table, rather than in every cell.
     */
    static List<String> gapNotes(Result r, Map<String, Provider> providers) {
        List<String> notes = new ArrayList<>();
        for (GapUse use : r.gapUses()) {
            if (!use.concerns(r.protocol())) {
                continue;
            }
            List<String> declared = new ArrayList<>();
            for (Role side : new TreeSet<>(use.sides())) {
                String name = r.provider(side);
                Provider p = providers.get(name);
                if (p == null || !p.gaps().containsKey(use.capability())) {
                    continue;
                }
                String note = side.name().toLowerCase(java.util.Locale.ROOT) + " " + name;
                if (!declared.contains(note)) {
                    declared.add(note);
                }
            }
            if (!declared.isEmpty()) {
                notes.add(r.matrix() ? use.capability() + " (" + String.join(", ", declared) + ")"
                        : use.capability().toString());
            }
        }
        return notes;
    }

    private static List<String> protocols(List<Result> results) {
        Set<String> seen = results.stream().map(Result::protocol).collect(Collectors.toSet());
        return PROTOCOL_ORDER.stream().filter(seen::contains).toList();
    }

    private static Map<String, Map<String, List<Result>>> group(List<Result> results, Function<Result, String> row,
                                                              Function<Result, String> column,
                                                              Comparator<String> rowOrder) {
        Map<String, Map<String, List<Result>>> rows = new TreeMap<>(rowOrder);
        for (Result r : results) {
            rows.computeIfAbsent(row.apply(r), k -> new LinkedHashMap<>())
                    .computeIfAbsent(column.apply(r), k -> new ArrayList<>()).add(r);
        }
        return rows;
    }

    private static int compareRows(String a, String b) {
        String[] x = a.split("\u0000", 2);
        String[] y = b.split("\u0000", 2);
        int c = compareRules(x[0], y[0]);
        return c != 0 ? c : x[1].compareTo(y[1]);
    }

    private static int compareMatrixRows(String a, String b) {
        String[] x = a.split("\u0000", 4);
        String[] y = b.split("\u0000", 4);
        for (int i = 0; i < 4; i++) {
            int c = i == 2 ? Integer.compare(protocolIndex(x[i]), protocolIndex(y[i])) : 0;
            if (c == 0) {
                c = x[i].compareTo(y[i]);
            }
            if (c != 0) {
                return c;
            }
        }
        return 0;
    }

    private static int protocolIndex(String protocol) {
        int i = PROTOCOL_ORDER.indexOf(protocol);
        return i < 0 ? PROTOCOL_ORDER.size() : i;
    }

    /** §2 < §2.1 < §2.10 < §3 < rows without a rule id, those by name. */
    static int compareRules(String a, String b) {
        boolean ra = a.startsWith("§");
        boolean rb = b.startsWith("§");
        if (ra != rb) {
            return ra ? -1 : 1;
        }
        if (!ra) {
            return a.compareTo(b);
        }
        String[] x = a.substring(1).split("\\.");
        String[] y = b.substring(1).split("\\.");
        for (int i = 0; i < Math.min(x.length, y.length); i++) {
            int c = Integer.compare(Integer.parseInt(x[i]), Integer.parseInt(y[i]));
            if (c != 0) {
                return c;
            }
        }
        return Integer.compare(x.length, y.length);
    }

    private static String row(String... cells) {
        StringBuilder b = new StringBuilder("|");
        for (String c : cells) {
            b.append(' ').append(c.replace("\\", "\\\\").replace("|", "\\|").replaceAll("\\s*\\R\\s*", " "))
                    .append(" |");
        }
        return b.append('\n').toString();
    }

    private static String separator(int columns) {
        return "|---".repeat(columns) + "|\n";
    }
}

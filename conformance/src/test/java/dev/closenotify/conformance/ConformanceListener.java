package dev.closenotify.conformance;

import dev.closenotify.conformance.ConformanceReport.GapUse;
import dev.closenotify.conformance.ConformanceReport.Provider;
import dev.closenotify.conformance.ConformanceReport.Result;
import dev.closenotify.conformance.ConformanceReport.Status;
import dev.closenotify.spi.Availability;
import dev.closenotify.spi.Capability;
import dev.closenotify.spi.ShutdownProviders;
import dev.closenotify.tck.CrossProviderContract;
import dev.closenotify.tck.GapAware;
import dev.closenotify.tck.KnownDivergences;
import dev.closenotify.tck.ShutdownProviderTck;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.engine.reporting.ReportEntry;
import org.junit.platform.engine.TestSource;
import org.junit.platform.engine.UniqueId;
import org.junit.platform.engine.support.descriptor.ClassSource;
import org.junit.platform.engine.support.descriptor.MethodSource;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.TestPlan;

/**
 * Records every test of the conformance kit ({@link ShutdownProviderTck} subclasses, e.g.
 * {@code ServiceLoadedProvidersTest}) and of the cross-provider matrix ({@link CrossProviderContract}
 * subclasses) with its rule, provider or pair, TLS version and transport or group, and writes the
 * {@link ConformanceReport} when the test plan has run. Other tests are ignored, and a test plan
 * without any kit test (e.g. the one of {@link ConformanceReportCheck}) writes nothing.
 *
 * <p>Registered through {@code META-INF/services/org.junit.platform.launcher.TestExecutionListener};
 * the report goes to the file the system property {@value #REPORT_PROPERTY} names (surefire sets it
 * to {@code target/CONFORMANCE.md}).
 */
public final class ConformanceListener implements TestExecutionListener {

    /** The system property naming the report file. */
    static final String REPORT_PROPERTY = "conformance.report";
    /**
     * The system property saying whether this JVM's test run is the one that makes the report: then a
     * report left from an earlier build is deleted at the start, even if no kit test runs (a -Dtest
     * filter), so that the check never compares a stale one. Unset: only a run with kit tests does.
     */
    static final String RECORD_PROPERTY = "conformance.record";
    static final String DEFAULT_REPORT = "target/CONFORMANCE.md";

    private static final Pattern RULE = Pattern.compile("^§\\d+(?:\\.\\d+)*");
    private static final Pattern PROTOCOL_ARGUMENT = Pattern.compile("TLSv1\\.[23]");
    private static final Pattern PROTOCOL_IN_NAME = Pattern.compile("TLS ?v?1\\.([23])");
    private static final Pattern PAIR = Pattern.compile("client ([^\\s,\\]]+) → server ([^\\s,\\]]+)");

    /** Every recorded result of this JVM: surefire may run the classes in more than one test plan. */
    private static final List<Result> RESULTS = new ArrayList<>();
    private static boolean cleared;

    private final List<Result> results;
    private final boolean writes;
    /** Known divergences published by the kit for tests still running. */
    private final Map<UniqueId, String> divergences = new java.util.concurrent.ConcurrentHashMap<>();
    private TestPlan plan;
    private boolean conformancePlan;

    /** For ServiceLoader: records into this JVM's results and writes the report file. */
    public ConformanceListener() {
        this(RESULTS, true);
    }

    /** Records into {@code results} (guarded by itself); writes the report file only when {@code writes}. */
    ConformanceListener(List<Result> results, boolean writes) {
        this.results = results;
        this.writes = writes;
    }

    @Override
    public void testPlanExecutionStarted(TestPlan testPlan) {
        plan = testPlan;
        conformancePlan = testPlan.getRoots().stream().flatMap(root -> testPlan.getChildren(root).stream())
                .anyMatch(top -> kind(top).isPresent());
        String record = System.getProperty(RECORD_PROPERTY);
        boolean recording = record != null ? Boolean.parseBoolean(record) : conformancePlan;
        synchronized (RESULTS) {
            if (writes && recording && !cleared) {
                // A report left from an earlier build must not pass for this one's.
                cleared = true;
                delete(reportFile());
            }
        }
    }

    @Override
    public void executionSkipped(TestIdentifier test, String reason) {
        if (test.isTest()) {
            record(test, Status.SKIPPED);
        }
    }

    @Override
    public void reportingEntryPublished(TestIdentifier test, ReportEntry entry) {
        entry.getKeyValuePairs().entrySet().stream().filter(e -> e.getKey().equals(KnownDivergences.REPORT_KEY))
                .findFirst().ifPresent(e -> divergences.put(test.getUniqueIdObject(), e.getValue()));
    }

    @Override
    public void executionFinished(TestIdentifier test, TestExecutionResult result) {
        if (!test.isTest()) {
            return;
        }
        String divergence = divergences.remove(test.getUniqueIdObject());
        Status status = switch (result.getStatus()) {
            case SUCCESSFUL -> divergence != null ? Status.DIVERGED : Status.PASSED;
            case ABORTED -> Status.SKIPPED;
            case FAILED -> Status.FAILED;
        };
        toResult(test, status).map(r -> divergence == null ? r : new Result(r.matrix(), r.client(), r.server(),
                r.rule(), r.group(), r.protocol(), r.status(), r.gapUses(), r.name(), Optional.of(divergence)))
                .ifPresent(r -> {
                    synchronized (results) {
                        results.add(r);
                    }
                });
    }

    @Override
    public void testPlanExecutionFinished(TestPlan testPlan) {
        if (!conformancePlan || !writes) {
            return;
        }
        String report;
        synchronized (results) {
            report = ConformanceReport.render(List.copyOf(results), providers());
        }
        Path file = reportFile();
        try {
            Path dir = file.toAbsolutePath().getParent();
            if (dir != null) {
                Files.createDirectories(dir);
            }
            Files.writeString(file, report, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the conformance report " + file, e);
        }
        System.out.println("[conformance] report written: " + file.toAbsolutePath().normalize());
    }

    static Path reportFile() {
        return Path.of(System.getProperty(REPORT_PROPERTY, DEFAULT_REPORT));
    }

    private void record(TestIdentifier test, Status status) {
        toResult(test, status).ifPresent(r -> {
            synchronized (results) {
                results.add(r);
            }
        });
    }

    /** What kind of conformance class {@code top} (a child of an engine root) is, if any. */
    private static Optional<Boolean> kind(TestIdentifier top) {
        return top.getSource().filter(ClassSource.class::isInstance).map(s -> ((ClassSource) s).getJavaClass())
                .flatMap(c -> ShutdownProviderTck.class.isAssignableFrom(c) ? Optional.of(false)
                        : CrossProviderContract.class.isAssignableFrom(c) ? Optional.of(true) : Optional.empty());
    }

    /** The result of {@code test} for the report, if it is a conformance test. */
    Optional<Result> toResult(TestIdentifier test, Status status) {
        List<TestIdentifier> path = new ArrayList<>(); // root first, test last
        for (TestIdentifier t = test; t != null; t = plan.getParent(t).orElse(null)) {
            path.addFirst(t);
        }
        if (path.size() < 3) {
            return Optional.empty();
        }
        TestIdentifier top = path.get(1);
        Optional<Boolean> kind = kind(top);
        if (kind.isEmpty()) {
            return Optional.empty();
        }
        boolean matrix = kind.get();

        String group = "—";
        String provider = top.getDisplayName();
        for (TestIdentifier t : path) {
            String type = lastSegmentType(t);
            if (type.equals("nested-class")) {
                group = t.getDisplayName();
            } else if (type.equals("class-template-invocation")) {
                provider = t.getDisplayName();
            }
        }

        TestIdentifier method = test;
        String arguments = "";
        if (lastSegmentType(test).endsWith("-invocation") && path.size() >= 2) {
            method = path.get(path.size() - 2);
            arguments = test.getDisplayName();
            if (arguments.startsWith(method.getDisplayName())) {
                arguments = arguments.substring(method.getDisplayName().length());
            }
        }
        String name = method.getDisplayName();
        String rule = rule(name);
        String protocol = protocol(arguments, name);
        String fullName = arguments.isBlank() ? name : name + " " + arguments.strip();

        String client = provider;
        String server = provider;
        if (matrix) {
            Matcher m = PAIR.matcher(arguments);
            if (m.find()) {
                client = m.group(1);
                server = m.group(2);
            } else {
                client = "?";
                server = "?";
            }
        }
        return Optional.of(new Result(matrix, client, server, rule, group, protocol, status, gapUses(test), fullName));
    }

    /** The leading "§x.y" of a display name; for a test named after no rule, the words before its colon. */
    static String rule(String displayName) {
        Matcher m = RULE.matcher(displayName);
        if (m.find()) {
            return m.group();
        }
        int colon = displayName.indexOf(':');
        return (colon > 0 ? displayName.substring(0, colon) : displayName).strip();
    }

    /**
     * The TLS version of a test: the one among its invocation's arguments, else the one its name
     * mentions (e.g. "§3 TLS 1.3 half-close"), else {@link ConformanceReport#ANY_PROTOCOL}.
     */
    static String protocol(String arguments, String displayName) {
        Matcher m = PROTOCOL_ARGUMENT.matcher(arguments);
        if (m.find()) {
            return m.group();
        }
        Set<String> named = PROTOCOL_IN_NAME.matcher(displayName).results().map(r -> "TLSv1." + r.group(1))
                .collect(Collectors.toSet());
        return named.size() == 1 ? named.iterator().next() : ConformanceReport.ANY_PROTOCOL;
    }

    private static String lastSegmentType(TestIdentifier t) {
        List<UniqueId.Segment> segments = t.getUniqueIdObject().getSegments();
        return segments.get(segments.size() - 1).getType();
    }

    private static List<GapUse> gapUses(TestIdentifier test) {
        Optional<TestSource> source = test.getSource();
        if (source.isEmpty() || !(source.get() instanceof MethodSource ms)) {
            return List.of();
        }
        Method m;
        try {
            m = ms.getJavaMethod();
        } catch (RuntimeException e) {
            return List.of();
        }
        return Arrays.stream(m.getAnnotationsByType(GapAware.class))
                .flatMap(g -> Arrays.stream(g.value()).map(c -> new GapUse(c, Set.of(g.side()), Set.of(g.protocols()))))
                .toList();
    }

    /** Every provider ServiceLoader finds here, with its availability and declared gaps. */
    static List<Provider> providers() {
        List<Provider> out = new ArrayList<>();
        for (ShutdownProviders.Candidate c : ShutdownProviders.candidates()) {
            Availability a = c.availability();
            Optional<String> unavailable = a.isAvailable() ? Optional.empty()
                    : Optional.of(a.cause().map(Throwable::toString).orElse("unknown cause"));
            Map<Capability, String> gaps = Map.of();
            if (c.provider() != null) {
                try {
                    gaps = c.provider().gaps();
                } catch (RuntimeException | LinkageError e) {
                    unavailable = Optional.of("gaps() failed: " + e);
                }
            }
            out.add(new Provider(c.name(), unavailable, gaps));
        }
        return out;
    }

    private static void delete(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete the old conformance report " + file, e);
        }
    }
}

package dev.closenotify.tck.selftest;

import static org.junit.platform.engine.discovery.DiscoverySelectors.selectNestedMethod;

import dev.closenotify.tck.ShutdownProviderTck;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import org.junit.platform.engine.DiscoverySelector;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.engine.support.descriptor.MethodSource;
import org.junit.platform.launcher.Launcher;
import org.junit.platform.launcher.LauncherDiscoveryRequest;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.TestPlan;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;

/**
 * Runs (part of) the kit against one provider with the JUnit Platform launcher, in this JVM, and
 * returns every test's verdict: which test, under which names, and how it ended.
 */
final class KitRun {
    private KitRun() {
    }

    /** A nested group of {@link ShutdownProviderTck}, by its simple name. */
    enum Group {
        BLOCKING("BlockingTransport"), BUFFER("BufferTransport"), SESSIONS("Sessions"), TICKETS("Tickets");

        final String className;

        Group(String simpleName) {
            this.className = ShutdownProviderTck.class.getName() + "$" + simpleName;
        }
    }

    /** One test method of a group: its parameter types as JUnit names them ({@code ""} for none). */
    record Pick(Group group, String method, String parameterTypes) {
        DiscoverySelector selector(Class<? extends ShutdownProviderTck> kit) {
            return selectNestedMethod(List.of(kit.getName()), group.className, method, parameterTypes);
        }
    }

    /**
     * How one test (one invocation of a parameterized test) ended.
     *
     * @param group the nested group's class name
     * @param method the test method's name
     * @param methodDisplayName the method's display name (the rule it enforces)
     * @param invocation the invocation's own display name (e.g. the protocol)
     * @param status how it ended; {@code null} when it was skipped
     * @param failure why it failed or aborted
     * @param skipped why it was skipped
     */
    record Verdict(String group, String method, String methodDisplayName, String invocation,
                   TestExecutionResult.Status status, Optional<Throwable> failure, Optional<String> skipped) {

        boolean in(Group g) {
            return group.equals(g.className);
        }

        String message() {
            return failure.map(t -> String.valueOf(t.getMessage())).orElse("");
        }

        @Override
        public String toString() {
            return group.substring(group.lastIndexOf('$') + 1) + "." + method + " " + invocation + ": "
                    + (status == null ? "SKIPPED " + skipped.orElse("") : status)
                    + failure.map(t -> " " + t).orElse("");
        }
    }

    /** Runs the picked tests of {@code kit}. */
    static List<Verdict> run(Class<? extends ShutdownProviderTck> kit, List<Pick> picks) {
        return run(picks.stream().map(p -> p.selector(kit)).toList());
    }

    private static List<Verdict> run(List<? extends DiscoverySelector> selectors) {
        LauncherDiscoveryRequest request = LauncherDiscoveryRequestBuilder.request().selectors(selectors).build();
        Recorder recorder = new Recorder();
        Launcher launcher = LauncherFactory.create();
        launcher.execute(request, recorder);
        return List.copyOf(recorder.verdicts);
    }

    private static final class Recorder implements TestExecutionListener {
        final List<Verdict> verdicts = Collections.synchronizedList(new ArrayList<>());
        private volatile TestPlan plan;

        @Override
        public void testPlanExecutionStarted(TestPlan testPlan) {
            plan = testPlan;
        }

        @Override
        public void executionSkipped(TestIdentifier id, String reason) {
            record(id, null, Optional.empty(), Optional.ofNullable(reason));
        }

        @Override
        public void executionFinished(TestIdentifier id, TestExecutionResult result) {
            if (id.isTest()) {
                record(id, result.getStatus(), result.getThrowable(), Optional.empty());
            }
        }

        private void record(TestIdentifier id, TestExecutionResult.Status status, Optional<Throwable> failure,
                            Optional<String> skipped) {
            if (!(id.getSource().orElse(null) instanceof MethodSource source)) {
                return;
            }
            // A parameterized test's invocation sits under its method's container, which carries
            // the @DisplayName; a plain test carries it itself.
            String methodName = id.getDisplayName();
            Optional<TestIdentifier> parent = plan.getParent(id);
            if (parent.isPresent() && parent.get().getSource().orElse(null) instanceof MethodSource) {
                methodName = parent.get().getDisplayName();
            }
            verdicts.add(new Verdict(source.getClassName(), source.getMethodName(), methodName, id.getDisplayName(),
                    status, failure, skipped));
        }
    }
}

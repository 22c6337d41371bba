package dev.closenotify.tck;

import java.lang.reflect.Method;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.InvocationInterceptor;
import org.junit.jupiter.api.extension.ReflectiveInvocationContext;
import org.opentest4j.AssertionFailedError;
import org.opentest4j.TestAbortedException;

/**
 * Strict known divergences (STYLE.md: "a test expected to fail on one provider fails when it starts
 * passing"): a test the provider under test lists in {@link ShutdownProviderTck#knownDivergences()}
 * must fail, and then counts as a documented divergence, published as the report entry
 * {@value #REPORT_KEY}; if it passes, it fails, so the list can only shrink. A divergence is not a
 * SEMANTICS.md §9 gap: it is a rule the provider breaks, shown as such in the conformance report.
 */
public final class KnownDivergences implements InvocationInterceptor {
    /** The report entry key under which a test's divergence reason is published. */
    public static final String REPORT_KEY = "closenotify.divergence";

    @Override
    public void interceptTestMethod(Invocation<Void> invocation, ReflectiveInvocationContext<Method> call,
                                    ExtensionContext context) throws Throwable {
        intercept(invocation, call, context);
    }

    @Override
    public void interceptTestTemplateMethod(Invocation<Void> invocation, ReflectiveInvocationContext<Method> call,
                                            ExtensionContext context) throws Throwable {
        intercept(invocation, call, context);
    }

    private static void intercept(Invocation<Void> invocation, ReflectiveInvocationContext<Method> call,
                                  ExtensionContext context) throws Throwable {
        Optional<ShutdownProviderTck> tck = context.getRequiredTestInstances().getAllInstances().stream()
                .filter(ShutdownProviderTck.class::isInstance).map(ShutdownProviderTck.class::cast).findFirst();
        if (tck.isEmpty()) {
            invocation.proceed();
            return;
        }
        Map<String, String> divergences = tck.get().knownDivergences();
        String method = call.getExecutable().getName();
        String protocol = call.getArguments().stream().filter(a -> a instanceof String s && s.startsWith("TLSv"))
                .map(String.class::cast).findFirst().orElse("");
        String key = protocol.isEmpty() ? method : method + "[" + protocol + "]";
        String reason = divergences.containsKey(key) ? divergences.get(key) : divergences.get(method);
        if (reason == null) {
            invocation.proceed();
            return;
        }
        try {
            invocation.proceed();
        } catch (TestAbortedException e) {
            throw e;
        } catch (Throwable expected) {
            context.publishReportEntry(REPORT_KEY, reason);
            return;
        }
        throw new AssertionFailedError("known divergence " + key + " no longer diverges: the test passed. Remove it"
                + " from the provider's known divergences (it said: " + reason + ")");
    }
}

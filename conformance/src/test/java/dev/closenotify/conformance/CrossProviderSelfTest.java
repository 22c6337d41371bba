package dev.closenotify.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;
import static org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder.request;

import dev.closenotify.conformance.ConformanceReport.Provider;
import dev.closenotify.conformance.ConformanceReport.Result;
import dev.closenotify.conformance.ConformanceReport.Status;
import dev.closenotify.provider.jsse.JsseShutdownProvider;
import dev.closenotify.spi.Availability;
import dev.closenotify.spi.Capability;
import dev.closenotify.spi.Role;
import dev.closenotify.spi.ShutdownProvider;
import dev.closenotify.spi.TlsConfig;
import dev.closenotify.spi.TlsContext;
import dev.closenotify.tck.CrossProviderContract;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.platform.engine.FilterResult;
import org.junit.platform.engine.support.descriptor.MethodSource;
import org.junit.platform.launcher.Launcher;
import org.junit.platform.launcher.PostDiscoveryFilter;
import org.junit.platform.launcher.core.LauncherConfig;
import org.junit.platform.launcher.core.LauncherFactory;

/**
 * The matrix tests itself, through the report's listener: JSSE paired with a provider that is JSSE
 * but declares READ_AFTER_SENT as a gap it does not have. A declared gap is asserted, not skipped,
 * so every pair with the liar must fail the §2.3 scenario, and only jsse → jsse pass; the listener
 * must name each result by rule, pair, TLS version and transport.
 */
class CrossProviderSelfTest {

    /** JSSE under another name, claiming it cannot read after its close_notify. */
    static final class GapLiar implements ShutdownProvider {
        private final ShutdownProvider jsse = new JsseShutdownProvider();

        @Override
        public String name() {
            return "liar";
        }

        @Override
        public Availability availability() {
            return jsse.availability();
        }

        @Override
        public Map<Capability, String> gaps() {
            return Map.of(Capability.READ_AFTER_SENT, "claimed, not true");
        }

        @Override
        public TlsContext newContext(TlsConfig config) {
            return jsse.newContext(config);
        }
    }

    /** The matrix of jsse and the liar; run only by this test, through its own launcher. */
    static final class LiarMatrix extends CrossProviderContract {
        @Override
        protected List<ShutdownProvider> providers() {
            return List.of(new GapLiar(), new JsseShutdownProvider());
        }
    }

    @Test
    void aDeclaredGapThatIsNotThereFailsEveryPairItIsIn() {
        List<Result> results = new ArrayList<>();
        Launcher launcher = LauncherFactory.create(LauncherConfig.builder()
                .enableTestExecutionListenerAutoRegistration(false).build());
        PostDiscoveryFilter onlyWaitForThePeer = d -> d.getSource()
                .filter(MethodSource.class::isInstance)
                .map(s -> ((MethodSource) s).getMethodName().equals("closerCompletesAfterThePeer")
                        ? FilterResult.included("the §2.3 scenario") : FilterResult.excluded("not needed here"))
                .orElse(FilterResult.included("a container"));
        launcher.execute(request().selectors(selectClass(LiarMatrix.class)).filters(onlyWaitForThePeer).build(),
                new ConformanceListener(results, false));

        assertEquals(16, results.size(), "2 × 2 pairs × 2 protocols × 2 transports: " + results);
        for (Result r : results) {
            boolean honest = r.client().equals("jsse") && r.server().equals("jsse");
            assertEquals(honest ? Status.PASSED : Status.FAILED, r.status(), r.toString());
            assertTrue(r.matrix());
            assertEquals("§2.3", r.rule());
            assertTrue(r.name().endsWith("[client " + r.client() + " → server " + r.server() + ", " + r.protocol() + "]"),
                    r.name());
            assertEquals(List.of(new ConformanceReport.GapUse(Capability.READ_AFTER_SENT,
                    Set.of(Role.CLIENT, Role.SERVER), Set.of())), r.gapUses(), "read from @GapAware");
        }
        assertEquals(Set.of("TLSv1.3", "TLSv1.2"), results.stream().map(Result::protocol).collect(Collectors.toSet()));
        assertEquals(Set.of("blocking transport", "non-blocking transport"),
                results.stream().map(Result::group).collect(Collectors.toSet()));

        List<Provider> providers = List.of(
                new Provider("jsse", Optional.empty(), Map.of()),
                new Provider("liar", Optional.empty(), Map.of(Capability.READ_AFTER_SENT, "claimed, not true")));
        String md = ConformanceReport.render(results, providers);
        assertTrue(md.contains("| jsse | jsse | TLSv1.3 | blocking transport | pass |"), md);
        assertTrue(md.contains("| jsse | liar | TLSv1.2 | non-blocking transport | FAIL |"), md);
        assertTrue(md.contains("| liar | jsse | TLSv1.3 | blocking transport | FAIL |"), md);
        assertTrue(md.contains("| liar | liar | TLSv1.2 | blocking transport | FAIL |"), md);

        // The same passes, had jsse declared the gap for real, would show as passes through the gap.
        List<Provider> declaring = List.of(new Provider("jsse", Optional.empty(),
                Map.of(Capability.READ_AFTER_SENT, "a reason")));
        assertTrue(ConformanceReport.render(results, declaring).contains("| jsse | jsse | TLSv1.3 | blocking transport"
                + " | gap: READ_AFTER_SENT (client jsse, server jsse) |"), md);
    }
}

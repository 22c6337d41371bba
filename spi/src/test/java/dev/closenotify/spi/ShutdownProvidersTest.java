package dev.closenotify.spi;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.closenotify.spi.ShutdownProviders.Candidate;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collections;
import java.util.Enumeration;
import java.util.List;
import java.util.Map;
import java.util.ServiceConfigurationError;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The lookup rules of {@link ShutdownProviders}, against the fakes of {@link TestProviders}
 * registered in the test {@code META-INF/services} file: alpha (priority 10) and beta (5) work;
 * "unavailable" (100) reports a cause; "throwing" (50) throws from availability(); one listed class
 * does not exist and one cannot be instantiated.
 */
class ShutdownProvidersTest {
    private static final String SERVICES = "META-INF/services/" + ShutdownProvider.class.getName();

    @TempDir
    Path tmp;

    @Test
    void getPicksTheHighestPriorityAvailableProvider() {
        withProperty(null, () -> {
            ShutdownProvider p = ShutdownProviders.get();
            assertInstanceOf(TestProviders.Alpha.class, p);
            assertEquals("alpha", p.name());
        });
    }

    @Test
    void getRanksByPriorityNotByServicesFileOrder() throws IOException {
        ClassLoader betaFirst = loaderServing(TestProviders.Beta.class.getName(), TestProviders.Alpha.class.getName());
        ClassLoader alphaFirst = loaderServing(TestProviders.Alpha.class.getName(), TestProviders.Beta.class.getName());
        withProperty(null, () -> {
            assertEquals("alpha", ShutdownProviders.get(betaFirst).name());
            assertEquals("alpha", ShutdownProviders.get(alphaFirst).name());
        });
    }

    @Test
    void priorityWinsOverName() throws IOException {
        ClassLoader loader = loaderServing(TestProviders.Alpha.class.getName(), TestProviders.Beta.class.getName(),
                TestProviders.Zulu.class.getName());
        withProperty(null, () -> {
            assertEquals("zulu", ShutdownProviders.get(loader).name());
            assertEquals(List.of("zulu", "alpha", "beta"), names(ShutdownProviders.candidates(loader)));
        });
    }

    @Test
    void equalPrioritiesGoByName() throws IOException {
        // omega and alpha both have priority 10; whatever the file order, alpha wins by name.
        ClassLoader omegaFirst = loaderServing(TestProviders.Omega.class.getName(), TestProviders.Alpha.class.getName());
        ClassLoader alphaFirst = loaderServing(TestProviders.Alpha.class.getName(), TestProviders.Omega.class.getName());
        withProperty(null, () -> {
            assertEquals("alpha", ShutdownProviders.get(omegaFirst).name());
            assertEquals("alpha", ShutdownProviders.get(alphaFirst).name());
            assertEquals(List.of("alpha", "omega"), names(ShutdownProviders.candidates(omegaFirst)));
        });
    }

    @Test
    void getByNameReturnsThatProviderEvenWithALowerPriority() {
        ShutdownProvider p = ShutdownProviders.get("beta");
        assertInstanceOf(TestProviders.Beta.class, p);
        assertEquals("beta", p.name());
    }

    @Test
    void getByNameOverridesTheSystemProperty() {
        withProperty("alpha", () -> assertEquals("beta", ShutdownProviders.get("beta").name()));
    }

    @Test
    void getOfAnUnknownNameListsTheAvailableProviders() {
        ProviderLookupException e = assertThrows(ProviderLookupException.class, () -> ShutdownProviders.get("nope"));
        assertTrue(e.getMessage().startsWith("no such provider: nope (available: alpha, beta"), e.getMessage());
        assertEquals("no such provider: nope (available: alpha, beta)", e.getMessage());
    }

    @Test
    void getOfAnUnavailableProviderFailsWithItsCause() {
        ProviderLookupException e = assertThrows(ProviderLookupException.class,
                () -> ShutdownProviders.get("unavailable"));
        assertTrue(e.getMessage().startsWith("provider unavailable is not available: "), e.getMessage());
        assertTrue(e.getMessage().contains(TestProviders.Unavailable.CAUSE), e.getMessage());
        assertTrue(e.getMessage().endsWith("(available: alpha, beta)"), e.getMessage());
        assertEquals(1, e.getSuppressed().length, () -> Arrays.toString(e.getSuppressed()));
        assertInstanceOf(UnsatisfiedLinkError.class, e.getSuppressed()[0]);
        assertEquals(TestProviders.Unavailable.CAUSE, e.getSuppressed()[0].getMessage());
    }

    @Test
    void getOfAProviderWhoseAvailabilityThrowsFailsWithWhatItThrew() {
        ProviderLookupException e = assertThrows(ProviderLookupException.class,
                () -> ShutdownProviders.get("throwing"));
        assertTrue(e.getMessage().contains(TestProviders.ThrowingAvailability.CAUSE), e.getMessage());
        assertEquals(1, e.getSuppressed().length);
        assertInstanceOf(IllegalStateException.class, e.getSuppressed()[0]);
        assertEquals(TestProviders.ThrowingAvailability.CAUSE, e.getSuppressed()[0].getMessage());
    }

    @Test
    void getByNameRejectsNull() {
        NullPointerException e = assertThrows(NullPointerException.class, () -> ShutdownProviders.get((String) null));
        assertEquals("name", e.getMessage());
    }

    @Test
    void systemPropertySelectsTheProvider() {
        withProperty("beta", () -> assertEquals("beta", ShutdownProviders.get().name()));
        withProperty("  beta ", () -> assertEquals("beta", ShutdownProviders.get().name()));
    }

    @Test
    void blankSystemPropertyIsIgnored() {
        withProperty(" ", () -> assertEquals("alpha", ShutdownProviders.get().name()));
    }

    @Test
    void systemPropertyNamingAnUnknownProviderFails() {
        withProperty("nope", () -> {
            ProviderLookupException e = assertThrows(ProviderLookupException.class, ShutdownProviders::get);
            assertEquals("no such provider: nope (available: alpha, beta)", e.getMessage());
        });
    }

    @Test
    void systemPropertyNamingAnUnavailableProviderFailsRatherThanFallingBack() {
        withProperty("unavailable", () -> {
            ProviderLookupException e = assertThrows(ProviderLookupException.class, ShutdownProviders::get);
            assertTrue(e.getMessage().contains(TestProviders.Unavailable.CAUSE), e.getMessage());
        });
    }

    @Test
    void whenNoProviderIsUsableEveryCauseIsSuppressed() throws IOException {
        ClassLoader onlyBroken = loaderServing(
                TestProviders.Unavailable.class.getName(),
                TestProviders.ThrowingAvailability.class.getName(),
                "dev.closenotify.spi.NoSuchShutdownProvider",
                TestProviders.ThrowingConstructor.class.getName());
        withProperty(null, () -> {
            ProviderLookupException e = assertThrows(ProviderLookupException.class,
                    () -> ShutdownProviders.get(onlyBroken));
            assertTrue(e.getMessage().startsWith("no usable closenotify provider: "), e.getMessage());
            assertTrue(e.getMessage().contains("unavailable: "), e.getMessage());
            assertTrue(e.getMessage().contains("throwing: "), e.getMessage());

            Throwable[] causes = e.getSuppressed();
            assertEquals(4, causes.length, () -> Arrays.toString(causes));
            String all = Arrays.toString(causes);
            assertAll(
                    () -> assertTrue(Arrays.stream(causes).anyMatch(c -> c instanceof UnsatisfiedLinkError
                            && TestProviders.Unavailable.CAUSE.equals(c.getMessage())), all),
                    () -> assertTrue(Arrays.stream(causes).anyMatch(c -> c instanceof IllegalStateException
                            && TestProviders.ThrowingAvailability.CAUSE.equals(c.getMessage())), all),
                    () -> assertTrue(Arrays.stream(causes).anyMatch(c -> c instanceof ServiceConfigurationError
                            && c.getMessage().contains("NoSuchShutdownProvider not found")), all),
                    () -> assertTrue(Arrays.stream(causes).anyMatch(c -> c instanceof ServiceConfigurationError
                            && c.getCause() != null
                            && TestProviders.ThrowingConstructor.CAUSE.equals(c.getCause().getMessage())), all));
        });
    }

    @Test
    void whenNoProviderIsRegisteredTheMessageSaysWhatToAdd() throws IOException {
        ClassLoader none = loaderServing();
        withProperty(null, () -> {
            ProviderLookupException e = assertThrows(ProviderLookupException.class, () -> ShutdownProviders.get(none));
            assertEquals("no closenotify provider on the class path: add one, e.g. closenotify-provider-jsse",
                    e.getMessage());
            assertEquals(0, e.getSuppressed().length);
            assertEquals(List.of(), ShutdownProviders.candidates(none));
        });
    }

    @Test
    void candidatesListAvailableProvidersFirstByPriority() {
        List<Candidate> all = ShutdownProviders.candidates();
        assertEquals(6, all.size(), () -> all.toString());
        assertEquals(List.of("alpha", "beta"), names(all.subList(0, 2)));
        assertTrue(all.subList(0, 2).stream().allMatch(c -> c.availability().isAvailable()));
        assertTrue(all.subList(2, 6).stream().noneMatch(c -> c.availability().isAvailable()), all::toString);
        assertThrows(UnsupportedOperationException.class, () -> all.add(all.get(0)));
    }

    @Test
    void candidatesListBrokenProvidersAsUnavailableWithPrintableCauses() {
        List<Candidate> broken = ShutdownProviders.candidates().stream()
                .filter(c -> !c.availability().isAvailable()).toList();
        assertEquals(4, broken.size(), broken::toString);

        Candidate unavailable = byName(broken, "unavailable");
        assertInstanceOf(TestProviders.Unavailable.class, unavailable.provider());
        assertEquals("java.lang.UnsatisfiedLinkError: " + TestProviders.Unavailable.CAUSE,
                unavailable.availability().cause().orElseThrow().toString());

        Candidate throwing = byName(broken, "throwing");
        assertInstanceOf(TestProviders.ThrowingAvailability.class, throwing.provider());
        assertEquals("java.lang.IllegalStateException: " + TestProviders.ThrowingAvailability.CAUSE,
                throwing.availability().cause().orElseThrow().toString());

        // The two that ServiceLoader could not load have no instance; the cause names the class.
        List<Candidate> unloadable = broken.stream().filter(c -> c.provider() == null).toList();
        assertEquals(2, unloadable.size(), broken::toString);
        String printed = unloadable.stream().map(c -> printed(c.availability().cause().orElseThrow()))
                .reduce("", String::concat);
        assertAll(
                () -> assertTrue(printed.contains("Provider dev.closenotify.spi.NoSuchShutdownProvider not found"), printed),
                () -> assertTrue(printed.contains(TestProviders.ThrowingConstructor.class.getName()
                        + " could not be instantiated"), printed),
                () -> assertTrue(printed.contains("Caused by: java.lang.IllegalStateException: "
                        + TestProviders.ThrowingConstructor.CAUSE), printed));
        for (Candidate c : unloadable) {
            assertInstanceOf(ServiceConfigurationError.class, c.availability().cause().orElseThrow());
            assertFalse(c.name().isBlank());
        }
    }

    @Test
    void candidateRequiresNameAndAvailability() {
        assertThrows(NullPointerException.class, () -> new Candidate(null, null, Availability.available()));
        assertThrows(NullPointerException.class, () -> new Candidate("x", null, null));
        Candidate c = new Candidate("x", null, Availability.available());
        assertNull(c.provider());
    }

    @Test
    void providerDefaultsDeriveFromGaps() {
        ShutdownProvider p = new ShutdownProvider() {
            @Override
            public String name() {
                return "gappy";
            }

            @Override
            public Availability availability() {
                return Availability.available();
            }

            @Override
            public Map<Capability, String> gaps() {
                return Map.of(Capability.HALF_CLOSE_TLS13, "the engine closes outbound on close_notify");
            }

            @Override
            public TlsContext newContext(TlsConfig config) {
                throw new UnsupportedOperationException();
            }
        };
        assertEquals(0, p.priority());
        assertFalse(p.supports(Capability.HALF_CLOSE_TLS13));
        assertTrue(p.supports(Capability.READ_AFTER_SENT));
        assertTrue(p.supports(Capability.RESUMPTION_TLS13));
    }

    @Test
    void fakesCannotMakeContexts() {
        // Guards the fakes themselves: a lookup test must never silently get a working context.
        ShutdownProvider alpha = ShutdownProviders.get("alpha");
        assertThrows(UnsupportedOperationException.class, () -> alpha.newContext(TlsConfig.client().build()));
    }

    // --- helpers ---

    private static List<String> names(List<Candidate> candidates) {
        return candidates.stream().map(Candidate::name).toList();
    }

    private static Candidate byName(List<Candidate> candidates, String name) {
        return candidates.stream().filter(c -> c.name().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no candidate " + name + " in " + candidates));
    }

    private static String printed(Throwable t) {
        StringWriter out = new StringWriter();
        t.printStackTrace(new PrintWriter(out));
        return out.toString();
    }

    /** Runs {@code body} with {@code closenotify.provider} set to {@code value} (null: unset), then restores it. */
    private static void withProperty(String value, Runnable body) {
        String saved = System.getProperty(ShutdownProviders.PROVIDER_PROPERTY);
        try {
            if (value == null) {
                System.clearProperty(ShutdownProviders.PROVIDER_PROPERTY);
            } else {
                System.setProperty(ShutdownProviders.PROVIDER_PROPERTY, value);
            }
            body.run();
        } finally {
            if (saved == null) {
                System.clearProperty(ShutdownProviders.PROVIDER_PROPERTY);
            } else {
                System.setProperty(ShutdownProviders.PROVIDER_PROPERTY, saved);
            }
        }
    }

    /**
     * A class loader that loads classes from the test class path but serves a services file of its
     * own, listing exactly {@code classNames}. A plain URLClassLoader would not do: getResources
     * also returns the parent's services file, and with it every test provider.
     */
    private ClassLoader loaderServing(String... classNames) throws IOException {
        Path file = Files.createTempFile(tmp, "services", ".txt");
        Files.write(file, List.of(classNames));
        URL url = file.toUri().toURL();
        return new ClassLoader("services-" + file.getFileName(), getClass().getClassLoader()) {
            @Override
            public Enumeration<URL> getResources(String name) throws IOException {
                return SERVICES.equals(name) ? Collections.enumeration(List.of(url)) : super.getResources(name);
            }

            @Override
            public URL getResource(String name) {
                return SERVICES.equals(name) ? url : super.getResource(name);
            }
        };
    }

    @Test
    void loaderServingSeesOnlyItsOwnFile() throws Exception {
        // Guards the helper: if it leaked the test services file, the "none usable" test would lie.
        ClassLoader onlyBeta = loaderServing(TestProviders.Beta.class.getName());
        assertEquals(List.of("beta"), names(ShutdownProviders.candidates(onlyBeta)));
        assertSame(ShutdownProvider.class, onlyBeta.loadClass(ShutdownProvider.class.getName()));
    }
}

package dev.closenotify.reliability;

import dev.closenotify.spi.Capability;
import dev.closenotify.spi.ShutdownProvider;
import dev.closenotify.spi.ShutdownProviders;
import java.util.List;
import java.util.stream.Stream;
import dev.closenotify.spi.Role;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.params.provider.Arguments;

/** Every provider {@link ShutdownProviders#candidates()} finds available, and the two protocols. */
final class Providers {

    static final List<String> PROTOCOLS = List.of("TLSv1.3", "TLSv1.2");

    private Providers() {
    }

    /** The available providers, by name; fails when there is none (the module depends on three). */
    static List<ShutdownProvider> available() {
        List<ShutdownProvider> found = ShutdownProviders.candidates().stream()
                .filter(c -> c.availability().isAvailable())
                .map(ShutdownProviders.Candidate::provider)
                .sorted(java.util.Comparator.comparing(ShutdownProvider::name))
                .toList();
        if (found.isEmpty()) {
            throw new IllegalStateException("no available provider: " + ShutdownProviders.candidates());
        }
        return found;
    }

    /** (provider, protocol) for every available provider and both protocols. */
    static Stream<Arguments> eachWithProtocol() {
        return available().stream().flatMap(p -> PROTOCOLS.stream().map(v -> Arguments.of(named(p), v)));
    }

    /** (provider, protocol, sending role) for every available provider, both protocols and both roles. */
    static Stream<Arguments> eachWithProtocolAndRole() {
        return eachWithProtocol().flatMap(a -> Stream.of(Role.CLIENT, Role.SERVER)
                .map(r -> Arguments.of(a.get()[0], a.get()[1], r)));
    }

    /**
     * (client provider, server provider, protocol, role) for every ordered pair of available
     * providers (each with itself too), both protocols and both roles.
     */
    static Stream<Arguments> pairsWithProtocolAndRole() {
        List<ShutdownProvider> all = available();
        return all.stream().flatMap(c -> all.stream().flatMap(s -> PROTOCOLS.stream().flatMap(v -> Stream.of(Role.CLIENT, Role.SERVER)
                .map(r -> Arguments.of(named(c), named(s), v, r)))));
    }

    static Named<ShutdownProvider> named(ShutdownProvider p) {
        return Named.of(p.name(), p);
    }

    /** Whether a kept session is resumed in {@code protocol} on {@code p}. */
    static boolean resumes(ShutdownProvider p, String protocol) {
        return protocol.equals("TLSv1.2") || p.supports(Capability.RESUMPTION_TLS13);
    }
}

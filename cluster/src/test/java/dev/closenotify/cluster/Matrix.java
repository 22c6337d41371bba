package dev.closenotify.cluster;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.provider.Arguments;

/**
 * Which providers and protocols the cluster tests run, from the system property
 * {@code cluster.matrix} (docs/CLUSTER.md): {@code default} keeps the module within its time
 * budget, {@code full} runs every provider with both protocols, and a list such as
 * {@code jsse:TLSv1.3,bc:TLSv1.2} runs exactly those pairs.
 */
final class Matrix {
    static final List<String> PROVIDERS = List.of("jsse", "conscrypt", "bc");
    static final List<String> PROTOCOLS = List.of("TLSv1.3", "TLSv1.2");

    private Matrix() {
    }

    static String mode() {
        return System.getProperty("cluster.matrix", "default").strip();
    }

    /** The provider/protocol pairs asked for. */
    static List<String[]> pairs() {
        String mode = mode();
        List<String[]> pairs = new ArrayList<>();
        switch (mode) {
            case "default" -> {
                // One rolling restart per JSSE and Conscrypt, each on another protocol (the time
                // budget); none for BC, whose servers' graceful stop is being changed (docs/CLUSTER.md).
                pairs.add(new String[] {"jsse", "TLSv1.3"});
                pairs.add(new String[] {"conscrypt", "TLSv1.2"});
            }
            case "full" -> {
                for (String provider : PROVIDERS) {
                    for (String protocol : PROTOCOLS) {
                        pairs.add(new String[] {provider, protocol});
                    }
                }
            }
            default -> {
                for (String pair : mode.split(",")) {
                    String[] p = pair.strip().split(":");
                    if (p.length != 2 || !PROVIDERS.contains(p[0]) || !PROTOCOLS.contains(p[1])) {
                        throw new IllegalArgumentException("cluster.matrix: '" + pair + "' is not PROVIDER:PROTOCOL with"
                                + " PROVIDER in " + PROVIDERS + " and PROTOCOL in " + PROTOCOLS
                                + " (or use 'default' or 'full')");
                    }
                    pairs.add(p);
                }
            }
        }
        return pairs;
    }

    /** The protocols of {@code provider} whose rolling restart under load runs. */
    static List<String> rollingProtocols(String provider) {
        return pairs().stream().filter(p -> p[0].equals(provider)).map(p -> p[1]).toList();
    }

    /**
     * The providers a cluster is started for: every provider in the default and full matrix (the
     * sticky resumption tests, on both protocols, are asked of all three); with a list, its providers.
     */
    static Stream<Arguments> providers() {
        String mode = mode();
        if (mode.equals("default") || mode.equals("full")) {
            return PROVIDERS.stream().map(Arguments::of);
        }
        return pairs().stream().map(p -> p[0]).distinct().map(Arguments::of);
    }
}

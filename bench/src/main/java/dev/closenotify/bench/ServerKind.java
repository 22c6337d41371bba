package dev.closenotify.bench;

import java.util.Arrays;
import java.util.Optional;

/** The servers under test, and which baseline each is compared with. */
enum ServerKind {
    /** closenotify's echo server over Conscrypt (BoringSSL). */
    CLOSENOTIFY_CONSCRYPT("closenotify-conscrypt", "netty-openssl"),
    /** closenotify's echo server over the JDK's own TLS (SunJSSE). */
    CLOSENOTIFY_JSSE("closenotify-jsse", "netty-jdk"),
    /** Netty 4.1 with netty-tcnative-boringssl-static, epoll. */
    NETTY_OPENSSL("netty-openssl", null),
    /** Netty 4.1 with the JDK's SSLEngine, epoll. */
    NETTY_JDK("netty-jdk", null),
    /** A plain JDK SSLServerSocket, one platform thread per connection: the naive way. */
    JDK_THREADS("jdk-threads", "netty-jdk"),
    /** The floor of the idle row: a bare JSSE {@code SSLEngine} and its socket, nothing else (not run by default). */
    BARE_JSSE("bare-jsse", null),
    /** The same over Conscrypt (not run by default). */
    BARE_CONSCRYPT("bare-conscrypt", null);

    private final String id;
    private final String baseline;

    ServerKind(String id, String baseline) {
        this.id = id;
        this.baseline = baseline;
    }

    String id() {
        return id;
    }

    /** The server this one's ratios are taken against; empty for a baseline itself. */
    Optional<ServerKind> baseline() {
        return Optional.ofNullable(baseline).map(ServerKind::byId);
    }

    /** A floor-measuring server ({@link BareEngineBenchServer}): runs only when {@code servers=} names it. */
    boolean floor() {
        return this == BARE_JSSE || this == BARE_CONSCRYPT;
    }

    static ServerKind byId(String id) {
        return Arrays.stream(values()).filter(k -> k.id.equals(id)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no such server: " + id + " (known: "
                        + Arrays.stream(values()).map(ServerKind::id).toList() + ")"));
    }
}

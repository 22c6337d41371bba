package dev.closenotify.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.time.Duration;

/** One echo server under test, started in the server JVM by {@link ServerMain}. */
interface BenchServer extends AutoCloseable {

    /** The port it listens on, on 127.0.0.1. */
    int port();

    /** Connections open now. */
    int active();

    /**
     * Graceful stop: stop accepting, send close_notify to every open connection, wait up to
     * {@code grace} for each peer's, close the rest by force.
     *
     * @return {@code STOPPED} with {@code ms} (from the call to the last connection closed),
     *     {@code open} (connections at the call), {@code clean} (the peer's close_notify came back)
     *     and {@code forced}
     */
    Line stop(Duration grace) throws Exception;

    @Override
    void close();

    static BenchServer start(ServerKind kind, Path keys) throws IOException, GeneralSecurityException,
            InterruptedException {
        return switch (kind) {
            case CLOSENOTIFY_CONSCRYPT -> ClosenotifyBenchServer.start("conscrypt", keys);
            case CLOSENOTIFY_JSSE -> ClosenotifyBenchServer.start("jsse", keys);
            case NETTY_OPENSSL -> NettyBenchServer.start(true, keys);
            case NETTY_JDK -> NettyBenchServer.start(false, keys);
            case JDK_THREADS -> JdkThreadsBenchServer.start(keys);
            case BARE_JSSE -> BareEngineBenchServer.start(false, keys);
            case BARE_CONSCRYPT -> BareEngineBenchServer.start(true, keys);
        };
    }
}

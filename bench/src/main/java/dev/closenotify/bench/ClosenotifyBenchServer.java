package dev.closenotify.bench;

import dev.closenotify.server.EchoServer;
import dev.closenotify.server.EchoServerConfig;
import dev.closenotify.server.KeyMaterial;
import dev.closenotify.server.StopReport;
import dev.closenotify.spi.TlsConfig;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;

/** closenotify's own {@link EchoServer}, as a user embeds it, with the run's suites pinned. */
final class ClosenotifyBenchServer implements BenchServer {
    /** Room for the 10,000 idle connections and a margin; the default (1,024) would refuse them. */
    static final int MAX_CONNECTIONS = 20_000;

    private final EchoServer server;

    private ClosenotifyBenchServer(EchoServer server) {
        this.server = server;
    }

    static ClosenotifyBenchServer start(String provider, Path keys) throws IOException {
        KeyMaterial km = KeyMaterial.fromPkcs12(BenchKeys.p12(keys), BenchKeys.PASSWORD);
        TlsConfig tls = TlsConfig.server(km.keyManager())
                .cipherSuites(BenchKeys.SUITES.toArray(String[]::new))
                .build();
        EchoServerConfig config = EchoServerConfig.of(tls).withPort(0).withProvider(provider)
                .withMaxConnections(MAX_CONNECTIONS);
        return new ClosenotifyBenchServer(new EchoServer(config).start());
    }

    @Override
    public int port() {
        return server.port();
    }

    @Override
    public int active() {
        return server.stats().active();
    }

    @Override
    public Line stop(Duration grace) {
        long t0 = System.nanoTime();
        StopReport r = server.stop(grace);
        long ns = System.nanoTime() - t0;
        return Line.of("STOPPED").with("ms", String.format("%.1f", ns / 1e6)).with("open", r.open())
                .with("clean", r.closedCleanly()).with("forced", r.forced())
                .with("serverReportMs", r.took().toMillis());
    }

    @Override
    public void close() {
        server.close();
    }
}

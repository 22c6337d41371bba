package dev.closenotify.server.cli;

import dev.closenotify.server.EchoServer;
import dev.closenotify.server.EchoServerConfig;
import dev.closenotify.server.KeyMaterial;
import dev.closenotify.spi.ProviderLookupException;
import dev.closenotify.spi.ShutdownProviders;
import dev.closenotify.spi.TlsConfig;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;

/**
 * {@code java -jar closenotify-server.jar [options]}: the echo server from the command line (see
 * {@link Options#USAGE}). Once it listens it prints exactly one line to stdout,
 * {@code listening on 127.0.0.1:PORT provider=NAME tls=TLSv1.3,TLSv1.2}; everything else goes to
 * stderr. SIGTERM and SIGINT stop it gracefully.
 */
public final class Main {
    /** The name in messages. */
    static final String PROGRAM = "closenotify-server";
    /** {@link #launch} result: the server runs. */
    static final int RUNNING = -1;
    /** Exit code for a bad command line or unusable key material. */
    static final int USAGE_ERROR = 2;
    /** Exit code when the server cannot start. */
    static final int START_ERROR = 1;

    private final PrintStream out;
    private final PrintStream err;
    private final CompletableFuture<Void> stopped = new CompletableFuture<>();
    private volatile EchoServer server;
    private volatile Duration grace = EchoServerConfig.DEFAULT_STOP_GRACE;

    Main(PrintStream out, PrintStream err) {
        this.out = Objects.requireNonNull(out, "out");
        this.err = Objects.requireNonNull(err, "err");
    }

    /** Runs the server until SIGTERM or SIGINT; exits with 2 for a bad command line, 1 when it cannot start. */
    public static void main(String[] args) {
        configureLogging();
        Main main = new Main(System.out, System.err);
        int code = main.launch(args, true);
        if (code != RUNNING) {
            System.out.flush();
            System.exit(code);
        }
        main.stopped.join();
    }

    /**
     * Parses {@code args}, loads or generates the key material, starts the server and prints the
     * {@code listening on} line. Returns {@link #RUNNING}, or the exit code (0 after {@code --help}).
     *
     * @param onSignals stop gracefully on SIGTERM/SIGINT (a JVM shutdown hook)
     */
    int launch(String[] args, boolean onSignals) {
        Options options;
        try {
            options = Options.parse(args);
        } catch (UsageException e) {
            return usageError(e.getMessage());
        }
        if (options.help()) {
            out.print(Options.USAGE);
            out.flush();
            return 0;
        }
        try {
            options.provider().ifPresent(ShutdownProviders::get); // a wrong name fails before any key work
        } catch (ProviderLookupException e) {
            return usageError(e.getMessage());
        }
        KeyMaterial keys;
        try {
            keys = keyMaterial(options);
        } catch (IOException e) {
            return usageError(e.getMessage());
        }
        EchoServerConfig config;
        try {
            TlsConfig tls = TlsConfig.server(keys.keyManager())
                    .protocols(options.protocols().toArray(String[]::new))
                    .sessionCacheSize(options.sessionCacheSize())
                    .sessionTimeout(options.sessionTimeout())
                    .policy(options.policy())
                    .build();
            config = new EchoServerConfig(options.host(), options.port(), options.provider(), tls,
                    options.maxConnections(), options.echoBufferSize(), options.grace());
        } catch (IllegalArgumentException e) {
            return usageError(e.getMessage());
        }
        EchoServer s = new EchoServer(config);
        try {
            s.start();
        } catch (ProviderLookupException | IllegalArgumentException e) {
            return usageError(e.getMessage());
        } catch (IOException | RuntimeException e) {
            err.println(PROGRAM + ": error: cannot start: " + e.getMessage());
            err.flush();
            return START_ERROR;
        }
        server = s;
        grace = options.grace();
        if (onSignals) {
            // JUL's own shutdown hook would close the log handlers while the stop still logs.
            if (java.util.logging.LogManager.getLogManager() instanceof CliLogManager) {
                CliLogManager.holdResetUntil(stopped, grace.plusSeconds(15));
            }
            Runtime.getRuntime().addShutdownHook(Thread.ofPlatform().name("closenotify-echo-stop").unstarted(this::stop));
        }
        String host = s.address().getAddress().getHostAddress();
        out.println("listening on " + (host.contains(":") ? "[" + host + "]" : host) + ":" + s.port()
                + " provider=" + s.providerName() + " tls=" + String.join(",", options.protocols()));
        out.flush();
        return RUNNING;
    }

    /** Stops the server gracefully (the stop logs its report and the stats); idempotent. */
    void stop() {
        try {
            EchoServer s = server;
            if (s != null) {
                s.stop(grace);
            }
        } finally {
            err.flush();
            stopped.complete(null);
        }
    }

    /** The running server, for tests. */
    EchoServer server() {
        return server;
    }

    private KeyMaterial keyMaterial(Options options) throws IOException {
        KeyMaterial keys;
        if (options.cert().isPresent()) {
            keys = KeyMaterial.fromPem(options.cert().get(), options.key().orElseThrow());
            err.println(PROGRAM + ": certificate " + keys.certificate().getSubjectX500Principal().getName()
                    + " from " + options.cert().get() + ", SHA-256 fingerprint " + keys.fingerprint());
        } else if (options.keystore().isPresent()) {
            keys = KeyMaterial.fromPkcs12(options.keystore().get(), options.keystorePassword().toCharArray());
            err.println(PROGRAM + ": certificate " + keys.certificate().getSubjectX500Principal().getName()
                    + " from " + options.keystore().get() + ", SHA-256 fingerprint " + keys.fingerprint());
        } else {
            keys = KeyMaterial.selfSigned();
            err.println(PROGRAM + ": generated a self-signed certificate for "
                    + String.join(", ", KeyMaterial.GENERATED_NAMES) + " (valid " + KeyMaterial.GENERATED_VALIDITY.toDays()
                    + " days), SHA-256 fingerprint " + keys.fingerprint());
        }
        if (options.certOut().isPresent()) {
            try {
                Files.writeString(options.certOut().get(), keys.certificatesPem(), StandardCharsets.US_ASCII);
            } catch (IOException e) {
                throw new IOException("--cert-out " + options.certOut().get() + ": cannot write: " + e.getMessage(), e);
            }
            err.println(PROGRAM + ": wrote the certificate to " + options.certOut().get());
        }
        err.flush();
        return keys;
    }

    private int usageError(String message) {
        err.println(PROGRAM + ": error: " + message);
        err.flush();
        return USAGE_ERROR;
    }

    /**
     * One line per log record on stderr, unless the user configured logging: and a log manager
     * that lets the graceful stop log to the end.
     */
    private static void configureLogging() {
        if (System.getProperty("java.util.logging.manager") == null) {
            System.setProperty("java.util.logging.manager", CliLogManager.class.getName());
        }
        if (System.getProperty("java.util.logging.SimpleFormatter.format") == null) {
            System.setProperty("java.util.logging.SimpleFormatter.format", "%1$tT.%1$tL %4$s %5$s%6$s%n");
        }
    }
}

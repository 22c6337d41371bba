package dev.closenotify.server.cli;

import dev.closenotify.server.EchoServerConfig;
import dev.closenotify.spi.ConnectionPolicy;
import dev.closenotify.spi.TlsConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The command line, parsed and checked; {@link #parse(String[])} throws {@link UsageException}
 * with a one-line message for anything wrong.
 */
record Options(boolean help, String host, int port, Optional<String> provider, List<String> protocols,
               Optional<Path> cert, Optional<Path> key, Optional<Path> keystore, String keystorePassword,
               Optional<Path> certOut, int sessionCacheSize, Duration sessionTimeout, Duration grace,
               int maxConnections, int echoBufferSize, Duration handshakeTimeout, Duration idleTimeout,
               Duration closeFlushTimeout, Duration peerCloseTimeout) {

    static final String USAGE = """
            Usage: java -jar closenotify-server.jar [options]

            A TLS echo server: every byte a client sends comes back; a client's close_notify is
            answered with the server's (SEMANTICS.md). Once it listens it prints one line to stdout,
              listening on HOST:PORT provider=NAME tls=PROTOCOLS
            and everything else to stderr. SIGTERM or SIGINT (Ctrl-C) stops it gracefully.

            Options (a value may follow as --opt VALUE or --opt=VALUE):
              --host HOST                 address to listen on (default 127.0.0.1)
              --port PORT                 port (default 8443; 0 = ephemeral)
              --provider NAME             jsse, conscrypt, bc (default: the SPI's choice)
              --tls LIST                  protocols, in order (default 1.3,1.2)
              --cert FILE --key FILE      PEM certificate chain and unencrypted private key
                                          (PRIVATE KEY, RSA PRIVATE KEY or EC PRIVATE KEY)
              --keystore FILE             PKCS#12 key store instead of --cert/--key
              --keystore-password PW      its password (default: empty)
                                          without --cert or --keystore, a self-signed certificate
                                          for localhost, 127.0.0.1 and ::1 is generated
              --cert-out FILE             write the server's certificate (PEM) there, for
                                          openssl s_client -CAfile FILE
              --session-cache-size N      sessions kept for resumption (default 20480; 0 = unlimited)
              --session-timeout TIME      how long a session stays resumable (default 24h)
              --grace TIME                graceful stop: how long peers may take to answer the
                                          server's close_notify before the rest is closed (default 10s)
              --max-connections N         connections served at once; more are refused (default 1024)
              --echo-buffer SIZE          echo held per connection for a peer that does not read
                                          (default 1m); beyond it the server stops reading
              --handshake-timeout TIME    deadline of a handshake (default 30s)
              --idle-timeout TIME         no byte moving either way (default 0 = none)
              --close-flush-timeout TIME  writing out the echo and close_notify at the close (default 5s)
              --peer-close-timeout TIME   the peer's close_notify after the server's (default 10s)
              --help                      this text

            TIME: 500ms, 10s, 5m, 24h, or an ISO-8601 duration (PT10S); a plain number is seconds.
            SIZE: bytes, or with k or m (1024-based).
            Exit codes: 0 after --help, 2 for a bad option or unusable key material, 1 when the
            server cannot start (e.g. the port is taken); 143/130 after SIGTERM/SIGINT.
            """;

    private static final Pattern TIME = Pattern.compile("(\\d+)(ms|s|m|h|d)?");
    private static final Pattern SIZE = Pattern.compile("(\\d+)([km]?)(i?b)?");

    Options {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(provider, "provider");
        protocols = List.copyOf(protocols);
    }

    /** Parses {@code args}. */
    static Options parse(String[] args) throws UsageException {
        boolean help = false;
        String host = EchoServerConfig.DEFAULT_HOST;
        int port = EchoServerConfig.DEFAULT_PORT;
        Optional<String> provider = Optional.empty();
        List<String> protocols = List.of("TLSv1.3", "TLSv1.2");
        Optional<Path> cert = Optional.empty();
        Optional<Path> key = Optional.empty();
        Optional<Path> keystore = Optional.empty();
        String keystorePassword = "";
        Optional<Path> certOut = Optional.empty();
        int sessionCacheSize = TlsConfig.DEFAULT_SESSION_CACHE_SIZE;
        Duration sessionTimeout = TlsConfig.DEFAULT_SESSION_TIMEOUT;
        Duration grace = EchoServerConfig.DEFAULT_STOP_GRACE;
        int maxConnections = EchoServerConfig.DEFAULT_MAX_CONNECTIONS;
        int echoBuffer = EchoServerConfig.DEFAULT_ECHO_BUFFER_SIZE;
        ConnectionPolicy d = ConnectionPolicy.DEFAULT;
        Duration handshakeTimeout = d.handshakeTimeout();
        Duration idleTimeout = d.idleReadTimeout();
        Duration closeFlushTimeout = d.closeFlushTimeout();
        Duration peerCloseTimeout = d.peerCloseTimeout();

        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (!arg.startsWith("--")) {
                throw new UsageException("unexpected argument '" + arg + "' (options start with --; see --help)");
            }
            String name = arg;
            String inline = null;
            int eq = arg.indexOf('=');
            if (eq > 0) {
                name = arg.substring(0, eq);
                inline = arg.substring(eq + 1);
            }
            if (name.equals("--help") || name.equals("-h")) {
                help = true;
                continue;
            }
            String value;
            if (inline != null) {
                value = inline;
            } else if (i + 1 < args.length && !KNOWN.contains(args[i + 1])) {
                value = args[++i];
            } else if (KNOWN.contains(name)) {
                throw new UsageException(name + " needs a value (see --help)");
            } else {
                throw new UsageException("unknown option " + name + " (see --help)");
            }
            switch (name) {
                case "--host" -> host = nonBlank(name, value);
                case "--port" -> port = integer(name, value, 0, 65_535);
                case "--provider" -> provider = Optional.of(nonBlank(name, value).toLowerCase(Locale.ROOT));
                case "--tls" -> protocols = protocols(value);
                case "--cert" -> cert = Optional.of(Path.of(nonBlank(name, value)));
                case "--key" -> key = Optional.of(Path.of(nonBlank(name, value)));
                case "--keystore" -> keystore = Optional.of(Path.of(nonBlank(name, value)));
                case "--keystore-password" -> keystorePassword = value;
                case "--cert-out" -> certOut = Optional.of(Path.of(nonBlank(name, value)));
                case "--session-cache-size" -> sessionCacheSize = integer(name, value, 0, Integer.MAX_VALUE);
                case "--session-timeout" -> sessionTimeout = positive(name, duration(name, value));
                case "--grace" -> grace = duration(name, value);
                case "--max-connections" -> maxConnections = integer(name, value, 1, Integer.MAX_VALUE);
                case "--echo-buffer" -> echoBuffer = size(name, value);
                case "--handshake-timeout" -> handshakeTimeout = duration(name, value);
                case "--idle-timeout" -> idleTimeout = duration(name, value);
                case "--close-flush-timeout" -> closeFlushTimeout = duration(name, value);
                case "--peer-close-timeout" -> peerCloseTimeout = duration(name, value);
                default -> throw new UsageException("unknown option " + name + " (see --help)");
            }
        }
        if (cert.isPresent() != key.isPresent()) {
            throw new UsageException(cert.isPresent() ? "--cert needs --key" : "--key needs --cert");
        }
        if (cert.isPresent() && keystore.isPresent()) {
            throw new UsageException("give --cert/--key or --keystore, not both");
        }
        if (echoBuffer < EchoServerConfig.MIN_ECHO_BUFFER_SIZE) {
            throw new UsageException("--echo-buffer must be at least " + EchoServerConfig.MIN_ECHO_BUFFER_SIZE
                    + " bytes: " + echoBuffer);
        }
        return new Options(help, host, port, provider, protocols, cert, key, keystore, keystorePassword, certOut,
                sessionCacheSize, sessionTimeout, grace, maxConnections, echoBuffer, handshakeTimeout, idleTimeout,
                closeFlushTimeout, peerCloseTimeout);
    }

    /** The connection policy these options ask for. */
    ConnectionPolicy policy() {
        return ConnectionPolicy.DEFAULT.withHandshakeTimeout(handshakeTimeout).withIdleReadTimeout(idleTimeout)
                .withCloseFlushTimeout(closeFlushTimeout).withPeerCloseTimeout(peerCloseTimeout);
    }

    private static final java.util.Set<String> KNOWN = java.util.Set.of("--host", "--port", "--provider", "--tls",
            "--cert", "--key", "--keystore", "--keystore-password", "--cert-out", "--session-cache-size",
            "--session-timeout", "--grace", "--max-connections", "--echo-buffer", "--handshake-timeout",
            "--idle-timeout", "--close-flush-timeout", "--peer-close-timeout", "--help", "-h");

    private static String nonBlank(String option, String value) throws UsageException {
        if (value.isBlank()) {
            throw new UsageException(option + " needs a value (see --help)");
        }
        return value.trim();
    }

    private static int integer(String option, String value, int min, int max) throws UsageException {
        try {
            long n = Long.parseLong(value.trim());
            if (n < min || n > max) {
                throw new UsageException(option + " must be " + min + " to " + max + ": " + value);
            }
            return (int) n;
        } catch (NumberFormatException e) {
            throw new UsageException(option + " needs a number: " + value);
        }
    }

    private static List<String> protocols(String value) throws UsageException {
        LinkedHashSet<String> out = new LinkedHashSet<>();
        for (String part : value.split(",")) {
            String p = part.trim().toLowerCase(Locale.ROOT).replace("tlsv", "").replace("tls", "");
            switch (p) {
                case "1.3" -> out.add("TLSv1.3");
                case "1.2" -> out.add("TLSv1.2");
                default -> throw new UsageException("--tls takes 1.3 and/or 1.2, comma-separated: " + value);
            }
        }
        return new ArrayList<>(out);
    }

    static Duration duration(String option, String value) throws UsageException {
        String v = value.trim().toLowerCase(Locale.ROOT);
        Matcher m = TIME.matcher(v);
        if (m.matches()) {
            long n = number(option, m.group(1));
            String unit = m.group(2) == null ? "s" : m.group(2);
            return switch (unit) {
                case "ms" -> Duration.ofMillis(n);
                case "m" -> Duration.ofMinutes(n);
                case "h" -> Duration.ofHours(n);
                case "d" -> Duration.ofDays(n);
                default -> Duration.ofSeconds(n);
            };
        }
        try {
            Duration d = Duration.parse(value.trim());
            if (d.isNegative()) {
                throw new UsageException(option + " must not be negative: " + value);
            }
            return d;
        } catch (DateTimeParseException e) {
            throw new UsageException(option + " needs a time such as 500ms, 10s, 5m or 24h: " + value);
        }
    }

    private static long number(String option, String digits) throws UsageException {
        try {
            long n = Long.parseLong(digits);
            if (n > Integer.MAX_VALUE) {
                throw new UsageException(option + " is too large: " + digits);
            }
            return n;
        } catch (NumberFormatException e) {
            throw new UsageException(option + " is too large: " + digits);
        }
    }

    private static Duration positive(String option, Duration d) throws UsageException {
        if (d.isZero()) {
            throw new UsageException(option + " must be more than 0");
        }
        return d;
    }

    static int size(String option, String value) throws UsageException {
        Matcher m = SIZE.matcher(value.trim().toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            throw new UsageException(option + " needs a size such as 65536, 512k or 1m: " + value);
        }
        long n = number(option, m.group(1));
        long bytes = switch (m.group(2)) {
            case "k" -> n * 1024;
            case "m" -> n * 1024 * 1024;
            default -> n;
        };
        if (bytes > Integer.MAX_VALUE - 8) {
            throw new UsageException(option + " is too large: " + value);
        }
        return (int) bytes;
    }
}

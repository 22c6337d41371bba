package dev.closenotify.server;

import dev.closenotify.spi.ConnectionPolicy;
import dev.closenotify.spi.Role;
import dev.closenotify.spi.ShutdownProviders;
import dev.closenotify.spi.TlsConfig;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * What an {@link EchoServer} runs with: immutable, validated when made. Start from
 * {@link #of(TlsConfig)}, which takes the defaults below, and change a field with its
 * {@code with...} copy.
 *
 * <p>The TLS side is a plain server {@link TlsConfig}: its key material, protocols, session cache
 * size and lifetime are used as they are, and its {@link ConnectionPolicy} gives the
 * {@linkplain Deadline deadlines} the server enforces on each connection (handshake, idle, close
 * flush, the wait for the peer's close_notify) and the close behaviour (quiet shutdown, ignoring
 * an unexpected EOF).
 *
 * @param host the address to listen on, a literal or a name; {@value #DEFAULT_HOST} by default
 * @param port the port, {@value #DEFAULT_PORT} by default; 0 takes an ephemeral port, which
 *     {@link EchoServer#port()} tells after the start
 * @param provider the name of the {@code ShutdownProvider} to use; empty (the default) for the
 *     SPI's choice, {@link ShutdownProviders#get()}
 * @param tls the server's TLS configuration; its role must be {@link Role#SERVER}
 * @param maxConnections how many connections are served at once; one more is refused at once
 *     (a TLS {@code internal_error} alert, then the socket is closed) and counted, never queued
 * @param echoBufferSize how many bytes of encrypted echo one connection may hold for a peer that
 *     does not read them: beyond it the server stops reading from that peer until it reads
 *     (backpressure); {@value #DEFAULT_ECHO_BUFFER_SIZE} by default, so a client can write 1 MiB
 *     before it reads anything
 * @param stopGrace how long {@link EchoServer#close()} lets peers answer the server's close_notify
 *     before the rest is closed by force
 */
public record EchoServerConfig(String host, int port, Optional<String> provider, TlsConfig tls,
                               int maxConnections, int echoBufferSize, Duration stopGrace) {

    /** The default address: loopback only. */
    public static final String DEFAULT_HOST = "127.0.0.1";
    /** The default port. */
    public static final int DEFAULT_PORT = 8443;
    /** The default cap on connections served at once. */
    public static final int DEFAULT_MAX_CONNECTIONS = 1024;
    /** The default echo buffer per connection: 1 MiB. */
    public static final int DEFAULT_ECHO_BUFFER_SIZE = 1 << 20;
    /** The smallest echo buffer accepted. */
    public static final int MIN_ECHO_BUFFER_SIZE = 4096;
    /** The default grace period of {@link EchoServer#close()}. */
    public static final Duration DEFAULT_STOP_GRACE = Duration.ofSeconds(10);

    public EchoServerConfig {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(provider, "provider");
        Objects.requireNonNull(tls, "tls");
        Objects.requireNonNull(stopGrace, "stopGrace");
        if (host.isBlank()) {
            throw new IllegalArgumentException("host must not be blank: give an address such as 127.0.0.1");
        }
        if (port < 0 || port > 65_535) {
            throw new IllegalArgumentException("port must be 0 (ephemeral) to 65535: " + port);
        }
        if (provider.isPresent() && provider.get().isBlank()) {
            throw new IllegalArgumentException("provider must not be blank: leave it empty for the SPI's choice");
        }
        if (tls.role() != Role.SERVER) {
            throw new IllegalArgumentException("tls must be a server configuration (TlsConfig.server(keyManager)),"
                    + " not " + tls.role());
        }
        if (maxConnections < 1) {
            throw new IllegalArgumentException("maxConnections must be at least 1: " + maxConnections);
        }
        if (echoBufferSize < MIN_ECHO_BUFFER_SIZE) {
            throw new IllegalArgumentException("echoBufferSize must be at least " + MIN_ECHO_BUFFER_SIZE
                    + " bytes: " + echoBufferSize);
        }
        if (stopGrace.isNegative()) {
            throw new IllegalArgumentException("stopGrace must not be negative: " + stopGrace);
        }
    }

    /** A configuration serving {@code tls}, with every other field at its default. */
    public static EchoServerConfig of(TlsConfig tls) {
        return new EchoServerConfig(DEFAULT_HOST, DEFAULT_PORT, Optional.empty(), tls, DEFAULT_MAX_CONNECTIONS,
                DEFAULT_ECHO_BUFFER_SIZE, DEFAULT_STOP_GRACE);
    }

    /** A copy listening on {@code host}. */
    public EchoServerConfig withHost(String host) {
        return new EchoServerConfig(host, port, provider, tls, maxConnections, echoBufferSize, stopGrace);
    }

    /** A copy listening on {@code port} (0: ephemeral). */
    public EchoServerConfig withPort(int port) {
        return new EchoServerConfig(host, port, provider, tls, maxConnections, echoBufferSize, stopGrace);
    }

    /** A copy using the provider called {@code name}. */
    public EchoServerConfig withProvider(String name) {
        Objects.requireNonNull(name, "name");
        return new EchoServerConfig(host, port, Optional.of(name), tls, maxConnections, echoBufferSize, stopGrace);
    }

    /** A copy using the SPI's choice of provider. */
    public EchoServerConfig withDefaultProvider() {
        return new EchoServerConfig(host, port, Optional.empty(), tls, maxConnections, echoBufferSize, stopGrace);
    }

    /** A copy with another TLS configuration. */
    public EchoServerConfig withTls(TlsConfig tls) {
        return new EchoServerConfig(host, port, provider, tls, maxConnections, echoBufferSize, stopGrace);
    }

    /** A copy whose TLS configuration has another connection policy (deadlines, close behaviour). */
    public EchoServerConfig withPolicy(ConnectionPolicy policy) {
        Objects.requireNonNull(policy, "policy");
        return withTls(tls.toBuilder().policy(policy).build());
    }

    /** A copy serving at most {@code max} connections at once. */
    public EchoServerConfig withMaxConnections(int max) {
        return new EchoServerConfig(host, port, provider, tls, max, echoBufferSize, stopGrace);
    }

    /** A copy with another echo buffer size, in bytes. */
    public EchoServerConfig withEchoBufferSize(int bytes) {
        return new EchoServerConfig(host, port, provider, tls, maxConnections, bytes, stopGrace);
    }

    /** A copy with another grace period for {@link EchoServer#close()}. */
    public EchoServerConfig withStopGrace(Duration grace) {
        return new EchoServerConfig(host, port, provider, tls, maxConnections, echoBufferSize, grace);
    }

    /** The deadlines and close behaviour of each connection: the TLS configuration's policy. */
    public ConnectionPolicy policy() {
        return tls.policy();
    }
}

package dev.closenotify.core;

import dev.closenotify.spi.ClientAuth;
import dev.closenotify.spi.ConnectionPolicy;
import dev.closenotify.spi.Role;
import dev.closenotify.spi.TlsBufferConnection;
import dev.closenotify.spi.TlsConfig;
import dev.closenotify.spi.TlsContext;
import dev.closenotify.spi.TlsException;
import dev.closenotify.spi.TlsSocketConnection;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;

/** A context of an {@link EngineShutdownProvider}: one {@link SSLContext}, so one session cache per side. */
final class EngineTlsContext implements TlsContext {
    private static final Pattern IP_LITERAL = Pattern.compile("[0-9.]+|.*:.*");

    private final EngineShutdownProvider provider;
    private final TlsConfig config;
    private final SSLContext sslContext;

    EngineTlsContext(EngineShutdownProvider provider, TlsConfig config, SSLContext sslContext) {
        this.provider = provider;
        this.config = config;
        this.sslContext = sslContext;
    }

    @Override
    public String providerName() {
        return provider.name();
    }

    @Override
    public TlsConfig config() {
        return config;
    }

    @Override
    public boolean prefersDirectBuffers() {
        return provider.prefersDirectBuffers();
    }

    @Override
    public TlsSocketConnection open(Socket socket, ConnectionPolicy policy) throws TlsException {
        Objects.requireNonNull(socket, "socket");
        Objects.requireNonNull(policy, "policy");
        if (!socket.isConnected() || socket.isClosed()) {
            throw new IllegalArgumentException("the socket must be connected and open: " + socket);
        }
        SSLEngine engine = newEngine(socket.getInetAddress().getHostAddress(), socket.getPort());
        try {
            return new SocketConnection(new EngineConnection(provider, sslContext, engine, config.role(), policy,
                    new SocketWire(socket)));
        } catch (IOException e) {
            throw new TlsException(TlsException.Kind.RESET, "cannot use the socket: " + e, e);
        }
    }

    @Override
    public TlsSocketConnection open(SocketChannel channel, ConnectionPolicy policy) throws TlsException {
        Objects.requireNonNull(channel, "channel");
        if (!channel.isBlocking()) {
            throw new IllegalArgumentException("the SocketChannel must be in blocking mode;"
                    + " for non-blocking I/O use the buffer transport, open(inbound, outbound, peer, policy)");
        }
        return open(channel.socket(), policy);
    }

    @Override
    public TlsBufferConnection open(ByteBuffer inbound, ByteBuffer outbound, InetSocketAddress peer,
                                    ConnectionPolicy policy) throws TlsException {
        Objects.requireNonNull(inbound, "inbound");
        Objects.requireNonNull(outbound, "outbound");
        Objects.requireNonNull(peer, "peer");
        Objects.requireNonNull(policy, "policy");
        if (inbound == outbound) {
            throw new IllegalArgumentException("inbound and outbound must be two buffers");
        }
        if (inbound.isReadOnly() || outbound.isReadOnly()) {
            throw new IllegalArgumentException("inbound and outbound must be writable buffers");
        }
        SSLEngine engine = newEngine(peer.getHostString(), peer.getPort());
        return new BufferConnection(new EngineConnection(provider, sslContext, engine, config.role(), policy,
                new BufferWire(inbound, outbound)));
    }

    private SSLEngine newEngine(String peerHost, int peerPort) {
        boolean client = config.role() == Role.CLIENT;
        SSLEngine engine = client
                ? sslContext.createSSLEngine(config.serverName().orElse(peerHost), peerPort)
                : sslContext.createSSLEngine();
        engine.setUseClientMode(client);
        SSLParameters p = engine.getSSLParameters();
        p.setProtocols(config.protocols().toArray(String[]::new));
        if (!config.cipherSuites().isEmpty()) {
            p.setCipherSuites(config.cipherSuites().toArray(String[]::new));
        }
        if (!config.applicationProtocols().isEmpty()) {
            p.setApplicationProtocols(config.applicationProtocols().toArray(String[]::new));
        }
        if (client) {
            config.serverName().filter(n -> !IP_LITERAL.matcher(n).matches())
                    .ifPresent(n -> p.setServerNames(List.of(new SNIHostName(n))));
            if (config.hostnameVerification()) {
                p.setEndpointIdentificationAlgorithm("HTTPS");
            }
        } else {
            p.setNeedClientAuth(config.clientAuth() == ClientAuth.NEED);
            if (config.clientAuth() == ClientAuth.WANT) {
                p.setWantClientAuth(true);
            }
        }
        try {
            engine.setSSLParameters(p);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(provider.name() + " rejects this configuration: " + e.getMessage(), e);
        }
        provider.configureEngine(engine, config);
        return engine;
    }
}

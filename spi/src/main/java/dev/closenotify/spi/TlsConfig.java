package dev.closenotify.spi;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;

/**
 * What a {@link ShutdownProvider} needs to make a {@link TlsContext}: the role, key material and
 * trust, protocols and suites, SNI, ALPN, hostname verification, client authentication, the
 * session cache and the default {@link ConnectionPolicy}. Build one with {@link #client()} or
 * {@link #server(KeyManager)}.
 *
 * @param role client or server
 * @param sslContext a ready context to take engines from instead of key and trust managers; the
 *     provider then uses it as it is (its own stack is whatever made the context)
 * @param keyManager our certificate and key (required for a server without {@code sslContext})
 * @param trustManager whom we trust; empty means the provider's default trust store
 * @param protocols enabled protocols, a non-empty subset of {@code TLSv1.3}, {@code TLSv1.2}
 * @param cipherSuites enabled suites; empty means the provider's defaults
 * @param serverName the client's SNI host name, also the host its sessions are cached under
 * @param applicationProtocols ALPN protocols in preference order; empty means no ALPN
 * @param hostnameVerification the client checks the server certificate against the host name
 * @param clientAuth whether the server asks for a client certificate
 * @param sessionCacheSize the session cache's size, {@code 0} for unlimited
 * @param sessionTimeout how long a cached session stays resumable
 * @param policy the policy of connections opened without one of their own
 */
public record TlsConfig(Role role, Optional<SSLContext> sslContext, Optional<KeyManager> keyManager,
                        Optional<TrustManager> trustManager, List<String> protocols,
                        List<String> cipherSuites, Optional<String> serverName,
                        List<String> applicationProtocols, boolean hostnameVerification,
                        ClientAuth clientAuth, int sessionCacheSize, Duration sessionTimeout,
                        ConnectionPolicy policy) {

    /** The protocols the contract covers. */
    public static final Set<String> SUPPORTED_PROTOCOLS = Set.of("TLSv1.3", "TLSv1.2");
    /** Default session cache size (as Helidon's). */
    public static final int DEFAULT_SESSION_CACHE_SIZE = 20_480;
    /** Default session lifetime. */
    public static final Duration DEFAULT_SESSION_TIMEOUT = Duration.ofHours(24);

    public TlsConfig {
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(sslContext, "sslContext");
        Objects.requireNonNull(keyManager, "keyManager");
        Objects.requireNonNull(trustManager, "trustManager");
        protocols = List.copyOf(protocols);
        cipherSuites = List.copyOf(cipherSuites);
        Objects.requireNonNull(serverName, "serverName");
        applicationProtocols = List.copyOf(applicationProtocols);
        Objects.requireNonNull(clientAuth, "clientAuth");
        Objects.requireNonNull(sessionTimeout, "sessionTimeout");
        Objects.requireNonNull(policy, "policy");
        if (protocols.isEmpty()) {
            throw new IllegalArgumentException("protocols must not be empty: give TLSv1.3 and/or TLSv1.2");
        }
        for (String p : protocols) {
            if (!SUPPORTED_PROTOCOLS.contains(p)) {
                throw new IllegalArgumentException("unsupported protocol " + p
                        + ": closenotify covers TLSv1.3 and TLSv1.2 only");
            }
        }
        if (sslContext.isPresent() && (keyManager.isPresent() || trustManager.isPresent())) {
            throw new IllegalArgumentException(
                    "give either a ready SSLContext or key/trust managers, not both");
        }
        if (role == Role.SERVER && sslContext.isEmpty() && keyManager.isEmpty()) {
            throw new IllegalArgumentException("a server needs a key manager (or a ready SSLContext)");
        }
        if (role == Role.CLIENT && clientAuth != ClientAuth.NONE) {
            throw new IllegalArgumentException("clientAuth is a server setting; a client was given " + clientAuth);
        }
        if (sessionCacheSize < 0) {
            throw new IllegalArgumentException("sessionCacheSize must be >= 0 (0 = unlimited): " + sessionCacheSize);
        }
        if (sessionTimeout.isNegative() || sessionTimeout.isZero()) {
            throw new IllegalArgumentException("sessionTimeout must be positive: " + sessionTimeout);
        }
    }

    /** A builder for a client configuration. */
    public static Builder client() {
        return new Builder(Role.CLIENT);
    }

    /** A builder for a server configuration presenting {@code keyManager}'s certificate. */
    public static Builder server(KeyManager keyManager) {
        return new Builder(Role.SERVER).keyManager(keyManager);
    }

    /** A builder for a configuration that takes its engines from a ready {@code SSLContext}. */
    public static Builder of(Role role, SSLContext sslContext) {
        return new Builder(role).sslContext(sslContext);
    }

    /** A builder starting from this configuration. */
    public Builder toBuilder() {
        Builder b = new Builder(role);
        b.sslContext = sslContext;
        b.keyManager = keyManager;
        b.trustManager = trustManager;
        b.protocols = protocols;
        b.cipherSuites = cipherSuites;
        b.serverName = serverName;
        b.applicationProtocols = applicationProtocols;
        b.hostnameVerification = hostnameVerification;
        b.clientAuth = clientAuth;
        b.sessionCacheSize = sessionCacheSize;
        b.sessionTimeout = sessionTimeout;
        b.policy = policy;
        return b;
    }

    /** Builds a {@link TlsConfig}; every option has a default but the role (and a server's key). */
    public static final class Builder {
        private final Role role;
        private Optional<SSLContext> sslContext = Optional.empty();
        private Optional<KeyManager> keyManager = Optional.empty();
        private Optional<TrustManager> trustManager = Optional.empty();
        private List<String> protocols = List.of("TLSv1.3", "TLSv1.2");
        private List<String> cipherSuites = List.of();
        private Optional<String> serverName = Optional.empty();
        private List<String> applicationProtocols = List.of();
        private boolean hostnameVerification = true;
        private ClientAuth clientAuth = ClientAuth.NONE;
        private int sessionCacheSize = DEFAULT_SESSION_CACHE_SIZE;
        private Duration sessionTimeout = DEFAULT_SESSION_TIMEOUT;
        private ConnectionPolicy policy = ConnectionPolicy.DEFAULT;

        private Builder(Role role) {
            this.role = role;
        }

        /** Use this ready context for engines. */
        public Builder sslContext(SSLContext context) {
            this.sslContext = Optional.of(Objects.requireNonNull(context, "context"));
            return this;
        }

        /** Present this key manager's certificate. */
        public Builder keyManager(KeyManager km) {
            this.keyManager = Optional.of(Objects.requireNonNull(km, "km"));
            return this;
        }

        /** Trust what this trust manager trusts. */
        public Builder trustManager(TrustManager tm) {
            this.trustManager = Optional.of(Objects.requireNonNull(tm, "tm"));
            return this;
        }

        /** Enable exactly these protocols ({@code TLSv1.3}, {@code TLSv1.2}). */
        public Builder protocols(String... protocols) {
            this.protocols = List.of(protocols);
            return this;
        }

        /** Enable exactly these suites. */
        public Builder cipherSuites(String... suites) {
            this.cipherSuites = List.of(suites);
            return this;
        }

        /** Send this SNI host name and verify the server against it. */
        public Builder serverName(String host) {
            this.serverName = Optional.of(Objects.requireNonNull(host, "host"));
            return this;
        }

        /** Offer (client) or accept (server) these ALPN protocols, in preference order. */
        public Builder applicationProtocols(String... protocols) {
            this.applicationProtocols = List.of(protocols);
            return this;
        }

        /** Check the server certificate's host name (client; on by default). */
        public Builder hostnameVerification(boolean on) {
            this.hostnameVerification = on;
            return this;
        }

        /** Ask for a client certificate (server). */
        public Builder clientAuth(ClientAuth auth) {
            this.clientAuth = Objects.requireNonNull(auth, "auth");
            return this;
        }

        /** Session cache size, 0 for unlimited. */
        public Builder sessionCacheSize(int size) {
            this.sessionCacheSize = size;
            return this;
        }

        /** How long a cached session stays resumable. */
        public Builder sessionTimeout(Duration timeout) {
            this.sessionTimeout = Objects.requireNonNull(timeout, "timeout");
            return this;
        }

        /** The policy of connections opened without one of their own. */
        public Builder policy(ConnectionPolicy policy) {
            this.policy = Objects.requireNonNull(policy, "policy");
            return this;
        }

        /** The configuration; throws {@link IllegalArgumentException} saying what is inconsistent. */
        public TlsConfig build() {
            return new TlsConfig(role, sslContext, keyManager, trustManager, protocols, cipherSuites,
                    serverName, applicationProtocols, hostnameVerification, clientAuth,
                    sessionCacheSize, sessionTimeout, policy);
        }
    }
}

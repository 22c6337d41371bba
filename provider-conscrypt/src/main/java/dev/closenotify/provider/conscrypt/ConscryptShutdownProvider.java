package dev.closenotify.provider.conscrypt;

import dev.closenotify.core.EngineShutdownProvider;
import dev.closenotify.spi.Availability;
import dev.closenotify.spi.Capability;
import dev.closenotify.spi.Role;
import dev.closenotify.spi.TlsConfig;
import java.security.GeneralSecurityException;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSessionContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * The closenotify contract over Conscrypt ({@code org.conscrypt:conscrypt-openjdk-uber}, BoringSSL
 * through JNI), through the core. The core already sends close_notify itself, detects truncation
 * from the raw EOF and never feeds the engine bytes after the peer's close_notify; this class adds
 * what Conscrypt needs on top:
 * <ul>
 *   <li>a JDK trust manager is told TLS 1.3's authentication type as JSSE names it
 *       ({@link Tls13AuthTypeTrustManager}): it rejects Conscrypt's name, and with it every TLS 1.3
 *       handshake;</li>
 *   <li>servers issue session tickets, without which BoringSSL never resumes TLS 1.3, and release
 *       them right after the handshake ({@link HeldTickets}) instead of with their first write;</li>
 *   <li>after an abortive or fatal end a client removes what Conscrypt's cache holds for the peer
 *       ({@link ClientSessionCache}): {@code invalidate()} reaches neither TLS 1.3 tickets nor a
 *       failed engine's TLS 1.2 session; and after a full handshake it removes the other sessions
 *       cached for the peer, which Conscrypt would otherwise offer before the new one;</li>
 *   <li>BoringSSL's error names become alert descriptions ({@code bad_record_mac});</li>
 *   <li>one gap, {@link Capability#HALF_CLOSE_TLS13}: BoringSSL cannot write after the peer's
 *       close_notify.</li>
 * </ul>
 *
 * <p>Priority 20, above JSSE: Conscrypt is the faster stack where its native library loads. When it
 * does not (another platform, JDK 24+ refusing native access), the provider reports itself
 * unavailable with the loader's error and lookup goes on to the others. Conscrypt is never
 * registered with {@code java.security.Security}.
 *
 * <p>On JDK 24 and newer the JVM must allow native access to the class path's unnamed module:
 * {@code --enable-native-access=ALL-UNNAMED} on the command line, or
 * {@code Enable-Native-Access: ALL-UNNAMED} in an executable jar's manifest.
 */
public final class ConscryptShutdownProvider extends EngineShutdownProvider {
    /** The name to ask for: {@code ShutdownProviders.get("conscrypt")}, {@code -Dclosenotify.provider=conscrypt}. */
    public static final String NAME = "conscrypt";
    /** Above JSSE's 0: where both are available, Conscrypt is chosen. */
    public static final int PRIORITY = 20;

    private static final Map<Capability, String> GAPS = Map.of(Capability.HALF_CLOSE_TLS13,
            "BoringSSL, under Conscrypt, has no TLS 1.3 half-close: once the peer's close_notify is read,"
                    + " its engine answers the next write with its own close_notify instead of the data");

    /** For ServiceLoader. Does not touch Conscrypt: a missing stack shows in {@link #availability()}. */
    public ConscryptShutdownProvider() {
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public int priority() {
        return PRIORITY;
    }

    /**
     * {@inheritDoc}
     *
     * <p>Conscrypt: yes. Given heap buffers, its engine copies them to and from native memory on
     * every wrap and unwrap ({@code ConscryptEngine.*DataHeap}, 9 % of the server's samples in
     * the bench's echo profile); a direct buffer goes to BoringSSL as it is.
     */
    @Override
    protected boolean prefersDirectBuffers() {
        return true;
    }

    @Override
    public Availability availability() {
        return Probe.AVAILABILITY;
    }

    /** Probed once per class loader: a native library loads (or fails) once. */
    private static final class Probe {
        static final Availability AVAILABILITY = probe();

        private static Availability probe() {
            try {
                return ConscryptStack.probe();
            } catch (LinkageError e) {
                // Conscrypt's classes are not on the class path at all.
                return Availability.unavailable(e);
            }
        }
    }

    @Override
    public Map<Capability, String> gaps() {
        return GAPS;
    }

    @Override
    protected SSLContext newSslContext(KeyManager[] keyManagers, TrustManager[] trustManagers)
            throws GeneralSecurityException {
        SSLContext ctx = SSLContext.getInstance("TLS", ConscryptStack.provider());
        TrustManager[] tm = new TrustManager[trustManagers.length];
        for (int i = 0; i < tm.length; i++) {
            tm[i] = trustManagers[i] instanceof X509ExtendedTrustManager x && !ConscryptStack.isConscrypt(x)
                    ? new Tls13AuthTypeTrustManager(x) : trustManagers[i];
        }
        ctx.init(keyManagers.length == 0 ? null : keyManagers, tm.length == 0 ? null : tm, null);
        return ctx;
    }

    /**
     * {@inheritDoc}
     *
     * <p>Conscrypt's messages carry BoringSSL's error names: a received alert is
     * {@code SSLV3_ALERT_BAD_RECORD_MAC} or {@code TLSV1_ALERT_DECODE_ERROR}, the RFC's name in
     * upper case after the prefix. A record that fails to decrypt here is {@code BAD_DECRYPT} or
     * {@code DECRYPTION_FAILED_OR_BAD_RECORD_MAC}, answered with {@code bad_record_mac}.
     */
    @Override
    protected Optional<String> alertDescription(SSLException failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            String m = t.getMessage();
            if (m == null) {
                continue;
            }
            Matcher alert = BORINGSSL_ALERT.matcher(m);
            if (alert.find()) {
                return Optional.of(alert.group(1).toLowerCase(Locale.ROOT));
            }
            if (BORINGSSL_BAD_RECORD.matcher(m).find()) {
                return Optional.of("bad_record_mac");
            }
        }
        return super.alertDescription(failure);
    }

    /**
     * {@inheritDoc}
     *
     * <p>BoringSSL names a received alert {@code SSLV3_ALERT_X} or {@code TLSV1_ALERT_X} (its reason
     * codes for an alert read from the peer), and then still has an alert of its own to send, which
     * the core must not.
     */
    @Override
    protected boolean receivedFatalAlert(SSLException failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t.getMessage() != null && BORINGSSL_ALERT.matcher(t.getMessage()).find()) {
                return true;
            }
        }
        return super.receivedFatalAlert(failure);
    }

    private static final Pattern BORINGSSL_ALERT = Pattern.compile("\\b(?:SSLV3|TLSV1)_ALERT_([A-Z_]+)");
    private static final Pattern BORINGSSL_BAD_RECORD =
            Pattern.compile(":(?:BAD_DECRYPT|DECRYPTION_FAILED_OR_BAD_RECORD_MAC)\\b");

    /**
     * {@inheritDoc}
     *
     * <p>On a client, removes every session Conscrypt's cache holds for the engine's peer
     * ({@link ClientSessionCache}): {@code invalidate()} reaches neither TLS 1.3 tickets nor,
     * once the engine failed, a TLS 1.2 session. A server keeps nothing this could reach: TLS 1.3
     * tickets are stateless, and TLS 1.2 sessions live in BoringSSL's own cache, which the core's
     * {@code invalidate()} expires while the engine is alive.
     */
    @Override
    protected void sessionDropped(SSLEngine engine, SSLContext context) {
        if (!engine.getUseClientMode() || !ConscryptStack.isConscrypt(engine) || engine.getPeerHost() == null) {
            return;
        }
        SSLSessionContext cache = context.getClientSessionContext();
        if (cache != null) {
            ClientSessionCache.forget(cache, engine.getPeerHost(), engine.getPeerPort());
        }
    }

    /**
     * {@inheritDoc}
     *
     * <p>Conscrypt's client cache offers the oldest valid session of a host and port first, so a
     * session the server refused (a restarted server, another node behind a balancer) is offered
     * again and again, and the session the full handshake made is never resumed in TLS 1.2 (in TLS
     * 1.3 every stale ticket costs a full handshake before it is used up). Every session the cache
     * holds for the peer but this handshake's own is removed ({@link ClientSessionCache}); in TLS 1.3
     * the new tickets arrive after this, so all the old ones go.
     */
    @Override
    protected void fullClientHandshake(SSLEngine engine, SSLContext context) {
        if (!ConscryptStack.isConscrypt(engine) || engine.getPeerHost() == null) {
            return;
        }
        SSLSessionContext cache = context.getClientSessionContext();
        if (cache != null) {
            ClientSessionCache.forgetAllBut(cache, engine.getPeerHost(), engine.getPeerPort(), engine.getSession().getId());
        }
    }

    /**
     * {@inheritDoc}
     *
     * <p>A TLS 1.3 server's NewSessionTickets, which BoringSSL holds until the first write, are
     * released now ({@link HeldTickets}).
     */
    @Override
    protected boolean releaseAfterHandshake(SSLEngine engine) {
        // In TLS 1.2 the tickets went out in the handshake, and the zero-byte write releases nothing.
        return !engine.getUseClientMode() && ConscryptStack.isConscrypt(engine) && HeldTickets.release(engine);
    }

    @Override
    protected void configureEngine(SSLEngine engine, TlsConfig config) {
        if (config.role() == Role.SERVER && ConscryptStack.isConscrypt(engine)) {
            ConscryptStack.useSessionTickets(engine);
        }
    }
}

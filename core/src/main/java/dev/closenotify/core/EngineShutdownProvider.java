package dev.closenotify.core;

import dev.closenotify.spi.ShutdownProvider;
import dev.closenotify.spi.TlsConfig;
import dev.closenotify.spi.TlsContext;
import java.security.GeneralSecurityException;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSessionContext;
import javax.net.ssl.TrustManager;

/**
 * A {@link ShutdownProvider} whose connections are driven by the closenotify core over the
 * {@link SSLEngine}s of one TLS stack. A bundled provider supplies only the stack's
 * {@link SSLContext} and its quirks; it never re-implements the close protocol.
 */
public abstract class EngineShutdownProvider implements ShutdownProvider {

    /** For subclasses, which need a public no-argument constructor for ServiceLoader. */
    protected EngineShutdownProvider() {
    }

    /**
     * Makes this stack's context, initialised with {@code keyManagers} (empty for none) and
     * {@code trustManagers} (empty for the stack's default trust).
     */
    protected abstract SSLContext newSslContext(KeyManager[] keyManagers, TrustManager[] trustManagers)
            throws GeneralSecurityException;

    /**
     * Applies this stack's quirks to a new engine, after the configuration's parameters were set.
     *
     * @implSpec does nothing.
     */
    protected void configureEngine(SSLEngine engine, TlsConfig config) {
    }

    /**
     * Lets the stack release what it holds back after the handshake, called once on each side right
     * after the handshake completed, while the core still holds both directions: a stack that keeps
     * post-handshake messages until the next application write (BoringSSL keeps a TLS 1.3 server's
     * NewSessionTickets) has them produced here, so that they go out with the handshake, as on JSSE,
     * and not in front of the first application record or the close_notify. The core then wraps
     * until the engine produces nothing more, and flushes.
     *
     * @return whether the engine may now have records to wrap
     * @implSpec does nothing and returns {@code false}.
     * @since 0.1
     */
    protected boolean releaseAfterHandshake(SSLEngine engine) {
        return false;
    }

    /**
     * Whether this stack's engines work best on direct buffers: then the core's staging buffers
     * on the buffer transport are direct (pooled, since {@code allocateDirect} is expensive). A
     * stack that copies every heap buffer to and from native memory on each {@code wrap} and
     * {@code unwrap} (Conscrypt) saves that copy. On the blocking socket transport the buffers stay
     * on the heap, as the socket's streams want arrays.
     *
     * @implSpec returns {@code false}: heap buffers, which JSSE-like stacks read and write directly.
     * @since 0.1
     */
    protected boolean prefersDirectBuffers() {
        return false;
    }

    /**
     * Told that a client's handshake was full, right after it completed: the server either got no
     * session to resume or did not know the one offered (it was restarted, or is another node behind
     * the same address). A stack whose client cache keeps offering such a session, instead of the
     * one this handshake made, forgets the stale ones of the peer here, so that the next connection
     * resumes (the TCK's {@code aRefusedSessionIsReplacedByTheNewOne}). Runs once per full client
     * handshake, on the handshaking thread, before any application data is read.
     *
     * @implSpec does nothing: JSSE's and BC's client caches offer the newest session.
     * @since 0.1
     */
    protected void fullClientHandshake(SSLEngine engine, SSLContext context) {
    }

    /**
     * Removes from {@code context}'s session caches whatever the stack keeps of {@code engine}'s
     * session where {@link SSLSession#invalidate()} does not reach it. The core calls this after
     * it invalidated the session of a connection that must not be resumed (SEMANTICS.md §4: ended
     * without SENT, or by a fatal error), and again if a handshake still finishing on another thread
     * completes afterwards; so it may run more than once per connection. The engine may be closed.
     *
     * <p>A stack needs this when it caches sessions that {@code invalidate()} on the connection's
     * session does not touch: TLS 1.3 tickets are separate sessions on most stacks, and an engine
     * that freed its native state on a fatal error may ignore {@code invalidate()} altogether. The
     * TCK proves the drop by a full handshake on the next connection, never by
     * {@code isValid()}.
     *
     * @implSpec does nothing: the core's {@code invalidate()} is all a JSSE-like stack needs.
     * @since 0.1
     */
    protected void sessionDropped(SSLEngine engine, SSLContext context) {
    }

    /**
     * The TLS alert description behind an engine failure, where the stack exposes it.
     *
     * @implSpec recognises JSSE-style messages: {@code Received fatal alert: bad_record_mac}, and a
     *     description in parentheses, {@code (bad_record_mac) ...}.
     */
    protected Optional<String> alertDescription(SSLException failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            String m = t.getMessage();
            if (m == null) {
                continue;
            }
            Matcher received = RECEIVED_ALERT.matcher(m);
            if (received.find()) {
                return Optional.of(received.group(1));
            }
            Matcher described = DESCRIBED_ALERT.matcher(m);
            if (described.find()) {
                return Optional.of(described.group(1));
            }
        }
        return Optional.empty();
    }

    /**
     * Whether an engine failure is the peer's fatal alert, received: then the core sends nothing
     * more (RFC 8446 §6.2, RFC 5246 §7.2.2: the connection is closed without an answer), even if the
     * engine has an alert of its own to wrap.
     *
     * @implSpec recognises JSSE-style messages: {@code Received fatal alert: bad_record_mac}.
     * @since 0.1
     */
    protected boolean receivedFatalAlert(SSLException failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t.getMessage() != null && RECEIVED_ALERT.matcher(t.getMessage()).find()) {
                return true;
            }
        }
        return false;
    }

    private static final Pattern RECEIVED_ALERT = Pattern.compile("[Rr]eceived fatal alert: ([a-z_]+)");
    private static final Pattern DESCRIBED_ALERT = Pattern.compile("^\\(([a-z_]+)\\)");

    /**
     * {@inheritDoc}
     *
     * <p>Takes the configuration's ready {@code SSLContext} as it is, or makes one of this stack
     * with the configuration's managers and session cache settings.
     */
    @Override
    public final TlsContext newContext(TlsConfig config) {
        Objects.requireNonNull(config, "config");
        availability().cause().ifPresent(cause -> {
            throw new IllegalStateException("provider " + name() + " is not available: " + cause, cause);
        });
        SSLContext ctx = config.sslContext().orElseGet(() -> ownContext(config));
        return new EngineTlsContext(this, config, ctx);
    }

    private SSLContext ownContext(TlsConfig config) {
        KeyManager[] km = config.keyManager().map(k -> new KeyManager[] {k}).orElse(new KeyManager[0]);
        TrustManager[] tm = config.trustManager().map(t -> new TrustManager[] {t}).orElse(new TrustManager[0]);
        SSLContext ctx;
        try {
            ctx = newSslContext(km, tm);
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException(name() + " cannot make a TLS context from this configuration: " + e, e);
        }
        int timeout = (int) Math.min(Integer.MAX_VALUE, config.sessionTimeout().toSeconds());
        for (SSLSessionContext sc : new SSLSessionContext[] {ctx.getClientSessionContext(), ctx.getServerSessionContext()}) {
            if (sc != null) {
                sc.setSessionCacheSize(config.sessionCacheSize());
                sc.setSessionTimeout(timeout);
            }
        }
        return ctx;
    }
}

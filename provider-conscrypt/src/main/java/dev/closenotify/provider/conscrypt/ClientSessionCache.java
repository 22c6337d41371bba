package dev.closenotify.provider.conscrypt;

import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.lang.reflect.Field;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.net.ssl.SSLSessionContext;

/**
 * Removes sessions from a Conscrypt client session cache ({@code org.conscrypt.ClientSessionContext}),
 * which Conscrypt offers no public way to do. It is needed because {@code invalidate()} does not
 * reach what the cache holds of a failed connection (measured, see the provider's tests):
 * <ul>
 *   <li>TLS 1.3: the sessions a client resumes are the ones its NewSessionTickets made, each a
 *       separate native session; {@code invalidate()} on the connection's session expires only the
 *       handshake's own, which is never offered again;</li>
 *   <li>TLS 1.2: once the engine failed (a bad record, a fatal alert) it has freed its native
 *       state, and {@code invalidate()} is silently ignored.</li>
 * </ul>
 * The cache's own view of a session ({@code getSession(id)}) throws on {@code invalidate()}, and a
 * plugged-in {@code SSLClientSessionCache} is consulted only after the in-memory map and never sees
 * TLS 1.3 sessions, so neither helps. What is left is the cache's package-private removal, reached
 * by reflection; Conscrypt's classes sit on the class path (or are an automatic module), so they
 * are open to it.
 *
 * <p>It is also needed after a full handshake: the cache offers the oldest valid session of a host
 * and port first, so a session the server refused would be offered forever ({@link #forgetAllBut}).
 *
 * <p>A ticket cannot be traced to the connection that received it, so every session the cache
 * holds for the peer's host and port is removed: a client never resumes a session of a failed
 * connection, at the price of one full handshake to that peer more than strictly needed.
 */
final class ClientSessionCache {
    private static final Logger LOG = System.getLogger(ClientSessionCache.class.getName());
    private static final AtomicBoolean WARNED = new AtomicBoolean();

    private ClientSessionCache() {
    }

    /** The cache's internals, or why they cannot be reached. */
    private record Access(Field byHostAndPort, Method remove, Method peerHost, Method peerPort, Method id) {
        static final Object RESULT = find();

        private static Object find() {
            try {
                ClassLoader loader = org.conscrypt.Conscrypt.class.getClassLoader();
                Class<?> client = Class.forName("org.conscrypt.ClientSessionContext", false, loader);
                Class<?> base = Class.forName("org.conscrypt.AbstractSessionContext", false, loader);
                Class<?> session = Class.forName("org.conscrypt.NativeSslSession", false, loader);
                Field byHostAndPort = client.getDeclaredField("sessionsByHostAndPort");
                Method remove = base.getDeclaredMethod("removeSession", session);
                Method peerHost = session.getDeclaredMethod("getPeerHost");
                Method peerPort = session.getDeclaredMethod("getPeerPort");
                Method id = session.getDeclaredMethod("getId");
                byHostAndPort.setAccessible(true);
                remove.setAccessible(true);
                peerHost.setAccessible(true);
                peerPort.setAccessible(true);
                id.setAccessible(true);
                return new Access(byHostAndPort, remove, peerHost, peerPort, id);
            } catch (ReflectiveOperationException | RuntimeException e) {
                return e;
            }
        }
    }

    /** Why sessions cannot be removed here, if they cannot (another Conscrypt version, a closed module). */
    static Optional<Throwable> unusable() {
        return Access.RESULT instanceof Throwable t ? Optional.of(t) : Optional.empty();
    }

    /**
     * Removes every session {@code cache} holds for {@code host}:{@code port}; the number removed.
     * A cache that is not Conscrypt's client cache is left alone.
     */
    static int forget(SSLSessionContext cache, String host, int port) {
        return forgetAllBut(cache, host, port, new byte[0]);
    }

    /**
     * Removes every session {@code cache} holds for {@code host}:{@code port} but the one whose id
     * is {@code keep} (none when it is empty: TLS 1.3 sessions have empty ids); the number removed.
     */
    static int forgetAllBut(SSLSessionContext cache, String host, int port, byte[] keep) {
        if (!(Access.RESULT instanceof Access a) || !a.byHostAndPort().getDeclaringClass().isInstance(cache)) {
            // Once: a full handshake asks on every connection.
            unusable().filter(t -> !WARNED.getAndSet(true)).ifPresent(t -> LOG.log(Level.WARNING,
                    "closenotify: cannot drop sessions from Conscrypt's client cache (a failed connection's"
                    + " session may be resumed, a refused one offered again): " + t));
            return 0;
        }
        try {
            Map<?, ?> byHostAndPort = (Map<?, ?>) a.byHostAndPort().get(cache);
            List<Object> all = new ArrayList<>();
            // Conscrypt guards the map with its own monitor; no I/O happens under it.
            synchronized (byHostAndPort) {
                for (Object list : byHostAndPort.values()) {
                    all.addAll((Collection<?>) list);
                }
            }
            int removed = 0;
            for (Object s : all) {
                if (host.equals(a.peerHost().invoke(s)) && port == (int) a.peerPort().invoke(s)
                        && (keep.length == 0 || !Arrays.equals(keep, (byte[]) a.id().invoke(s)))) {
                    a.remove().invoke(cache, s);
                    removed++;
                }
            }
            return removed;
        } catch (IllegalAccessException | InvocationTargetException | RuntimeException e) {
            LOG.log(Level.WARNING, "closenotify: dropping sessions from Conscrypt's client cache failed", e);
            return 0;
        }
    }
}

package dev.closenotify.provider.conscrypt;

import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.lang.reflect.Field;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.nio.ByteBuffer;
import java.util.Optional;
import javax.net.ssl.SSLEngine;

/**
 * Makes a Conscrypt server engine produce the TLS 1.3 NewSessionTickets that BoringSSL holds back
 * until the server's first write. BoringSSL defers them on TCP on purpose and documents the way
 * out: "Consumers which don't write data to the client will need to do a zero-byte write if they
 * wish to flush the tickets" (ssl/tls13_server.cc). Conscrypt's {@code wrap()} never writes zero
 * bytes, so the zero-byte {@code SSL_write} is made through the engine's private
 * {@code writePlaintextData}, under the engine's own lock; the next {@code wrap()} then hands the
 * tickets out (measured: 386 bytes, two tickets in one record, then a 1-byte write is one
 * 23-byte record of its own). Without it the tickets leave in front of the first application
 * record or the close_notify, and a server that never writes makes a client that closes first
 * miss them.
 */
final class HeldTickets {
    private static final Logger LOG = System.getLogger(HeldTickets.class.getName());
    private static final ByteBuffer NOTHING = ByteBuffer.allocateDirect(0);

    private HeldTickets() {
    }

    private record Access(Field delegate, Field stateLock, Method write) {
        static final Object RESULT = find();

        private static Object find() {
            try {
                ClassLoader loader = org.conscrypt.Conscrypt.class.getClassLoader();
                Class<?> engine = Class.forName("org.conscrypt.ConscryptEngine", false, loader);
                Class<?> wrapper = Class.forName("org.conscrypt.Java8EngineWrapper", false, loader);
                Field delegate = wrapper.getDeclaredField("delegate");
                Field stateLock = engine.getDeclaredField("stateLock");
                Method write = engine.getDeclaredMethod("writePlaintextData", ByteBuffer.class, int.class);
                delegate.setAccessible(true);
                stateLock.setAccessible(true);
                write.setAccessible(true);
                return new Access(delegate, stateLock, write);
            } catch (ReflectiveOperationException | RuntimeException e) {
                LOG.log(Level.DEBUG, () -> "closenotify: Conscrypt's TLS 1.3 tickets will leave with the first write: " + e);
                return e;
            }
        }
    }

    /** Why the tickets cannot be released here, if they cannot (another Conscrypt version). */
    static Optional<Throwable> unusable() {
        return Access.RESULT instanceof Throwable t ? Optional.of(t) : Optional.empty();
    }

    /** The zero-byte write; true when it was made and the engine may have tickets to wrap. */
    static boolean release(SSLEngine engine) {
        if (!(Access.RESULT instanceof Access a)) {
            return false;
        }
        try {
            Object conscrypt = a.delegate().getDeclaringClass().isInstance(engine) ? a.delegate().get(engine) : engine;
            if (!a.write().getDeclaringClass().isInstance(conscrypt)) {
                return false;
            }
            Object lock = a.stateLock().get(conscrypt);
            // Conscrypt's own monitor around its own call, as its wrap() takes it; no I/O under it.
            synchronized (lock) {
                a.write().invoke(conscrypt, NOTHING.duplicate(), 0);
            }
            return true;
        } catch (IllegalAccessException | InvocationTargetException | RuntimeException e) {
            LOG.log(Level.DEBUG, () -> "closenotify: releasing Conscrypt's TLS 1.3 tickets failed: " + e);
            return false;
        }
    }
}

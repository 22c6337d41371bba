package dev.closenotify.tck.selftest;

import static dev.closenotify.spi.ShutdownFlag.RECEIVED;
import static dev.closenotify.spi.ShutdownFlag.SENT;

import dev.closenotify.spi.ConnectionPolicy;
import dev.closenotify.spi.ShutdownProvider;
import dev.closenotify.spi.ShutdownResult;
import dev.closenotify.spi.TlsBufferConnection;
import dev.closenotify.spi.TlsConnection;
import dev.closenotify.spi.TlsException;
import dev.closenotify.spi.TlsSocketConnection;
import java.time.Duration;

/**
 * Broken: {@code shutdown()} never puts a close_notify on the wire. Its first step after the
 * handshake does not reach the real connection's {@code shutdown()}: it only sets {@code SENT}
 * (as {@code addFlags(SENT)} would) and answers {@code SENT} — or {@code COMPLETE} when the peer's
 * close_notify is already in — so the flags and results look right while the peer never hears of
 * the close. Later calls go to the real connection, which then waits for the peer as usual.
 * Quiet shutdown, which sends nothing by contract, is left alone.
 */
final class NeverSendsCloseNotify extends DelegatingProvider {
    static final String NAME = "never-sends-close-notify";

    NeverSendsCloseNotify(ShutdownProvider delegate) {
        super(NAME, delegate);
    }

    /** The distortion: the first step pretends; {@code null} means "not the first step, ask the real one". */
    private static ShutdownResult pretend(TlsConnection c, ConnectionPolicy policy) {
        if (policy.quietShutdown() || c.session().isEmpty() || c.outcome().isPresent() || c.flags().contains(SENT)) {
            return null; // quiet (sends nothing anyway), before the handshake, after the end, already SENT
        }
        c.addFlags(SENT); // the flag, without the alert
        return c.flags().contains(RECEIVED) ? ShutdownResult.COMPLETE : ShutdownResult.SENT;
    }

    @Override
    TlsSocketConnection wrap(TlsSocketConnection c, ConnectionPolicy policy) {
        return new DelegatingSocketConnection(NAME, c) {
            @Override
            public ShutdownResult shutdown() throws TlsException {
                ShutdownResult r = pretend(delegate, policy);
                return r != null ? r : delegate.shutdown();
            }

            @Override
            public ShutdownResult shutdown(Duration timeout) throws TlsException {
                pretend(delegate, policy);
                return delegate.shutdown(timeout);
            }
        };
    }

    @Override
    TlsBufferConnection wrap(TlsBufferConnection c, ConnectionPolicy policy) {
        return new DelegatingBufferConnection(NAME, c) {
            @Override
            public ShutdownResult shutdown() throws TlsException {
                ShutdownResult r = pretend(delegate, policy);
                return r != null ? r : delegate.shutdown();
            }
        };
    }
}

package dev.closenotify.tck.selftest;

import static dev.closenotify.spi.ShutdownFlag.RECEIVED;

import dev.closenotify.spi.ConnectionPolicy;
import dev.closenotify.spi.ShutdownProvider;
import dev.closenotify.spi.ShutdownResult;
import dev.closenotify.spi.TlsBufferConnection;
import dev.closenotify.spi.TlsConnection;
import dev.closenotify.spi.TlsException;
import dev.closenotify.spi.TlsSocketConnection;
import java.time.Duration;

/**
 * Broken: once {@code shutdown()} has returned {@code SENT}, the next call returns {@code COMPLETE}
 * at once, without waiting for (or having seen) the peer's close_notify. The close_notify itself
 * goes out as it should: the first step is the real one.
 */
final class CompleteTooEarly extends DelegatingProvider {
    static final String NAME = "complete-too-early";

    CompleteTooEarly(ShutdownProvider delegate) {
        super(NAME, delegate);
    }

    /** Whether to cut the wait short: our close_notify went out, the peer's has not come in. */
    private static boolean tooEarly(boolean sentReturned, TlsConnection c) {
        return sentReturned && !c.flags().contains(RECEIVED) && c.outcome().isEmpty();
    }

    @Override
    TlsSocketConnection wrap(TlsSocketConnection c, ConnectionPolicy policy) {
        return new DelegatingSocketConnection(NAME, c) {
            private volatile boolean sentReturned;

            @Override
            public ShutdownResult shutdown() throws TlsException {
                if (tooEarly(sentReturned, delegate)) {
                    return ShutdownResult.COMPLETE;
                }
                ShutdownResult r = delegate.shutdown();
                sentReturned |= r == ShutdownResult.SENT;
                return r;
            }

            @Override
            public ShutdownResult shutdown(Duration timeout) throws TlsException {
                if (!sentReturned && !delegate.flags().contains(RECEIVED)) {
                    sentReturned = shutdown() == ShutdownResult.SENT; // the real first step
                }
                return tooEarly(sentReturned, delegate) ? ShutdownResult.COMPLETE : delegate.shutdown(timeout);
            }
        };
    }

    @Override
    TlsBufferConnection wrap(TlsBufferConnection c, ConnectionPolicy policy) {
        return new DelegatingBufferConnection(NAME, c) {
            private boolean sentReturned;

            @Override
            public ShutdownResult shutdown() throws TlsException {
                if (tooEarly(sentReturned, delegate)) {
                    return ShutdownResult.COMPLETE;
                }
                ShutdownResult r = delegate.shutdown();
                sentReturned |= r == ShutdownResult.SENT;
                return r;
            }
        };
    }
}

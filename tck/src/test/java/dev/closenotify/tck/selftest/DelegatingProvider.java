package dev.closenotify.tck.selftest;

import dev.closenotify.spi.Availability;
import dev.closenotify.spi.Capability;
import dev.closenotify.spi.ConnectionPolicy;
import dev.closenotify.spi.ShutdownProvider;
import dev.closenotify.spi.TlsBufferConnection;
import dev.closenotify.spi.TlsConfig;
import dev.closenotify.spi.TlsContext;
import dev.closenotify.spi.TlsSocketConnection;
import java.util.Map;
import java.util.Objects;

/**
 * A provider that is another provider under its own name: its contexts and connections delegate
 * everything. A broken provider overrides one thing: {@link #gaps()}, or one connection method
 * through the {@code wrap} methods.
 */
class DelegatingProvider implements ShutdownProvider {
    private final String name;
    final ShutdownProvider delegate;

    DelegatingProvider(String name, ShutdownProvider delegate) {
        this.name = Objects.requireNonNull(name, "name");
        this.delegate = Objects.requireNonNull(delegate, "delegate");
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public Availability availability() {
        return delegate.availability();
    }

    @Override
    public Map<Capability, String> gaps() {
        return delegate.gaps();
    }

    @Override
    public int priority() {
        return delegate.priority();
    }

    @Override
    public TlsContext newContext(TlsConfig config) {
        return new DelegatingContext(this, delegate.newContext(config));
    }

    /**
     * The connection this provider hands out for {@code c}, opened with {@code policy}; by default
     * {@code c} under this provider's name.
     */
    TlsSocketConnection wrap(TlsSocketConnection c, ConnectionPolicy policy) {
        return new DelegatingSocketConnection(name, c);
    }

    /** As {@link #wrap(TlsSocketConnection, ConnectionPolicy)}, for a buffer connection. */
    TlsBufferConnection wrap(TlsBufferConnection c, ConnectionPolicy policy) {
        return new DelegatingBufferConnection(name, c);
    }

    @Override
    public String toString() {
        return name + " (over " + delegate.name() + ")";
    }
}

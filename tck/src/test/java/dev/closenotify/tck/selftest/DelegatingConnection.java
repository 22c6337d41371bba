package dev.closenotify.tck.selftest;

import dev.closenotify.spi.CloseOutcome;
import dev.closenotify.spi.Role;
import dev.closenotify.spi.SessionFacts;
import dev.closenotify.spi.ShutdownFlag;
import dev.closenotify.spi.TlsConnection;
import java.nio.ByteBuffer;
import java.util.Optional;
import java.util.Set;

/** What both delegating connections pass through unchanged, under another provider's name. */
abstract class DelegatingConnection<C extends TlsConnection> implements TlsConnection {
    private final String providerName;
    final C delegate;

    DelegatingConnection(String providerName, C delegate) {
        this.providerName = providerName;
        this.delegate = delegate;
    }

    @Override
    public Role role() {
        return delegate.role();
    }

    @Override
    public String providerName() {
        return providerName;
    }

    @Override
    public Set<ShutdownFlag> flags() {
        return delegate.flags();
    }

    @Override
    public void addFlags(ShutdownFlag... flags) {
        delegate.addFlags(flags);
    }

    @Override
    public Optional<SessionFacts> session() {
        return delegate.session();
    }

    @Override
    public Optional<CloseOutcome> outcome() {
        return delegate.outcome();
    }

    @Override
    public long bytesIn() {
        return delegate.bytesIn();
    }

    @Override
    public long bytesOut() {
        return delegate.bytesOut();
    }

    @Override
    public ByteBuffer leftover() {
        return delegate.leftover();
    }

    @Override
    public void close() {
        delegate.close();
    }

    @Override
    public String toString() {
        return providerName + " " + delegate;
    }
}

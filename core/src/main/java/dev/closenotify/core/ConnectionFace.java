package dev.closenotify.core;

import dev.closenotify.spi.CloseOutcome;
import dev.closenotify.spi.Role;
import dev.closenotify.spi.SessionFacts;
import dev.closenotify.spi.ShutdownFlag;
import dev.closenotify.spi.TlsConnection;
import java.nio.ByteBuffer;
import java.util.Optional;
import java.util.Set;

/** What both transports' faces of an {@link EngineConnection} answer the same way. */
abstract class ConnectionFace implements TlsConnection {
    final EngineConnection c;

    ConnectionFace(EngineConnection c) {
        this.c = c;
    }

    @Override
    public Role role() {
        return c.role();
    }

    @Override
    public String providerName() {
        return c.providerName();
    }

    @Override
    public Set<ShutdownFlag> flags() {
        return c.flags();
    }

    @Override
    public void addFlags(ShutdownFlag... flags) {
        c.addFlags(flags);
    }

    @Override
    public Optional<SessionFacts> session() {
        return c.session();
    }

    @Override
    public Optional<CloseOutcome> outcome() {
        return c.outcome();
    }

    @Override
    public long bytesIn() {
        return c.bytesIn();
    }

    @Override
    public long bytesOut() {
        return c.bytesOut();
    }

    @Override
    public ByteBuffer leftover() {
        return c.leftover();
    }

    @Override
    public void close() {
        c.close();
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "[" + c.providerName() + " " + c.role() + " " + c.flags() + "]";
    }
}

package dev.closenotify.core;

import dev.closenotify.spi.Capability;
import dev.closenotify.spi.CloseOutcome;
import dev.closenotify.spi.CloseReason;
import dev.closenotify.spi.ConnectionPolicy;
import dev.closenotify.spi.Role;
import dev.closenotify.spi.SessionFacts;
import dev.closenotify.spi.ShutdownFlag;
import dev.closenotify.spi.ShutdownResult;
import dev.closenotify.spi.TlsException;
import dev.closenotify.spi.TlsException.Kind;
import java.io.IOException;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.locks.ReentrantLock;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;
import javax.net.ssl.SSLEngineResult.Status;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSession;

/**
 * SEMANTICS.md implemented once, over any {@link SSLEngine}: the core moves every record itself, so
 * it alone decides when a close_notify goes on the wire, sees the peer's, detects truncation (raw
 * EOF while the engine's inbound is open), never feeds the engine a byte past the peer's
 * close_notify, enforces the session rule and observes resumption on the wire.
 *
 * <p>Buffers: {@code netIn}, {@code appIn} and {@code netOut} are taken from a shared
 * {@link BufferPool} when bytes must wait in them and given back as soon as they are empty
 * ({@code null} then), so an idle connection holds none of them.
 *
 * <p>Locks: {@code readLock} guards the inbound side ({@code netIn}, {@code appIn}),
 * {@code writeLock} the outbound side ({@code netOut}); when both are needed, {@code readLock} is
 * taken first. {@code stateLock} guards the ending (failure, outcome, session) and is never held
 * across I/O. No {@code synchronized} anywhere: virtual threads must never pin on a blocked read.
 *
 * <p>Per connection, an idle one holds as little as it can (the idle-memory row of the bench):
 * {@code stateLock} is made at the first ending, the handshake observer is dropped once it has
 * decided, and the byte counters are plain fields, written under the lock of their side.
 */
final class EngineConnection {
    private static final Logger LOG = System.getLogger("dev.closenotify.core");
    private static final ByteBuffer EMPTY = ByteBuffer.allocate(0);
    /** See waitBuffer: a small TLS record's worth (an alert, a close_notify, a short message). */
    private static final int WAIT_BUFFER = 64;

    /** What one non-blocking step achieved; the blocking transport only ever sees DONE. */
    enum Step { DONE, WANT_READ, WANT_WRITE }

    /** What feeding the engine one record did. */
    private enum Unwrapped { DATA, AGAIN, NEED_BYTES, CLOSE_NOTIFY }

    private final EngineShutdownProvider provider;
    /** The context the engine came from: its session caches are where a dropped session may still be. */
    private final SSLContext sslContext;
    private final SSLEngine engine;
    private final Role role;
    private final ConnectionPolicy policy;
    private final Wire wire;
    /** The wire when it is the caller's buffer pair, whose buffers records may go to and come from directly. */
    private final BufferWire pair;

    private final ReentrantLock readLock = new ReentrantLock();
    private final ReentrantLock writeLock = new ReentrantLock();
    /** Made by the first ending (see {@link #stateLock()}): a connection that has not ended needs none. */
    private volatile ReentrantLock stateLock;

    /** Where the staging buffers come from and go back to. */
    private final BufferPool pool;
    // Guarded by readLock; null when empty. netIn is in fill mode (bytes in [0, position)), appIn in read mode.
    private ByteBuffer netIn;
    private ByteBuffer appIn;
    // Guarded by writeLock; null when empty; fill mode.
    private ByteBuffer netOut;
    /** The sizes the engine asked for when it was made; appInSize grows after an overflow. Guarded as the buffers. */
    private final int netInSize;
    private int appInSize;
    private final int netOutSize;
    /** Where the last wrap wrote ({@code netOut} or the caller's outbound) and from which position. Guarded by writeLock. */
    private ByteBuffer wrappedInto;
    private int wrappedAt;
    /**
     * Where a blocking read waits for the peer when nothing is staged: a few bytes, so that an idle
     * connection on a socket holds no staging buffer either. Null on the buffer pair. Guarded by readLock.
     */
    private final ByteBuffer waitBuffer;
    /** Bytes all wraps produced so far. Guarded by writeLock. */
    private long wrapProduced;
    private boolean handshakeBegun;
    /** The close_notify an engine produced in place of data (see write()); sent by shutdown(). */
    private ByteBuffer heldCloseNotify;
    /**
     * Our close_notify is produced but not all handed to the transport yet (buffer pair). Written
     * under writeLock, read without it by shutdown()'s fast path.
     */
    private volatile boolean closeNotifyUnflushed;
    /**
     * Client: fed under readLock; server: under writeLock; during the handshake both are held, and
     * only then is it dropped (null), once it has decided.
     */
    private HandshakeObserver observer = new HandshakeObserver();

    private volatile boolean handshakeDone;
    private volatile boolean sent;
    private volatile boolean received;
    /** A real close_notify went out / came in (not quiet, not flags set by hand, not an ignored EOF). */
    private volatile boolean closeNotifySent;
    private volatile boolean closeNotifyReceived;
    private volatile boolean quiet;
    private volatile boolean eofIgnored;
    /** Set once, by close() (CAS through CLOSED). */
    private volatile boolean closed;
    private volatile TlsException failure;
    private volatile CloseOutcome outcome;
    private volatile boolean sessionDropped;
    private volatile SessionFacts facts;
    /**
     * Bytes taken from and handed to the transport. Written only under readLock (bytesIn) and
     * writeLock (bytesOut), so a plain add is safe; a release store, so that another thread's
     * acquire read sees a recent count without a locked instruction per record.
     */
    private long bytesIn;
    private long bytesOut;

    private static final VarHandle CLOSED;
    private static final VarHandle STATE_LOCK;
    private static final VarHandle BYTES_IN;
    private static final VarHandle BYTES_OUT;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            CLOSED = l.findVarHandle(EngineConnection.class, "closed", boolean.class);
            STATE_LOCK = l.findVarHandle(EngineConnection.class, "stateLock", ReentrantLock.class);
            BYTES_IN = l.findVarHandle(EngineConnection.class, "bytesIn", long.class);
            BYTES_OUT = l.findVarHandle(EngineConnection.class, "bytesOut", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    EngineConnection(EngineShutdownProvider provider, SSLContext sslContext, SSLEngine engine, Role role,
                     ConnectionPolicy policy, Wire wire) {
        this.provider = provider;
        this.sslContext = sslContext;
        this.engine = engine;
        this.role = role;
        this.policy = policy;
        this.wire = wire;
        this.pair = wire instanceof BufferWire b ? b : null;
        // Direct only where the engine wants it and the wire can take it (SocketWire moves arrays).
        this.pool = provider.prefersDirectBuffers() && !wire.blocking() ? BufferPool.DIRECT : BufferPool.HEAP;
        SSLSession s = engine.getSession();
        this.netInSize = Math.max(s.getPacketBufferSize(), Records.MAX_RECORD);
        this.appInSize = s.getApplicationBufferSize();
        this.netOutSize = s.getPacketBufferSize();
        this.waitBuffer = wire.blocking() ? ByteBuffer.allocate(WAIT_BUFFER) : null;
    }

    Role role() {
        return role;
    }

    String providerName() {
        return provider.name();
    }

    ConnectionPolicy policy() {
        return policy;
    }

    Wire wire() {
        return wire;
    }

    boolean handshakeDone() {
        return handshakeDone;
    }

    boolean isClosed() {
        return closed;
    }

    Optional<SessionFacts> session() {
        return Optional.ofNullable(facts);
    }

    Optional<CloseOutcome> outcome() {
        return Optional.ofNullable(outcome);
    }

    long bytesIn() {
        return (long) BYTES_IN.getAcquire(this);
    }

    long bytesOut() {
        return (long) BYTES_OUT.getAcquire(this);
    }

    /** Counts bytes taken from the transport. Needs readLock. */
    private void countIn(long n) {
        BYTES_IN.setRelease(this, bytesIn + n);
    }

    /** Counts bytes handed to the transport (negative: taken back). Needs writeLock. */
    private void countOut(long n) {
        BYTES_OUT.setRelease(this, bytesOut + n);
    }

    /** The lock of the ending, made by the first thread that needs it. */
    private ReentrantLock stateLock() {
        ReentrantLock l = stateLock;
        if (l == null) {
            ReentrantLock made = new ReentrantLock();
            ReentrantLock seen = (ReentrantLock) STATE_LOCK.compareAndExchange(this, null, made);
            l = seen == null ? made : seen;
        }
        return l;
    }

    Set<ShutdownFlag> flags() {
        EnumSet<ShutdownFlag> f = EnumSet.noneOf(ShutdownFlag.class);
        if (sent) {
            f.add(ShutdownFlag.SENT);
        }
        if (received) {
            f.add(ShutdownFlag.RECEIVED);
        }
        return Set.copyOf(f);
    }

    void addFlags(ShutdownFlag... add) {
        for (ShutdownFlag f : add) {
            switch (f) {
                case SENT -> sent = true;
                case RECEIVED -> received = true;
            }
        }
    }

    // ------------------------------------------------------------------ handshake

    Step handshake(long deadline) throws TlsException {
        if (handshakeDone) {
            return Step.DONE;
        }
        lock(readLock, deadline, "the handshake");
        try {
            lock(writeLock, deadline, "the handshake");
            try {
                return handshakeLocked(deadline);
            } finally {
                writeLock.unlock();
            }
        } finally {
            readLock.unlock();
        }
    }

    private Step handshakeLocked(long deadline) throws TlsException {
        while (true) {
            checkUsable();
            if (handshakeDone) {
                return flush(deadline, "the handshake") ? Step.DONE : Step.WANT_WRITE;
            }
            if (!flush(deadline, "the handshake")) {
                return Step.WANT_WRITE;
            }
            try {
                if (!handshakeBegun) {
                    engine.beginHandshake();
                    handshakeBegun = true;
                }
                HandshakeStatus hs = engine.getHandshakeStatus();
                switch (hs) {
                    case NEED_TASK -> runTasks();
                    case NEED_WRAP -> {
                        SSLEngineResult r = wrap(EMPTY);
                        if (r.getStatus() == Status.CLOSED) {
                            emitAlertLocked(deadline);
                            throw fail(new TlsException(Kind.PROTOCOL,
                                    "the engine closed during the handshake"), CloseReason.FATAL_ALERT, false);
                        }
                    }
                    case NEED_UNWRAP, NEED_UNWRAP_AGAIN -> {
                        Unwrapped u = unwrapOne(deadline);
                        if (u == Unwrapped.CLOSE_NOTIFY) {
                            throw fail(new TlsException(Kind.PROTOCOL,
                                    "the peer sent close_notify during the handshake", "close_notify", null),
                                    CloseReason.FATAL_ALERT, false);
                        }
                        if (u == Unwrapped.NEED_BYTES) {
                            int n = fill(deadline, "the handshake");
                            if (n == 0) {
                                return Step.WANT_READ;
                            }
                            if (n < 0) {
                                throw fail(new TlsException(Kind.TRUNCATED,
                                        "the peer closed the transport during the handshake"),
                                        CloseReason.TRUNCATED, false);
                            }
                        }
                    }
                    case FINISHED, NOT_HANDSHAKING -> {
                        handshakeFinished();
                        if (provider.releaseAfterHandshake(engine)) {
                            wrapPending(); // what the stack released (TLS 1.3 tickets) goes out with the handshake
                        }
                    }
                }
            } catch (SSLException e) {
                throw engineFailure(e, deadline);
            }
        }
    }

    private void handshakeFinished() {
        SSLSession s = engine.getSession();
        String alpn = engine.getApplicationProtocol();
        // The protocol as the ServerHello negotiated it, seen on the wire; the session's word otherwise.
        HandshakeObserver o = observer;
        facts = new SessionFacts(o.protocol().orElse(s.getProtocol()), s.getCipherSuite(), HexFormat.of().formatHex(s.getId()),
                o.resumed(), Optional.ofNullable(alpn).filter(a -> !a.isEmpty()));
        if (o.decided()) {
            observer = null; // both locks are held here: nothing will be fed to it again
        }
        handshakeDone = true;
        if (role == Role.CLIENT && !facts.resumed()) {
            try {
                provider.fullClientHandshake(engine, sslContext);
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, () -> "closenotify: provider " + provider.name()
                        + " failed to forget the stale sessions of its peer after a full handshake", e);
            }
        }
        if (sessionDropped) {
            // Ended while this handshake was finishing on another thread: the stack has just cached
            // the finished session, a different object from the handshake session dropped then.
            dropSession();
        }
        LOG.log(Level.DEBUG, () -> "closenotify: " + role + " handshake done over " + provider.name() + ": " + facts);
    }

    // ------------------------------------------------------------------ reading

    /** Reads application data: bytes copied, -1 at end-of-stream, 0 when the buffer pair needs input. */
    int read(ByteBuffer dst, long deadline) throws TlsException {
        lock(readLock, deadline, "a read");
        try {
            while (true) {
                if (appIn != null) {
                    int n = Math.min(appIn.remaining(), dst.remaining());
                    dst.put(dst.position(), appIn, appIn.position(), n); // absolute: no slice per read
                    dst.position(dst.position() + n);
                    appIn.position(appIn.position() + n);
                    if (!appIn.hasRemaining()) {
                        appIn = release(appIn);
                    }
                    return n;
                }
                checkUsable();
                if (received) {
                    return -1;
                }
                if (readClosedBySend()) {
                    throw readAfterShutdown("read()");
                }
                int before = dst.position();
                if (!dst.hasRemaining() || !advanceInbound(deadline, "a read", dst)) {
                    return 0;
                }
                if (dst.position() > before) {
                    return dst.position() - before; // unwrapped straight into dst
                }
            }
        } finally {
            readLock.unlock();
        }
    }

    /**
     * One step on the inbound side, with readLock held and appIn empty: feeds the engine the next
     * record, or reads more from the transport (raw EOF becomes truncation or, by policy,
     * end-of-stream). False when the buffer pair has nothing to give yet.
     */
    private boolean advanceInbound(long deadline, String during) throws TlsException {
        return advanceInbound(deadline, during, null);
    }

    /** As above; the plaintext may go straight into {@code dst} (null: none) when it has room for a whole record. */
    private boolean advanceInbound(long deadline, String during, ByteBuffer dst) throws TlsException {
        Unwrapped u;
        try {
            u = unwrapOne(deadline, dst);
        } catch (SSLException e) {
            throw engineFailure(e, deadline);
        }
        if (u != Unwrapped.NEED_BYTES) {
            return true;
        }
        int n = fill(deadline, during);
        if (n < 0) {
            onTransportEof();
        }
        return n != 0;
    }

    /** Moves the buffer pair to the caller's other buffers (TlsBufferConnection.useBuffers), with both locks held. */
    void useBuffers(ByteBuffer inbound, ByteBuffer outbound) {
        readLock.lock();
        try {
            writeLock.lock();
            try {
                pair.use(inbound, outbound);
            } finally {
                writeLock.unlock();
            }
        } finally {
            readLock.unlock();
        }
    }

    /** How many staging buffers the connection holds now (0 when idle): for tests. */
    int heldBuffers() {
        readLock.lock();
        try {
            writeLock.lock();
            try {
                return (netIn == null ? 0 : 1) + (appIn == null ? 0 : 1) + (netOut == null ? 0 : 1);
            } finally {
                writeLock.unlock();
            }
        } finally {
            readLock.unlock();
        }
    }

    /** Plaintext already decrypted and not yet read. */
    int available() {
        readLock.lock();
        try {
            return appIn == null ? 0 : appIn.remaining();
        } finally {
            readLock.unlock();
        }
    }

    /**
     * Feeds the engine the next whole record in {@code netIn}, and never more: what follows the
     * peer's close_notify stays in {@code netIn} for {@link #leftover()}. Needs an empty appIn.
     */
    private Unwrapped unwrapOne(long deadline) throws TlsException, SSLException {
        return unwrapOne(deadline, null);
    }

    /**
     * As above, with the plaintext straight into {@code dst} (null: none) when it has room for a
     * whole record's, and the record straight from the caller's inbound when it holds a whole one
     * and nothing is staged: no staging copy then. Either way the record is fed alone.
     */
    private Unwrapped unwrapOne(long deadline, ByteBuffer dst) throws TlsException, SSLException {
        // Shadows the field on purpose: the framing checks below read the record wherever it is.
        ByteBuffer netIn = recordSource();
        if (netIn == null) {
            return Unwrapped.NEED_BYTES;
        }
        int end = netIn.position();
        int len = Records.recordLength(netIn, 0, end);
        if (len < 0) {
            return Unwrapped.NEED_BYTES;
        }
        boolean plausible = Records.plausibleHeader(netIn, 0);
        if (!plausible && handshakeDone) {
            byte[] header = new byte[Records.HEADER];
            netIn.get(0, header);
            throw refuseWithEngineAlert("the peer sent bytes that are not a TLS record (header "
                    + HexFormat.ofDelimiter(" ").formatHex(header) + ")", netIn, deadline);
        }
        if (plausible && len > end) {
            return Unwrapped.NEED_BYTES;
        }
        // During the handshake, garbage is handed to the engine as it is: the engine judges it.
        int feed = plausible ? len : end;
        int type = netIn.get(0) & 0xff;
        if (plausible && handshakeDone && role == Role.SERVER && type == Records.HANDSHAKE
                && "TLSv1.2".equals(facts.protocol())) {
            throw fail(new TlsException(Kind.PROTOCOL, "client-initiated TLS 1.2 renegotiation refused; "
                    + "closenotify never renegotiates, the transport is closed", "no_renegotiation", null),
                    CloseReason.FATAL_ALERT, true);
        }
        if (plausible && role == Role.CLIENT && observer != null && !observer.decided()) {
            observer.record(netIn.duplicate().position(0).limit(len));
        }
        netIn.flip().limit(feed);
        ByteBuffer out = dst != null && dst.remaining() >= appInSize && straight(dst) ? dst : (appIn = pool.take(appInSize));
        SSLEngineResult r;
        try {
            r = engine.unwrap(netIn, out);
        } finally {
            netIn.limit(end);
            netIn.compact();
            if (netIn != this.netIn) {
                countIn(end - netIn.position()); // taken from the caller's inbound, not by fill()
            } else if (netIn.position() == 0) {
                this.netIn = release(netIn);
            }
            if (out != dst) {
                out.flip();
                if (!out.hasRemaining()) {
                    appIn = release(out);
                }
            }
        }
        switch (r.getStatus()) {
            case BUFFER_OVERFLOW -> {
                // Never offer the engine as little room again.
                appInSize = out == dst ? Math.max(appInSize, dst.remaining() + 1)
                        : Math.max(out.capacity() * 2, engine.getSession().getApplicationBufferSize());
                return Unwrapped.AGAIN;
            }
            case BUFFER_UNDERFLOW -> {
                if (!plausible) {
                    // During the handshake: whatever alert the engine queued goes out; none is named,
                    // since the stacks that end here (SunJSSE, BoringSSL) queue none.
                    emitAlert(deadline);
                    throw fail(new TlsException(Kind.PROTOCOL, "the peer sent bytes that are not a TLS record"
                            + " during the handshake"), CloseReason.FATAL_ALERT, false);
                }
                return Unwrapped.NEED_BYTES;
            }
            case CLOSED -> {
                if (r.bytesConsumed() == 0) {
                    if (readClosedBySend()) {
                        // Our close_notify went out while this read was under way (READ_AFTER_SENT gap).
                        throw readAfterShutdown("read()");
                    }
                    // The engine ended its inbound side without the peer's close_notify: nothing more
                    // can be read from it.
                    throw fail(new TlsException(Kind.PROTOCOL, provider.name()
                            + " closed its inbound side without the peer's close_notify"), CloseReason.RESET, false);
                }
                if (!engine.isInboundDone()) {
                    // CLOSED speaks of the engine as a whole: some stacks report it for every unwrap once
                    // our close_notify went out. The inbound side is open, so this was an ordinary record.
                    return afterRecord(r, deadline);
                }
                closeNotifyReceived = true;
                received = true;
                LOG.log(Level.DEBUG, () -> "closenotify: " + role + " received close_notify");
                return Unwrapped.CLOSE_NOTIFY;
            }
            default -> {
                return afterRecord(r, deadline);
            }
        }
    }

    /**
     * The peer sent bytes that are not a TLS record, after the handshake. Some stacks reject such a
     * header without an alert to send (SunJSSE waits for more bytes, BoringSSL throws "Unable to
     * parse TLS packet header"), and an {@code SSLEngine} cannot be told to send an alert of the
     * caller's choosing. So the engine is handed, in place of the bytes, a change_cipher_spec record,
     * which after the handshake every stack must refuse with a fatal alert of its own (RFC 8446 §5:
     * unexpected_message; in TLS 1.2 the record fails authentication: bad_record_mac). That alert goes
     * out once, now, and the hostile bytes are dropped: nothing after them can be trusted.
     */
    private TlsException refuseWithEngineAlert(String why, ByteBuffer source, long deadline) {
        source.clear();
        if (source == netIn) {
            netIn = release(source);
        }
        SSLException refusal = null;
        ByteBuffer scratch = pool.take(appInSize);
        try {
            engine.unwrap(ByteBuffer.wrap(new byte[] {Records.CHANGE_CIPHER_SPEC, 3, 3, 0, 1, 1}), scratch);
        } catch (SSLException e) {
            refusal = e;
        } finally {
            release(scratch.clear()); // the probe is not the peer's data, whatever the engine made of it
        }
        emitAlert(deadline);
        String answer = refusal == null ? "; " + provider.name() + " did not refuse it"
                : "; " + provider.name() + " answered with its fatal alert: " + refusal.getMessage();
        return fail(new TlsException(Kind.PROTOCOL, why + answer,
                refusal == null ? null : provider.alertDescription(refusal).orElse(null), refusal),
                CloseReason.FATAL_ALERT, false);
    }

    /**
     * Where the next record is: the staging buffer when it holds bytes; else the caller's inbound
     * when a whole, plausible record starts it (a partial one or garbage is staged by fill() as
     * before); else null. Needs readLock.
     */
    private ByteBuffer recordSource() {
        if (netIn != null || pair == null || !pair.usable() || !straight(pair.inbound())) {
            return netIn;
        }
        ByteBuffer in = pair.inbound();
        int end = in.position();
        int len = Records.recordLength(in, 0, end);
        return len >= 0 && len <= end && Records.plausibleHeader(in, 0) ? in : null;
    }

    /** After the engine processed an ordinary record: its tasks, any post-handshake reply, what it gave. */
    private Unwrapped afterRecord(SSLEngineResult r, long deadline) throws TlsException, SSLException {
        HandshakeStatus hs = r.getHandshakeStatus();
        if (hs == HandshakeStatus.NEED_TASK) {
            runTasks();
        }
        if (handshakeDone && hs != HandshakeStatus.NOT_HANDSHAKING) {
            servicePostHandshake(deadline);
        }
        return r.bytesProduced() > 0 ? Unwrapped.DATA : Unwrapped.AGAIN;
    }

    /**
     * The engine's handshake status right after {@code r}'s call. An engine reports its status as
     * of the end of the call in the result, so NOT_HANDSHAKING there (no task was run since) is
     * what the engine would say now; asking it costs SunJSSE a lock per record. Anything else is
     * asked again, since tasks may have run since the call (see wrap()).
     */
    private HandshakeStatus afterCall(SSLEngineResult r) {
        HandshakeStatus hs = r.getHandshakeStatus();
        return hs == HandshakeStatus.NOT_HANDSHAKING ? hs : engine.getHandshakeStatus();
    }

    /** After the handshake, the engine may need to answer (TLS 1.3 KeyUpdate, a server's HelloRequest). */
    private void servicePostHandshake(long deadline) throws TlsException, SSLException {
        HandshakeStatus hs = engine.getHandshakeStatus();
        while (hs == HandshakeStatus.NEED_TASK) {
            runTasks();
            hs = engine.getHandshakeStatus();
        }
        if (hs != HandshakeStatus.NEED_WRAP || sent || received) {
            return;
        }
        writeLock.lock();
        try {
            while (engine.getHandshakeStatus() == HandshakeStatus.NEED_WRAP && !sent) {
                SSLEngineResult r = wrap(EMPTY);
                if (r.bytesProduced() == 0 && r.getStatus() != Status.OK) {
                    break;
                }
            }
            flush(deadline, "a post-handshake reply");
        } finally {
            writeLock.unlock();
        }
    }

    /** Reads from the transport into {@code netIn}: bytes read, 0 (buffer pair: nothing yet), -1 at EOF. */
    private int fill(long deadline, String during) throws TlsException {
        if (netIn == null && waitBuffer != null && wire.wouldBlock()) {
            // Wait for the peer without a staging buffer; take one once bytes came.
            int n = readWire(waitBuffer.clear(), deadline, during);
            if (n > 0) {
                netIn = pool.take(netInSize).put(waitBuffer.flip());
            }
            return n;
        }
        if (netIn == null) {
            netIn = pool.take(netInSize);
        } else if (!netIn.hasRemaining()) {
            ByteBuffer full = netIn;
            netIn = ByteBuffer.allocate(full.capacity() * 2).put(full.flip());
            release(full);
        }
        int n = 0;
        try {
            n = readWire(netIn, deadline, during);
            return n;
        } finally {
            if (n <= 0 && netIn.position() == 0) {
                netIn = release(netIn); // nothing came: the buffer pair waits for its caller without it
            }
        }
    }

    /** One read from the transport into {@code dst}, counted; failures and deadlines end the connection. */
    private int readWire(ByteBuffer dst, long deadline, String during) throws TlsException {
        try {
            int n = wire.read(dst, deadline);
            if (n > 0) {
                countIn(n);
            }
            return n;
        } catch (SocketTimeoutException e) {
            throw fail(new TlsException(Kind.TIMEOUT, "deadline expired waiting for the peer during " + during
                    + "; the transport is closed", e), CloseReason.TIMEOUT, true);
        } catch (IOException e) {
            throw transportFailure(e, during);
        }
    }

    /** Raw EOF: end-of-stream if the policy ignores unexpected EOF, else a truncation. */
    private void onTransportEof() throws TlsException {
        boolean partial = netIn != null && netIn.position() > 0;
        if (policy.ignoreUnexpectedEof()) {
            eofIgnored = true;
            received = true;
            LOG.log(Level.DEBUG, () -> "closenotify: " + role + " transport EOF without close_notify"
                    + (partial ? " in the middle of a record" : "") + ", ignored by policy");
            return;
        }
        throw fail(new TlsException(Kind.TRUNCATED, partial
                ? "the transport ended in the middle of a TLS record, without the peer's close_notify: truncated"
                : "the transport ended without the peer's close_notify: truncated (the peer, or something"
                        + " between, closed the connection early)"), CloseReason.TRUNCATED, false);
    }

    /** The bytes after the peer's close_notify, never processed as TLS (SEMANTICS.md §5). */
    ByteBuffer leftover() {
        readLock.lock();
        try {
            if (!closeNotifyReceived || netIn == null || netIn.position() == 0) {
                return EMPTY.asReadOnlyBuffer();
            }
            ByteBuffer out = ByteBuffer.allocate(netIn.position()).put(netIn.flip()).flip();
            netIn = release(netIn);
            return out.asReadOnlyBuffer();
        } finally {
            readLock.unlock();
        }
    }

    // ------------------------------------------------------------------ writing

    /**
     * Encrypts from {@code src}: the number of bytes consumed. On a socket all of it is written; on
     * the buffer pair as much as fits (0 when nothing does).
     */
    int write(ByteBuffer src, long deadline) throws TlsException {
        lock(writeLock, deadline, "a write");
        try {
            checkWritable();
            int consumed = 0;
            while (src.hasRemaining()) {
                if (!flush(deadline, "a write")) {
                    return consumed;
                }
                checkWritable();
                int before = src.position();
                SSLEngineResult r;
                try {
                    r = wrap(src);
                } catch (SSLException e) {
                    throw engineFailure(e, deadline);
                }
                if (r.getStatus() == Status.CLOSED) {
                    // The engine closed its outbound side on its own: the peer's close_notify was
                    // unwrapped (by a reader racing this write, or on a stack without half-close), and
                    // the engine answered with its close_notify instead of our data. That must not reach
                    // the peer behind the application's back, but the engine will not produce it again:
                    // keep it for shutdown().
                    ByteBuffer into = wrappedInto;
                    int at = wrappedAt;
                    if (r.bytesConsumed() == 0 && into.position() > at) {
                        heldCloseNotify = ByteBuffer.allocate(into.position() - at)
                                .put(into.duplicate().position(at).limit(into.position())).flip();
                    }
                    if (into != netOut) {
                        countOut(at - into.position()); // counted by wrap(), taken back
                    }
                    into.position(at);
                    throw new TlsException(Kind.WRITE_AFTER_PEER_CLOSE, provider.name()
                            + " refuses to write after the peer's close_notify; nothing was sent."
                            + " Call shutdown() to answer it");
                }
                consumed += src.position() - before;
                try {
                    HandshakeStatus hs = afterCall(r);
                    while (hs == HandshakeStatus.NEED_WRAP || hs == HandshakeStatus.NEED_TASK) {
                        if (hs == HandshakeStatus.NEED_TASK) {
                            runTasks();
                        } else if (wrap(EMPTY).bytesProduced() == 0) {
                            break;
                        }
                        hs = engine.getHandshakeStatus();
                    }
                } catch (SSLException e) {
                    throw engineFailure(e, deadline);
                }
            }
            flush(deadline, "a write");
            return consumed;
        } finally {
            writeLock.unlock();
        }
    }

    private void checkWritable() throws TlsException {
        checkUsable();
        if (sent) {
            throw new TlsException(Kind.WRITE_AFTER_SHUTDOWN, "write after shutdown(): our close_notify was sent"
                    + " (or SENT was set), so the write direction is closed and nothing was sent."
                    + " Write everything before calling shutdown()");
        }
        if (received) {
            if (facts != null && "TLSv1.2".equals(facts.protocol())) {
                throw new TlsException(Kind.WRITE_AFTER_PEER_CLOSE, "write after the peer's close_notify:"
                        + " TLS 1.2 has no half-close (RFC 5246 §7.2.1), nothing was sent."
                        + " Call shutdown() to answer the peer's close_notify");
            }
            if (!provider.supports(Capability.HALF_CLOSE_TLS13)) {
                throw new TlsException(Kind.WRITE_AFTER_PEER_CLOSE, "write after the peer's close_notify:"
                        + " provider " + provider.name() + " has no TLS 1.3 half-close ("
                        + provider.gaps().get(Capability.HALF_CLOSE_TLS13) + "), nothing was sent."
                        + " Call shutdown() to answer the peer's close_notify");
            }
            if (eofIgnored) {
                throw new TlsException(Kind.WRITE_AFTER_PEER_CLOSE, "write after the transport ended"
                        + " (unexpected EOF ignored by policy); nothing was sent");
            }
        }
    }

    /** Moves pending outbound bytes to the transport; on the buffer pair, as far as they fit. */
    Step flushPending() throws TlsException {
        writeLock.lock();
        try {
            checkUsable();
            return flush(Wire.NO_DEADLINE, "a flush") ? Step.DONE : Step.WANT_WRITE;
        } finally {
            writeLock.unlock();
        }
    }

    private SSLEngineResult wrap(ByteBuffer src) throws SSLException {
        while (true) {
            ByteBuffer into = wrapTarget();
            int before = into.position();
            SSLEngineResult r = engine.wrap(src, into);
            if (r.getStatus() == Status.BUFFER_OVERFLOW) {
                if (into != netOut) {
                    netOut(); // the caller's outbound was too small after all: stage
                    continue;
                }
                ByteBuffer full = netOut;
                netOut = ByteBuffer.allocate(Math.max(full.capacity() * 2,
                        engine.getSession().getPacketBufferSize() + full.position())).put(full.flip());
                release(full);
                continue;
            }
            wrappedInto = into;
            wrappedAt = before;
            wrapProduced += r.bytesProduced();
            if (into != netOut) {
                countOut(r.bytesProduced()); // handed to the transport as it was made
            }
            if (role == Role.SERVER && observer != null && !observer.decided() && r.bytesProduced() > 0) {
                observeOutbound(into, before, into.position());
            }
            if (r.getHandshakeStatus() == HandshakeStatus.NEED_TASK) {
                runTasks();
            }
            return r;
        }
    }

    /**
     * Where a wrap writes: straight into the caller's outbound when nothing is staged (so the order
     * holds) and it has room for a whole record, else {@code netOut}. Needs writeLock.
     */
    private ByteBuffer wrapTarget() {
        if (netOut == null && pair != null && pair.usable() && pair.outbound().remaining() >= netOutSize
                && straight(pair.outbound())) {
            return pair.outbound();
        }
        return netOut();
    }

    private void observeOutbound(ByteBuffer buf, int from, int to) {
        int p = from;
        while (p < to) {
            int len = Records.recordLength(buf, p, to);
            if (len < 0 || p + len > to) {
                return;
            }
            observer.record(buf.duplicate().position(p).limit(p + len));
            p += len;
        }
    }

    /** Hands {@code netOut} to the transport; true when nothing is left. Needs writeLock. */
    private boolean flush(long deadline, String during) throws TlsException {
        try {
            return writeOut(deadline);
        } catch (SocketTimeoutException e) {
            throw fail(new TlsException(Kind.TIMEOUT, "deadline expired while handing bytes to the transport"
                    + " during " + during + " (the peer is not reading); the transport is closed", e),
                    CloseReason.TIMEOUT, true);
        } catch (IOException e) {
            throw transportFailure(e, during);
        }
    }

    /** Hands {@code netOut} to the transport, counting what went: true when nothing is left. */
    private boolean writeOut(long deadline) throws IOException {
        if (netOut == null) {
            return true;
        }
        if (netOut.position() == 0) {
            netOut = release(netOut);
            return true;
        }
        netOut.flip();
        int before = netOut.remaining();
        try {
            return wire.write(netOut, deadline);
        } finally {
            countOut(before - netOut.remaining());
            netOut.compact();
            if (netOut.position() == 0) {
                netOut = release(netOut);
            }
        }
    }

    /**
     * Whether the engine may work on the caller's {@code buf} itself rather than on a staging
     * buffer: always, unless the engine wants direct buffers and {@code buf} is on the heap.
     */
    private boolean straight(ByteBuffer buf) {
        return !pool.direct() || buf.isDirect();
    }

    /** {@code netOut}, taken from the pool if there was none. Needs writeLock. */
    private ByteBuffer netOut() {
        if (netOut == null) {
            netOut = pool.take(netOutSize);
        }
        return netOut;
    }

    /** Gives an empty buffer back to the pool; returns null, for the field it was taken from. */
    private ByteBuffer release(ByteBuffer b) {
        pool.give(b);
        return null;
    }

    // ------------------------------------------------------------------ shutdown

    /**
     * The first step of {@code shutdown()}: our close_notify, unless sent. Returns SENT or COMPLETE
     * as the contract says, WANT_WRITE when it did not all fit (buffer pair), or empty when our
     * close_notify had gone out before and the caller must wait for the peer's.
     */
    Optional<ShutdownResult> sendCloseNotify(long flushDeadline) throws TlsException {
        checkShutdownAllowed();
        if (policy.quietShutdown()) {
            quiet = true;
            sent = true;
            received = true;
            completed();
            return Optional.of(ShutdownResult.COMPLETE);
        }
        if (sent && received && !closeNotifyUnflushed) {
            completed();
            return Optional.of(ShutdownResult.COMPLETE);
        }
        lock(writeLock, flushDeadline, "sending close_notify");
        try {
            boolean now = closeNotifyUnflushed;
            if (!sent) {
                produceCloseNotify(flushDeadline);
                closeNotifyUnflushed = true; // before SENT shows: the fast path must not report COMPLETE yet
                sent = true;
                now = true;
                LOG.log(Level.DEBUG, () -> "closenotify: " + role + " sent close_notify");
            }
            closeNotifyUnflushed = true;
            if (!flush(flushDeadline, "sending close_notify")) {
                return Optional.of(ShutdownResult.WANT_WRITE);
            }
            closeNotifyUnflushed = false;
            if (received) {
                completed();
                return Optional.of(ShutdownResult.COMPLETE);
            }
            return now ? Optional.of(ShutdownResult.SENT) : Optional.empty();
        } finally {
            writeLock.unlock();
        }
    }

    /**
     * The second step: waits for the peer's close_notify. COMPLETE, or WANT_READ on the buffer pair
     * when it has not been fed; application data arriving first fails with PENDING_DATA and stays
     * readable.
     */
    ShutdownResult awaitCloseNotify(long deadline) throws TlsException {
        if (readClosedBySend()) {
            // Decided without the read lock: a reader blocked on another thread must not delay it.
            throw readAfterShutdown("shutdown() after SENT");
        }
        if (wire.blocking()) {
            lock(readLock, deadline, "waiting for the peer's close_notify");
        } else if (!readLock.tryLock()) {
            return ShutdownResult.WANT_READ;
        }
        try {
            while (true) {
                if (received) {
                    completed();
                    return ShutdownResult.COMPLETE;
                }
                checkUsable();
                if (appIn != null) {
                    throw new TlsException(Kind.PENDING_DATA, appIn.remaining() + " bytes of application data"
                            + " arrived before the peer's close_notify; they are kept: read to end-of-stream,"
                            + " then call shutdown() again");
                }
                if (!advanceInbound(deadline, "waiting for the peer's close_notify")) {
                    return ShutdownResult.WANT_READ;
                }
            }
        } finally {
            readLock.unlock();
        }
    }

    /**
     * Whether our close_notify really went out (not SENT set by hand) on a provider whose stack
     * closes its read side with it ({@link Capability#READ_AFTER_SENT} declared as a gap), before
     * the peer's close_notify came: nothing more can be read.
     */
    private boolean readClosedBySend() {
        return closeNotifySent && !received && !provider.supports(Capability.READ_AFTER_SENT);
    }

    /**
     * The READ_AFTER_SENT gap's defined answer to a read, or to the wait for the peer's
     * close_notify, after our close_notify: nothing is read or sent, and the connection ends as it
     * did when our close_notify went out, SENT_ONLY, its session kept (SEMANTICS.md §4). Not a
     * failure: every later read() and shutdown() gives the same answer until close().
     */
    private TlsException readAfterShutdown(String what) {
        ReentrantLock stateLock = stateLock();
        stateLock.lock();
        try {
            if (outcome == null) {
                outcome = new CloseOutcome(CloseReason.SENT_ONLY, flags(), Optional.empty(), Optional.empty(),
                        !sessionDropped);
            }
        } finally {
            stateLock.unlock();
        }
        LOG.log(Level.DEBUG, () -> "closenotify: " + role + " " + what + " after our close_notify on "
                + provider.name() + ", which cannot read after it: ended SENT_ONLY");
        return new TlsException(Kind.READ_AFTER_SHUTDOWN, what + ": provider " + provider.name()
                + " cannot read after its own close_notify (" + provider.gaps().get(Capability.READ_AFTER_SENT)
                + "). Nothing was read or sent; the peer's close_notify will not be waited for. The connection"
                + " ended when our close_notify went out (SENT_ONLY, session kept): close() it, and do not"
                + " reuse the transport");
    }

    private void checkShutdownAllowed() throws TlsException {
        TlsException earlier = failure;
        if (!closed && !handshakeDone
                && (earlier == null || earlier.kind() == Kind.SHUTDOWN_WHILE_IN_HANDSHAKE)) {
            // The connection ends here: a handshake finished later would hand the stack a session
            // to cache (in TLS 1.3 through tickets arriving after any invalidate()), and §2.6 says
            // no session from it is ever resumable. Asking again gets the same answer.
            TlsException e = new TlsException(Kind.SHUTDOWN_WHILE_IN_HANDSHAKE, "shutdown() while in the"
                    + " handshake: nothing was sent, the connection is ended (ABORTED) and no session from it"
                    + " will be resumable; close() it");
            throw earlier == null ? fail(e, CloseReason.ABORTED, false) : e;
        }
        checkUsable();
    }

    /** Both directions are closed: the connection ended, the session stays (SEMANTICS.md §4). */
    private void completed() {
        ReentrantLock stateLock = stateLock();
        stateLock.lock();
        try {
            if (outcome == null) {
                if (sessionDropped) {
                    dropSession(); // again: the stack may have cached it since (a TLS 1.3 ticket)
                }
                CloseReason reason = quiet ? CloseReason.QUIET
                        : eofIgnored ? CloseReason.TRUNCATED
                        : closeNotifySent && closeNotifyReceived ? CloseReason.CLEAN
                        : CloseReason.QUIET; // flags set by hand: no alert went both ways
                outcome = new CloseOutcome(reason, flags(), Optional.empty(), Optional.empty(), !sessionDropped);
            }
        } finally {
            stateLock.unlock();
        }
    }

    // ------------------------------------------------------------------ failures and the end

    void close() {
        if (!CLOSED.compareAndSet(this, false, true)) {
            return;
        }
        if (!sent && policy.shutdownOnClose() && handshakeDone && failure == null && !wire.closed()) {
            try {
                sendCloseNotifyOnClose();
            } catch (TlsException e) {
                LOG.log(Level.DEBUG, () -> "closenotify: close_notify on close failed: " + e.getMessage());
            }
        }
        ReentrantLock stateLock = stateLock();
        stateLock.lock();
        try {
            if (outcome == null) {
                if (!sent || sessionDropped) {
                    dropSession();
                }
                // An ignored EOF still records TRUNCATED (§3); flags set by hand, with no alert on
                // the wire, read as QUIET, never as an exchange that did not happen.
                CloseReason reason = eofIgnored ? CloseReason.TRUNCATED
                        : !sent ? CloseReason.ABORTED
                        : !closeNotifySent ? CloseReason.QUIET
                        : received ? (closeNotifyReceived ? CloseReason.CLEAN : CloseReason.QUIET)
                        : CloseReason.SENT_ONLY;
                outcome = new CloseOutcome(reason, flags(), Optional.empty(), Optional.empty(), !sessionDropped);
            }
        } finally {
            stateLock.unlock();
        }
        wire.close();
        LOG.log(Level.DEBUG, () -> "closenotify: " + role + " connection closed: " + outcome);
    }

    private void sendCloseNotifyOnClose() throws TlsException {
        // close() is final: checkUsable would refuse, so this is sendCloseNotify without that check.
        writeLock.lock();
        try {
            produceCloseNotify(Wire.deadline(policy.closeFlushTimeout()));
            sent = true;
            flush(Wire.deadline(policy.closeFlushTimeout()), "close_notify on close");
        } finally {
            writeLock.unlock();
        }
    }

    /**
     * Closes the engine's outbound side and wraps its close_notify into {@code netOut}, or the one
     * it made earlier in place of data (see {@link #write}). Needs writeLock.
     */
    private void produceCloseNotify(long deadline) throws TlsException {
        // Before the engine closes: a reader on another thread must never see a stack that closes
        // its inbound side with our close_notify (READ_AFTER_SENT gap) as a failure.
        closeNotifySent = true;
        engine.closeOutbound();
        long mark = wrapProduced;
        try {
            wrapPending();
        } catch (SSLException e) {
            throw engineFailure(e, deadline);
        }
        if (heldCloseNotify != null && wrapProduced == mark) {
            if (netOut().remaining() < heldCloseNotify.remaining()) {
                netOut = ByteBuffer.allocate(netOut.position() + heldCloseNotify.remaining()).put(netOut.flip());
            }
            netOut.put(heldCloseNotify);
        }
        heldCloseNotify = null;
    }

    /** Wraps what the engine has to say on its own (a close_notify, an alert) until it has nothing more. */
    private void wrapPending() throws SSLException {
        for (int i = 0; i < 4 && !engine.isOutboundDone(); i++) {
            SSLEngineResult r = wrap(EMPTY);
            if (r.getStatus() == Status.CLOSED || r.bytesProduced() == 0) {
                return;
            }
        }
    }

    void transportReset(IOException cause) {
        fail(new TlsException(Kind.RESET, "the transport failed: " + cause, cause), CloseReason.RESET, false);
    }

    private void checkUsable() throws TlsException {
        if (closed) {
            throw new TlsException(Kind.CLOSED, "the connection was closed locally; open a new one");
        }
        TlsException f = failure;
        if (f != null) {
            throw new TlsException(Kind.FAILED_EARLIER, "the connection failed earlier and nothing was done now;"
                    + " close() it and open a new one. The failure: " + f.getMessage(), f);
        }
    }

    private TlsException transportFailure(IOException e, String during) {
        if (closed) {
            return new TlsException(Kind.CLOSED, "the connection was closed locally during " + during, e);
        }
        if (failure != null) {
            return new TlsException(Kind.FAILED_EARLIER, "the connection failed earlier: " + failure.getMessage(), failure);
        }
        return fail(new TlsException(Kind.RESET, "the transport failed during " + during + ": " + e, e),
                CloseReason.RESET, false);
    }

    /** An engine failure: its alert goes out once, now, and the connection has failed. */
    private TlsException engineFailure(SSLException e, long deadline) {
        if (failure != null) {
            return new TlsException(Kind.FAILED_EARLIER, "the connection failed earlier: " + failure.getMessage(), failure);
        }
        if (!provider.receivedFatalAlert(e)) {
            emitAlert(deadline); // ours, once; a received fatal alert is not answered
        }
        Optional<String> alert = provider.alertDescription(e);
        return fail(new TlsException(Kind.PROTOCOL, e.getMessage() == null ? e.toString() : e.getMessage(),
                alert.orElse(null), e), CloseReason.FATAL_ALERT, false);
    }

    /** Sends whatever alert the engine has queued after a failure, best effort. */
    private void emitAlert(long deadline) {
        if (writeLock.isHeldByCurrentThread()) {
            emitAlertLocked(deadline);
            return;
        }
        try {
            long waitNanos = policy.closeFlushTimeout().isZero() ? TimeUnit.SECONDS.toNanos(5) : policy.closeFlushTimeout().toNanos();
            if (writeLock.tryLock(waitNanos, TimeUnit.NANOSECONDS)) {
                try {
                    emitAlertLocked(deadline);
                } finally {
                    writeLock.unlock();
                }
            }
        } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
        }
    }

    private void emitAlertLocked(long deadline) {
        try {
            wrapPending();
        } catch (SSLException | RuntimeException ignored) {
            // The engine has nothing (more) to say; the failure is reported by the caller.
        }
        if (wire.closed()) {
            return;
        }
        try {
            writeOut(deadline != Wire.NO_DEADLINE ? deadline : Wire.deadline(policy.closeFlushTimeout()));
        } catch (IOException ignored) {
            // The peer is gone; the alert was best effort.
        }
    }

    /**
     * Records the first failure and the connection's end: the session is dropped after a fatal
     * alert, and after any failure that came before our close_notify (OpenSSL's rule).
     */
    private TlsException fail(TlsException e, CloseReason reason, boolean closeTransport) {
        ReentrantLock stateLock = stateLock();
        stateLock.lock();
        try {
            if (failure == null) {
                failure = e;
                if (reason == CloseReason.FATAL_ALERT || !sent || sessionDropped) {
                    dropSession();
                }
                if (outcome == null) {
                    outcome = new CloseOutcome(reason, flags(), e.alert(), Optional.of(e), !sessionDropped);
                }
            }
        } finally {
            stateLock.unlock();
        }
        LOG.log(Level.DEBUG, () -> "closenotify: " + role + " connection failed (" + reason + "): " + e.getMessage());
        if (closeTransport) {
            wire.close();
        }
        return e;
    }

    private void dropSession() {
        SSLSession s = handshakeDone ? engine.getSession() : engine.getHandshakeSession();
        if (s != null) {
            s.invalidate();
        }
        try {
            provider.sessionDropped(engine, sslContext);
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, () -> "closenotify: provider " + provider.name()
                    + " failed to drop what its stack cached of a failed connection's session", e);
        }
        sessionDropped = true;
    }

    private void runTasks() {
        Runnable task;
        while ((task = engine.getDelegatedTask()) != null) {
            task.run();
        }
    }

    private void lock(ReentrantLock lock, long deadline, String during) throws TlsException {
        if (deadline == Wire.NO_DEADLINE || !wire.blocking()) {
            lock.lock();
            return;
        }
        try {
            if (!lock.tryLock(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
                throw fail(new TlsException(Kind.TIMEOUT, "deadline expired waiting for another thread's I/O"
                        + " before " + during + "; the transport is closed"), CloseReason.TIMEOUT, true);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TlsException(Kind.CLOSED, "interrupted while waiting to start " + during, e);
        }
    }
}

package dev.closenotify.server;

import dev.closenotify.spi.CloseOutcome;
import dev.closenotify.spi.CloseReason;
import dev.closenotify.spi.ConnectionPolicy;
import dev.closenotify.spi.Progress;
import dev.closenotify.spi.SessionFacts;
import dev.closenotify.spi.ShutdownFlag;
import dev.closenotify.spi.ShutdownResult;
import dev.closenotify.spi.TlsBufferConnection;
import dev.closenotify.spi.TlsContext;
import dev.closenotify.spi.TlsException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * One echo connection: a {@link TlsBufferConnection} over an accepted socket channel, blocking
 * except where the reader writes, driven by one or two virtual threads.
 *
 * <p><b>The reader</b> (the connection's own thread) runs the handshake, then, on a fresh virtual
 * thread (see {@link #run()}: an idle connection must not keep the stack its handshake parked
 * at), reads from the socket, decrypts, and encrypts the echo of every chunk it decrypted <em>before</em> it decrypts
 * the next record: TLS 1.2 (and some stacks on TLS 1.3) refuse to encrypt once the peer's
 * close_notify has been decrypted, so an echo encrypted later could be lost. While no writer runs,
 * the reader writes the ciphertext itself, with the channel non-blocking for that write only
 * ({@link #send()}): the common echo costs no thread hand-off. What the socket does not take then
 * goes to an echo queue bounded by {@link EchoServerConfig#echoBufferSize()}; when the queue is
 * full the reader waits, and so stops reading from the peer (backpressure). <b>The writer</b> takes
 * ciphertext from the queue and writes it to the socket, without any lock held. It runs only
 * while there is output: started when a chunk enters an empty queue (or the output becomes final),
 * it ends once the queue is empty, so an idle connection parks one virtual thread, not two.
 *
 * <p><b>Lock.</b> {@code lock} guards the TLS connection, its buffers, the queue and the state
 * below; it is never held across socket I/O that can block. Every call into the TLS connection happens under it,
 * from the reader, the writer (moving produced bytes into the queue), or a stop (its
 * close_notify).
 *
 * <p><b>Buffers.</b> While the reader waits for the peer in a socket read that would block, the
 * connection holds only small buffers ({@link #PARKED_INBOUND}, {@link #PARKED_OUTBOUND}: room for
 * the first bytes of the next record, and for a close_notify a stop produces meanwhile); when bytes
 * arrive it takes a large set from {@link #sets} and moves the TLS connection onto it
 * ({@link TlsBufferConnection#useBuffers}), and gives it back before it waits again. A provider
 * whose connections keep their buffers keeps one large set for the connection's life.
 *
 * <p><b>Deadlines</b> are timers on the server's scheduler ({@link Deadline}): one that fires
 * marks the connection ended and closes the socket, which wakes a blocked read or write; waits on
 * the condition are woken by the same signal. The handshake deadline covers the whole handshake,
 * the idle deadline fires when no byte moved either way for its duration (so also on a write
 * blocked by a peer that does not read), the close-flush deadline runs from our close_notify until
 * the last byte is written, and the peer-close deadline from our close_notify (a stop) until the
 * peer's (on a provider without {@code READ_AFTER_SENT}: until the peer ends the transport).
 */
final class EchoConnection {
    private static final Logger LOG = System.getLogger(EchoServer.class.getName());
    /**
     * The inbound buffer while the reader waits for the peer: a socket read that would block goes
     * here. Room for a small record whole (a 64-byte message is an 86-byte record in TLS 1.3, 93
     * in TLS 1.2 with GCM), so a small message still takes one socket read; a larger record is
     * taken in pieces, the rest once the large set is in place. Per idle connection this and
     * {@link #PARKED_OUTBOUND} were 1.5 KiB of the 7.3 KiB measured above a bare SSLEngine.
     */
    static final int PARKED_INBOUND = 128;
    /**
     * The outbound buffer while the reader waits: a stop's close_notify (24 bytes in TLS 1.3, 31 in
     * TLS 1.2), an alert. Anything longer waits in the core's staging buffer until it is moved out.
     */
    static final int PARKED_OUTBOUND = 64;
    /** The large buffers of the connections moving bytes (about 65 KiB a set). */
    static final BufferSets HEAP_SETS = new BufferSets(32, false);
    /**
     * The large sets of the stacks that work best on direct buffers (Conscrypt: it copies heap
     * buffers to native memory and back on every record). Measured on the 16 KiB echo: direct sets
     * lift Conscrypt and slow JSSE down, so each context gets the kind it asks for.
     */
    static final BufferSets DIRECT_SETS = new BufferSets(32, true);

    /** How a connection ended, as the server counts it. */
    record Result(CloseReason reason, Optional<Deadline> deadline, boolean forced) {
    }

    /** The connection was ended under the threads: a deadline fired, or a stop forced it. */
    private static final class Ended extends Exception {
        private static final long serialVersionUID = 1L;

        Ended() {
            super("ended", null, false, false);
        }
    }

    private static final Ended ENDED = new Ended();

    private final long id;
    private final String name;
    private final Socket socket;
    /** The socket's channel: the reader's reads, and its writes that must not block (see {@link #send()}). */
    private final SocketChannel channel;
    private final InetSocketAddress peer;
    private final TlsContext context;
    /** Where this connection's large buffers come from and go back to: the kind its stack prefers. */
    private final BufferSets sets;
    /**
     * Opened by the reader (see {@link #open()}), not by the acceptor: making an engine is the
     * costly part of accepting (Conscrypt's {@code SSL_new} and a pipe), and the acceptor is one
     * thread. Set once, under lock; volatile for the byte counts a snapshot reads from any thread.
     */
    private volatile TlsBufferConnection tls;
    private final ByteBuffer parkedInbound;
    private final ByteBuffer parkedOutbound;
    /** Whether the TLS connection can move to other buffers; if not, {@code large} is held for life. Set by open(). */
    private boolean swappable;
    // Guarded by lock, changed only by the reader (which also reads them without the lock): the
    // TLS connection's current buffers, and the large set while it holds one.
    private ByteBuffer inbound;
    private ByteBuffer outbound;
    private BufferSets.Set large;
    private final int echoBufferSize;
    private final ConnectionPolicy policy;
    private final boolean readsAfterSent;
    private final ScheduledExecutorService timer;
    private final Counters counters;
    private final Consumer<EchoConnection> onEnd;
    private final CompletableFuture<Result> done = new CompletableFuture<>();
    /**
     * The JFR close event, begun when the connection starts if a recording takes it then; null
     * otherwise, so that a connection holds none unless one is recorded (the bench's idle row).
     * Set by the reader before it first takes {@code lock}.
     */
    private CloseEvent closeEvent;

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    // Guarded by lock.
    /** Empty while idle: room for one chunk (the default, 16, is 64 bytes more per connection). */
    // Made by the first chunk the socket did not take at once: most connections never queue one.
    private ArrayDeque<byte[]> queue;
    private long queued;
    /** Chunks the writer took from the queue so far: the reader waits for this to move. */
    private long drained;
    private boolean handshakeDone;
    /** A stop asked for our close_notify; the reader sends it once all it decrypted is echoed. */
    private boolean stopRequested;
    /** The reader is in a socket read: everything it decrypted before is in the queue. */
    private boolean readerParked;
    private boolean closeNotifyProduced;
    /** The reader is about to write the last of the output itself (see finish()): spill() starts no writer. */
    private boolean readerFinishing;
    /** The reader writes the last chunks itself; the writer waits meanwhile (order on the socket). */
    private boolean readerWriting;
    /** The writer is writing a chunk it took from the queue. */
    private boolean writerWriting;
    private boolean closedFirst;
    /** Nothing more will be produced: once the queue is empty the writer marks the output done (and ends it, lingering). */
    private boolean outputFinal;
    private boolean writerDone;
    /** The writer thread while it runs (see {@link #ensureWriter()}); null otherwise. */
    private Thread writer;
    /** Writer threads started so far (tests: an echo the socket takes at once starts none). */
    private int writersStarted;
    private IOException writerFailure;
    /** A deadline or a forced stop closed the socket; the threads stop where they are. */
    private boolean ended;
    private Deadline fired;
    private boolean forced;
    /** Running deadline timers; made by the first (an idle connection with no idle deadline holds none). Under lock. */
    private Map<Deadline, ScheduledFuture<?>> timers;

    private volatile long lastProgress = System.nanoTime();
    // Counted through VarHandles rather than AtomicLongs: 24 bytes less per connection for each.
    private volatile long echoed;
    private volatile long discarded;
    /** TLS bytes dropped undecrypted while lingering (see linger()). */
    private volatile long unread;
    private static final VarHandle BYTES_ECHOED;
    private static final VarHandle BYTES_DISCARDED;
    private static final VarHandle BYTES_UNREAD;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            BYTES_ECHOED = l.findVarHandle(EchoConnection.class, "echoed", long.class);
            BYTES_DISCARDED = l.findVarHandle(EchoConnection.class, "discarded", long.class);
            BYTES_UNREAD = l.findVarHandle(EchoConnection.class, "unread", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private EchoConnection(long id, Socket socket, TlsContext context, EchoServerConfig config,
                           boolean readsAfterSent, ScheduledExecutorService timer, Counters counters,
                           Consumer<EchoConnection> onEnd) {
        this.id = id;
        this.name = "closenotify-echo-" + id;
        this.socket = socket;
        this.channel = Objects.requireNonNull(socket.getChannel(), "the socket has no channel");
        this.peer = (InetSocketAddress) socket.getRemoteSocketAddress();
        this.context = context;
        this.sets = context.prefersDirectBuffers() ? DIRECT_SETS : HEAP_SETS;
        this.parkedInbound = ByteBuffer.allocate(PARKED_INBOUND);
        this.parkedOutbound = ByteBuffer.allocate(PARKED_OUTBOUND);
        this.echoBufferSize = config.echoBufferSize();
        this.policy = config.policy();
        this.readsAfterSent = readsAfterSent;
        this.timer = timer;
        this.counters = counters;
        this.onEnd = onEnd;
    }

    /**
     * A connection over the accepted {@code socket}, not started yet, and without its TLS
     * connection yet: {@link #run()} opens it, on the connection's own thread. A stop may reach the
     * connection before that; it ends as one still in its handshake does.
     *
     * @param readsAfterSent whether the provider can read after our close_notify (SEMANTICS.md §9
     *     {@code READ_AFTER_SENT}); without it a stop sends close_notify, cannot wait for the peer's,
     *     and waits for the peer's end of the transport instead, dropping what it sends unread
     * @param onEnd runs once the connection has ended and is counted, before {@link #done()} completes
     */
    static EchoConnection open(long id, Socket socket, TlsContext context, EchoServerConfig config,
                               boolean readsAfterSent, ScheduledExecutorService timer, Counters counters,
                               Consumer<EchoConnection> onEnd) {
        return new EchoConnection(id, socket, context, config, readsAfterSent, timer, counters, onEnd);
    }

    /** Opens the TLS connection, on the small buffers when it can move between buffers. By the reader, first. */
    private void open() throws TlsException {
        BufferSets.Set set = sets.take();
        TlsBufferConnection t;
        try {
            t = context.open(set.inbound(), set.outbound(), peer, policy);
        } catch (TlsException | RuntimeException e) {
            sets.give(set);
            throw e;
        }
        lock.lock();
        try {
            boolean canSwap;
            try {
                t.useBuffers(parkedInbound, parkedOutbound); // nothing to carry yet: the handshake has not begun
                canSwap = true;
            } catch (UnsupportedOperationException e) {
                canSwap = false;
            }
            swappable = canSwap;
            if (canSwap) {
                sets.give(set);
                inbound = parkedInbound;
                outbound = parkedOutbound;
            } else {
                large = set;
                inbound = set.inbound();
                outbound = set.outbound();
            }
            tls = t;
        } finally {
            lock.unlock();
        }
    }

    long id() {
        return id;
    }

    String name() {
        return name;
    }

    /** Completes when the connection has ended, with how. */
    CompletableFuture<Result> done() {
        return done;
    }

    long bytesIn() {
        TlsBufferConnection t = tls;
        return t == null ? 0 : t.bytesIn();
    }

    long bytesOut() {
        TlsBufferConnection t = tls;
        return t == null ? 0 : t.bytesOut();
    }

    long bytesEchoed() {
        return echoed;
    }

    long bytesDiscarded() {
        return discarded;
    }

    long bytesUnread() {
        return unread;
    }

    /** Whether the connection holds a large buffer set now (not while it waits for the peer): for tests. */
    boolean holdsLargeBuffers() {
        lock.lock();
        try {
            return large != null;
        } finally {
            lock.unlock();
        }
    }

    /** Writer threads started so far: for tests. */
    int writersStarted() {
        lock.lock();
        try {
            return writersStarted;
        } finally {
            lock.unlock();
        }
    }

    /** The pool this connection's large sets come from: for tests. */
    BufferSets sets() {
        return sets;
    }

    /** Whether a writer thread runs now (tests: an idle connection parks its reader only). */
    boolean writerRunning() {
        lock.lock();
        try {
            return writer != null;
        } finally {
            lock.unlock();
        }
    }

    // ------------------------------------------------------------------ the reader

    /**
     * Begins the close event if a recording takes it. A method of its own: a local in run() would
     * stay on the parked thread's stack, holding the event of every connection.
     */
    private void beginCloseEvent() {
        CloseEvent event = new CloseEvent();
        if (event.isEnabled()) {
            event.begin();
            closeEvent = event;
        }
    }

    /** The connection's life: the handshake on this virtual thread, then the echo loop on another. */
    void run() {
        beginCloseEvent();
        try {
            open();
        } catch (TlsException | RuntimeException e) {
            LOG.log(Level.WARNING, name + " from " + remote() + ": cannot open the TLS connection", e);
            abandon();
            return;
        }
        lock.lock();
        try {
            arm(Deadline.HANDSHAKE, policy.handshakeTimeout());
        } finally {
            lock.unlock();
        }
        InputStream in;
        try {
            in = input();
            handshake(in);
        } catch (Ended | IOException | RuntimeException | Error e) {
            logEnd(e);
            finish();
            return;
        }
        // The echo loop goes on in a fresh virtual thread, and this one ends. A virtual thread keeps
        // the stack chunk of the deepest point it ever parked at, and a handshake can park deep
        // inside the TLS stack (a contended lock of its session cache, a key manager that waits):
        // an idle connection would hold that chunk for as long as it waits for its peer
        // (IdleStackTest: 12.6 KB against 3.1).
        try {
            Thread.ofVirtual().name(name).start(() -> {
                try {
                    serve(in);
                } catch (Ended | TlsException | RuntimeException | Error e) {
                    logEnd(e);
                } finally {
                    finish();
                }
            });
        } catch (RuntimeException | Error e) {
            logEnd(e);
            finish();
        }
    }

    /** Says how the connection's thread ended, when not by a deadline or a stop (finish() says those). */
    private void logEnd(Throwable e) {
        if (e instanceof TlsException) {
            LOG.log(Level.DEBUG, () -> name + " from " + remote() + ": " + e.getMessage());
        } else if (!(e instanceof Ended)) {
            LOG.log(Level.WARNING, name + " from " + remote() + " failed unexpectedly", e);
        }
    }

    /** The socket's input; {@link Ended} when a stop or a deadline closed the socket before the connection began. */
    private InputStream input() throws IOException, Ended {
        try {
            return socket.getInputStream();
        } catch (IOException e) {
            lock.lock();
            try {
                checkEnded();
            } finally {
                lock.unlock();
            }
            throw e;
        }
    }

    private void handshake(InputStream in) throws TlsException, Ended {
        HandshakeEvent event = new HandshakeEvent();
        event.begin();
        event.connection = id;
        if (event.isEnabled()) {
            event.remoteAddress = remote(); // made only for a recording: the connection holds no copy
        }
        event.provider = tls.providerName();
        try {
            while (true) {
                Progress p;
                lock.lock();
                try {
                    checkEnded();
                    p = tls.handshake();
                    send();
                    if (p == Progress.WANT_WRITE && queued >= echoBufferSize) {
                        awaitDrain();
                    }
                } finally {
                    lock.unlock();
                }
                if (p == Progress.DONE) {
                    break;
                }
                if (p == Progress.WANT_READ) {
                    fill(in);
                }
            }
        } catch (TlsException | Ended e) {
            counters.failedHandshakes.increment();
            event.succeeded = false;
            event.failure = e instanceof TlsException t ? t.getMessage() : "deadline or stop";
            event.commit();
            throw e;
        }
        SessionFacts facts = tls.session().orElseThrow();
        lock.lock();
        try {
            handshakeDone = true;
            cancel(Deadline.HANDSHAKE);
            arm(Deadline.IDLE, policy.idleReadTimeout());
        } finally {
            lock.unlock();
        }
        (facts.resumed() ? counters.resumedHandshakes : counters.fullHandshakes).increment();
        event.succeeded = true;
        event.protocol = facts.protocol();
        event.cipherSuite = facts.cipherSuite();
        event.resumed = facts.resumed();
        event.commit();
        LOG.log(Level.DEBUG, () -> name + " from " + remote() + ": handshake done, " + facts);
    }

    /**
     * The echo loop, until the peer's close_notify has been answered, or (on a provider that cannot
     * read after its own close_notify) ours has been sent and the peer has ended the transport.
     */
    private void serve(InputStream in) throws TlsException, Ended {
        boolean lingers; // decided under the lock: a stop may set closedFirst as soon as it is released
        while (true) {
            lock.lock();
            try {
                while (true) {
                    checkEnded();
                    if (lingering()) {
                        break;
                    }
                    grow();
                    ByteBuffer plain = large.plain();
                    plain.clear();
                    int n = tls.read(plain);
                    send();
                    if (n > 0) {
                        plain.flip();
                        if (closeNotifyProduced) {
                            // Sent by the peer after our close_notify (a stop): nothing may be written now.
                            BYTES_DISCARDED.getAndAdd(this, (long) n);
                        } else {
                            echo(plain);
                        }
                    } else if (n < 0) {
                        peerClosed();
                        return;
                    } else {
                        break;
                    }
                }
                // Everything decrypted so far is echoed: the safe point for a stop's close_notify.
                if (stopRequested && !closeNotifyProduced) {
                    closeFirst();
                }
                lingers = lingering();
                if (lingers) {
                    BYTES_UNREAD.getAndAdd(this, (long) inbound.position());
                    inbound.clear();
                } else {
                    readerParked = true;
                }
            } finally {
                lock.unlock();
            }
            if (lingers) {
                linger(in);
                return;
            }
            if (!fill(in)) {
                return;
            }
        }
    }

    /**
     * Our close_notify is out on a provider that cannot read after it (SEMANTICS.md §9
     * {@code READ_AFTER_SENT}): the connection has ended {@code SENT_ONLY}, but the socket stays
     * open, and what the peer still sends is read and dropped unread, until its end of the transport
     * or the peer-close deadline. Closing at once would make the kernel answer the peer's unread
     * bytes with a reset, which can destroy the echo and our close_notify still in the peer's
     * receive buffer. The writer ends our output with a FIN once our close_notify is written.
     */
    private void linger(InputStream in) throws Ended {
        byte[] scratch = new byte[BufferSets.INBOUND_SIZE];
        while (true) {
            int n;
            try {
                n = in.read(scratch);
            } catch (IOException e) {
                n = -1; // the peer reset its end: nothing more will come either way
            }
            lock.lock();
            try {
                checkEnded(); // a deadline or a forced stop closed the socket under the read
            } finally {
                lock.unlock();
            }
            if (n < 0) {
                return;
            }
            BYTES_UNREAD.getAndAdd(this, (long) n);
            lastProgress = System.nanoTime();
        }
    }

    /**
     * Reads from the socket into {@code inbound}, which is empty whenever the TLS connection asks
     * for more. Only this thread touches {@code inbound} outside TLS calls, so the read goes straight
     * into it, without the lock. Before it waits for the peer, the reader gives the large buffers
     * back; it first tries a read that does not block, which finds the peer's bytes there already
     * when they came while it worked. False when reading is over (our close_notify is out on a
     * provider that cannot read after it, and the socket's input was shut to wake us).
     */
    private boolean fill(InputStream in) throws TlsException, Ended {
        int n = UNREAD;
        try {
            if (swappable && large != null) {
                lock.lock();
                try {
                    n = readIfReady(in);
                    if (n == 0) {
                        shrink();
                    }
                } finally {
                    lock.unlock();
                }
            }
            if (n == 0 || n == UNREAD) {
                n = channel.read(inbound); // blocking: parks this virtual thread until bytes, the end, or a close
            }
        } catch (IOException e) {
            lock.lock();
            try {
                readerParked = false;
                checkEnded();
                if (lingering()) {
                    return false;
                }
                tls.transportReset(e);
            } finally {
                lock.unlock();
            }
            throw new TlsException(TlsException.Kind.RESET, "the transport failed: " + e, e);
        }
        lock.lock();
        try {
            readerParked = false;
            checkEnded();
            if (n < 0) {
                if (lingering()) {
                    return false;
                }
                tls.transportEof();
            } else {
                lastProgress = System.nanoTime();
                grow(); // bytes came: the large buffers, before the TLS connection works on them
            }
            return true;
        } finally {
            lock.unlock();
        }
    }

    /** {@link #readIfReady}: bytes have arrived, but were not read yet. */
    private static final int UNREAD = -2;

    /**
     * Reads what has arrived without waiting: the count, 0 when nothing has, -1 at the end of the
     * input, or {@link #UNREAD} when bytes are there but a writer runs. The writer may be in a
     * blocking write then, and the channel's mode may change only while nobody writes: the kernel
     * is asked how much is there instead. Under lock (a writer starts only under it).
     */
    private int readIfReady(InputStream in) throws IOException {
        if (writer != null) {
            return in.available() == 0 ? 0 : UNREAD;
        }
        channel.configureBlocking(false);
        try {
            return channel.read(inbound);
        } finally {
            channel.configureBlocking(true);
        }
    }

    /** Moves the TLS connection onto a large set, unless it is on one. Under lock, by the reader. */
    private void grow() {
        if (large != null) {
            return;
        }
        BufferSets.Set set = sets.take();
        tls.useBuffers(set.inbound(), set.outbound()); // carries over what the small ones hold
        large = set;
        inbound = set.inbound();
        outbound = set.outbound();
    }

    /**
     * Before a read that would block: moves the TLS connection back onto the small buffers and gives
     * the large set back, unless it holds more than they can take. Under lock, by the reader.
     */
    private void shrink() {
        if (large == null || inbound.position() > parkedInbound.capacity()
                || outbound.position() > parkedOutbound.capacity()) {
            return;
        }
        if (queued >= echoBufferSize) {
            // The TLS connection may still hold output the full queue had no room for: on the small
            // outbound it would come out a few bytes per write. It waits on the large set instead.
            return;
        }
        tls.useBuffers(parkedInbound, parkedOutbound);
        BufferSets.Set set = large;
        large = null;
        inbound = parkedInbound;
        outbound = parkedOutbound;
        sets.give(set);
    }

    /** Encrypts all of {@code plain} into the queue, waiting while the queue is full. Under lock. */
    private void echo(ByteBuffer plain) throws TlsException, Ended {
        int n = plain.remaining();
        while (plain.hasRemaining()) {
            tls.write(plain);
            send();
            if (plain.hasRemaining() && queued >= echoBufferSize) {
                awaitDrain();
            }
        }
        BYTES_ECHOED.getAndAdd(this, (long) n);
    }

    /** The peer's close_notify (or, by policy, its EOF) arrived: everything before it is echoed; answer it. */
    private void peerClosed() throws TlsException {
        tls.shutdown(); // COMPLETE, or WANT_WRITE: the rest of our close_notify is moved out after
        closeNotifyProduced = true;
        outputFinal = true;
        send(); // the answer, straight to the socket while no writer runs and the socket takes it
        // The reader goes on to finish() at once, which writes what is left itself if the writer is
        // idle: waking the writer for it, and being woken back, would cost two thread hand-offs.
        readerFinishing = true;
        spill();
    }

    /** A stop: our close_notify, first. Under lock, with everything decrypted so far echoed. */
    private void closeFirst() throws TlsException {
        ShutdownResult r = tls.shutdown(); // SENT, WANT_WRITE, or COMPLETE by quiet shutdown
        closeNotifyProduced = true;
        closedFirst = true;
        outputFinal = true;
        spill();
        cancel(Deadline.IDLE);
        arm(Deadline.CLOSE_FLUSH, policy.closeFlushTimeout());
        if (r != ShutdownResult.COMPLETE) {
            // The wait for the peer's close_notify, or (without READ_AFTER_SENT) for its end of the transport.
            arm(Deadline.PEER_CLOSE, policy.peerCloseTimeout());
        }
        changed.signalAll();
        ensureWriter(); // the end of the output is the writer's (a FIN, when the connection lingers)
        if (readerParked && r == ShutdownResult.COMPLETE) {
            // Nothing more to wait for from the peer: wake the reader from its socket read.
            try {
                socket.shutdownInput();
            } catch (IOException e) {
                // Closed already: the reader wakes anyway.
            }
        }
    }

    /** Whether no chunk waits for the writer. Under lock. */
    private boolean queueEmpty() {
        return queue == null || queue.isEmpty();
    }

    /** Waits until the writer took a chunk from the queue. Under lock. */
    private void awaitDrain() throws TlsException, Ended {
        long seen = drained;
        while (drained == seen && !ended && writerFailure == null) {
            changed.awaitUninterruptibly();
        }
        checkEnded();
        if (writerFailure != null) {
            tls.transportReset(writerFailure);
            throw new TlsException(TlsException.Kind.RESET, "the transport failed while writing: " + writerFailure,
                    writerFailure);
        }
    }

    /**
     * The reader's way out for what the TLS connection produced. When no writer runs (so nothing is
     * queued and nothing is being written), a write that does not block, straight from the TLS
     * connection's outbound buffer: an echo then costs no thread hand-off and no copy. What the
     * socket does not take now goes to the queue and starts the writer. The write never blocks, so
     * a peer that does not read cannot hold the reader: it goes on reading until the queue is full,
     * backpressure as before. Under lock: the channel is non-blocking only inside it, and a writer
     * starts only under it, so the writer never finds the channel non-blocking.
     */
    private void send() throws TlsException {
        if (writer == null && queueEmpty() && !readerFinishing && !writerDone && writerFailure == null && !ended
                && (outbound.position() > 0 || produced())) {
            try {
                channel.configureBlocking(false);
                try {
                    do {
                        outbound.flip();
                        int n = channel.write(outbound);
                        outbound.compact();
                        if (n > 0) {
                            lastProgress = System.nanoTime();
                        }
                    } while (outbound.position() == 0 && produced());
                } finally {
                    channel.configureBlocking(true);
                }
            } catch (IOException e) {
                writerFailure = e;
                writerDone = true;
                changed.signalAll();
                LOG.log(Level.DEBUG, () -> name + " from " + remote() + ": write failed: " + e);
                tls.transportReset(e);
                throw new TlsException(TlsException.Kind.RESET, "the transport failed while writing: " + e, e);
            }
        }
        spill();
    }

    /** Lets the TLS connection move more of what it produced into the empty {@code outbound}; whether it did. Under lock. */
    private boolean produced() {
        try {
            tls.flush();
        } catch (TlsException e) {
            return false; // The connection failed: what it produced before is in outbound already.
        }
        return outbound.position() > 0;
    }

    /**
     * Moves what the TLS connection produced into the queue, while the queue is under its bound
     * (it may go over by one chunk). Under lock.
     */
    private void spill() {
        while (queued < echoBufferSize) {
            if (outbound.position() == 0) {
                try {
                    if (tls.flush() == Progress.DONE && outbound.position() == 0) {
                        return;
                    }
                } catch (TlsException e) {
                    return; // The connection failed: what it produced before is in outbound already.
                }
                if (outbound.position() == 0) {
                    return;
                }
            }
            outbound.flip();
            byte[] chunk = new byte[outbound.remaining()];
            outbound.get(chunk);
            outbound.clear();
            if (queue == null) {
                queue = new ArrayDeque<>(1);
            }
            queue.addLast(chunk);
            queued += chunk.length;
            if (!readerFinishing) {
                changed.signalAll();
                ensureWriter();
            }
        }
    }

    /**
     * Our close_notify is out on a provider that cannot read after it: reading the peer's answer
     * is over, and the connection lingers (see {@link #linger}). Under lock.
     */
    private boolean lingering() {
        return closedFirst && !readsAfterSent;
    }

    private void checkEnded() throws Ended {
        if (ended) {
            throw ENDED;
        }
    }

    // ------------------------------------------------------------------ the writer

    /** Writes the queue to the socket until the output is final and all written, or the end. */
    private void writeLoop() {
        OutputStream out;
        try {
            out = socket.getOutputStream();
        } catch (IOException e) {
            writerFailed(e);
            return;
        }
        while (true) {
            byte[] chunk;
            lock.lock();
            try {
                while (true) {
                    if (ended) {
                        writer = null;
                        return;
                    }
                    if (readerWriting) {
                        changed.awaitUninterruptibly(); // the reader writes earlier chunks: ours go after
                        continue;
                    }
                    spill();
                    chunk = queue == null ? null : queue.pollFirst();
                    if (chunk != null) {
                        queued -= chunk.length;
                        drained++;
                        writerWriting = true;
                        changed.signalAll();
                        break;
                    }
                    if (outputFinal) {
                        writerDone = true;
                        writer = null;
                        changed.signalAll();
                        if (lingering()) {
                            endOutput(); // lingering (see linger()): the peer sees the end of our output
                        }
                        return;
                    }
                    writer = null; // all written: the next chunk, or the end of the output, starts another
                    return;
                }
            } finally {
                lock.unlock();
            }
            try {
                out.write(chunk);
            } catch (IOException e) {
                writerFailed(e);
                return;
            }
            lastProgress = System.nanoTime();
            lock.lock();
            try {
                writerWriting = false;
            } finally {
                lock.unlock();
            }
        }
    }

    /**
     * Starts the writer unless it runs, the output is all written, or the connection ended. Under
     * lock, so a writer that found the queue empty has cleared {@link #writer} before a chunk can
     * be queued: a queued chunk always has a writer.
     */
    private void ensureWriter() {
        if (writer == null && !writerDone && !ended) {
            writer = Thread.ofVirtual().name(name + "-writer").start(this::writeLoop);
            writersStarted++;
        }
    }

    /** A FIN after our close_notify. Under lock: the socket call does not block. */
    private void endOutput() {
        try {
            socket.shutdownOutput();
        } catch (IOException e) {
            // Closed already: nothing more to end.
        }
    }

    private void writerFailed(IOException e) {
        lock.lock();
        try {
            if (!ended) {
                writerFailure = e;
                LOG.log(Level.DEBUG, () -> name + " from " + remote() + ": write failed: " + e);
            }
            writerDone = true;
            writer = null;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        // The reader may be in a socket read: the transport is broken, so wake it.
        closeSocket();
    }

    // ------------------------------------------------------------------ a stop

    /**
     * A stop began: send our close_notify now if the reader is waiting for the peer with everything
     * echoed, or let the reader send it at its next such point (after the handshake, after the
     * echo it is writing). Never blocks on I/O.
     */
    void requestStop() {
        lock.lock();
        try {
            if (ended || closeNotifyProduced) {
                return;
            }
            stopRequested = true;
            if (handshakeDone && readerParked) {
                closeFirst();
            }
        } catch (TlsException e) {
            LOG.log(Level.DEBUG, () -> name + ": close_notify at stop failed: " + e.getMessage());
        } finally {
            lock.unlock();
        }
    }

    /** The stop's grace period is over: close the socket now. */
    void force() {
        lock.lock();
        try {
            if (ended) {
                return;
            }
            ended = true;
            forced = true;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        closeSocket();
    }

    // ------------------------------------------------------------------ deadlines

    /** Starts {@code kind}'s timer, unless it is none, running, or the connection ended. Under lock. */
    private void arm(Deadline kind, Duration after) {
        if (after.isZero() || (timers != null && timers.containsKey(kind)) || ended) {
            return;
        }
        schedule(kind, after.toNanos());
    }

    private void schedule(Deadline kind, long nanos) {
        try {
            if (timers == null) {
                timers = new EnumMap<>(Deadline.class);
            }
            timers.put(kind, timer.schedule(() -> expire(kind), nanos, TimeUnit.NANOSECONDS));
        } catch (RejectedExecutionException e) {
            // The server is past its stop: its last force ends this connection.
        }
    }

    /** Cancels every running timer. Under lock. */
    private void cancelTimers() {
        if (timers != null) {
            timers.values().forEach(f -> f.cancel(false));
            timers = null;
        }
    }

    /** Forgets {@code kind}'s timer, and the map once it is empty (the handshake deadline ends on every connection). Under lock. */
    private ScheduledFuture<?> removeTimer(Deadline kind) {
        if (timers == null) {
            return null;
        }
        ScheduledFuture<?> f = timers.remove(kind);
        if (timers.isEmpty()) {
            timers = null;
        }
        return f;
    }

    private void cancel(Deadline kind) {
        ScheduledFuture<?> f = removeTimer(kind);
        if (f != null) {
            f.cancel(false);
        }
    }

    /** A timer ran out: end the connection if its deadline still applies. */
    private void expire(Deadline kind) {
        lock.lock();
        try {
            removeTimer(kind);
            if (ended) {
                return;
            }
            switch (kind) {
                case HANDSHAKE -> {
                    if (handshakeDone) {
                        return;
                    }
                }
                case IDLE -> {
                    if (outputFinal) {
                        return; // closing: the close deadlines apply now
                    }
                    long idle = policy.idleReadTimeout().toNanos();
                    long quiet = System.nanoTime() - lastProgress;
                    if (quiet < idle) {
                        schedule(kind, idle - quiet);
                        return;
                    }
                }
                case CLOSE_FLUSH -> {
                    if (writerDone) {
                        return;
                    }
                }
                case PEER_CLOSE -> {
                    if (tls.flags().contains(ShutdownFlag.RECEIVED)) {
                        return;
                    }
                }
            }
            ended = true;
            fired = kind;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        counters.fired(kind);
        LOG.log(Level.DEBUG, () -> name + " from " + remote() + ": " + kind + " deadline expired, closing the socket");
        closeSocket();
    }

    // ------------------------------------------------------------------ the end

    /** Lets the writer finish (within the close-flush deadline), closes, counts, reports. */
    private void finish() {
        Thread writing;
        lock.lock();
        try {
            if (!ended) {
                outputFinal = true; // after a failure too: an alert the connection produced still goes out
                if (allWritten()) {
                    // The common end: send() wrote our answer to the peer's close_notify at once.
                    // Nothing can block, so no close-flush deadline (a timer set and cancelled) and no writer.
                    writerDone = true;
                } else {
                    arm(Deadline.CLOSE_FLUSH, policy.closeFlushTimeout());
                    writeLastInline();
                }
                readerFinishing = false;
                changed.signalAll();
                if (!writerDone) {
                    ensureWriter(); // what is left, and the end of the output, are the writer's
                }
                while (!writerDone && !ended) {
                    changed.awaitUninterruptibly();
                }
            }
            if (!ended && writerFailure == null && closeNotifyProduced
                    && tls.flags().contains(ShutdownFlag.RECEIVED)) {
                try {
                    tls.shutdown(); // COMPLETE, now that the last of our close_notify is out too
                } catch (TlsException e) {
                    LOG.log(Level.DEBUG, () -> name + ": final shutdown step: " + e.getMessage());
                }
            }
            ended = true;
            cancelTimers();
            changed.signalAll();
            writing = writer;
        } finally {
            lock.unlock();
        }
        tls.close();
        closeSocket();
        lock.lock();
        try {
            if (swappable && large != null) {
                // Ended and closed: no thread touches the TLS connection's buffers any more.
                sets.give(large);
                large = null;
            }
        } finally {
            lock.unlock();
        }
        CloseOutcome outcome = tls.outcome().orElseThrow();
        CloseReason reason = outcome.failure().isPresent() ? outcome.reason()
                : fired != null ? CloseReason.TIMEOUT
                : writerFailure != null ? CloseReason.RESET // our last bytes did not reach the peer
                : outcome.reason();
        Result result = new Result(reason, Optional.ofNullable(fired), forced);

        counters.ended(this, reason, () -> onEnd.accept(this));

        CloseEvent event = closeEvent;
        if (event != null) {
            event.connection = id;
            event.remoteAddress = remote();
            event.provider = tls.providerName();
            event.protocol = tls.session().map(SessionFacts::protocol).orElse("");
            event.reason = reason.name();
            event.deadline = fired == null ? "" : fired.name();
            event.forced = forced;
            event.flags = outcome.flags().toString();
            event.bytesIn = tls.bytesIn();
            event.bytesOut = tls.bytesOut();
            event.bytesEchoed = echoed;
            event.commit();
        }
        LOG.log(Level.DEBUG, () -> name + " from " + remote() + " ended " + reason
                + (fired != null ? " (" + fired + " deadline)" : "") + (forced ? " (forced at stop)" : "")
                + ": flags " + outcome.flags() + ", " + tls.bytesIn() + " bytes in, " + tls.bytesOut() + " out, "
                + echoed + " echoed" + outcome.failure().map(f -> ", " + f.getMessage()).orElse(""));
        done.complete(result);
        if (writing != null && writing.isAlive()) {
            // The socket is closed: a writer still in a write fails at once.
            try {
                writing.join(Duration.ofSeconds(5));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * Whether all output is on the socket and nothing more will come: no writer, nothing queued or
     * produced, and no FIN the writer still owes (lingering). Under lock, by the reader.
     */
    private boolean allWritten() {
        return !writerDone && writer == null && writerFailure == null && queueEmpty() && !lingering()
                && outbound.position() == 0 && !produced();
    }

    /**
     * The reader writes the last of the output itself when the writer is idle and all of it is in
     * the queue (the common end: our answer to the peer's close_notify), instead of waking the
     * writer and waiting to be woken back. It has nothing else to do meanwhile, and the
     * close-flush deadline, armed before, bounds the write as it bounds the writer's. Under lock;
     * released around the write.
     */
    private void writeLastInline() {
        if (writerWriting || writerDone || writerFailure != null || lingering()) {
            return;
        }
        spill();
        if (outbound.position() > 0 || queueEmpty()) {
            return; // more than the queue holds (the writer takes it on), or nothing to write
        }
        List<byte[]> chunks = new ArrayList<>(queue);
        queue.clear();
        queued = 0;
        drained += chunks.size();
        readerWriting = true;
        IOException failed = null;
        lock.unlock();
        try {
            OutputStream out = socket.getOutputStream();
            for (byte[] chunk : chunks) {
                out.write(chunk);
            }
            lastProgress = System.nanoTime();
        } catch (IOException e) {
            failed = e;
        } finally {
            lock.lock();
        }
        readerWriting = false;
        if (failed == null) {
            spill();
            if (queueEmpty() && outbound.position() == 0) {
                writerDone = true; // all output is written; the writer thread ends when it wakes
            }
        } else if (!ended) {
            writerFailure = failed;
            writerDone = true;
            IOException f = failed;
            LOG.log(Level.DEBUG, () -> name + " from " + remote() + ": write failed: " + f);
        }
    }

    /** The TLS connection could not be opened: nothing was sent; the connection ends ABORTED. */
    private void abandon() {
        lock.lock();
        try {
            ended = true;
            cancelTimers();
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        closeSocket();
        counters.ended(this, CloseReason.ABORTED, () -> onEnd.accept(this));
        done.complete(new Result(CloseReason.ABORTED, Optional.ofNullable(fired), forced));
    }

    private void closeSocket() {
        try {
            socket.close();
        } catch (IOException e) {
            // Nothing left to do with it.
        }
    }

    /** The peer as HOST:PORT, made when a log line or an event needs it rather than held by every connection. */
    private String remote() {
        return peer.getAddress().getHostAddress() + ":" + peer.getPort();
    }

    @Override
    public String toString() {
        return name + "[" + remote() + "]";
    }
}

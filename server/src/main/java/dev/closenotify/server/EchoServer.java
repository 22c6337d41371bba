package dev.closenotify.server;

import dev.closenotify.spi.Capability;
import dev.closenotify.spi.CloseReason;
import dev.closenotify.spi.ShutdownProvider;
import dev.closenotify.spi.ShutdownProviders;
import dev.closenotify.spi.TlsContext;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.channels.ServerSocketChannel;
import java.time.Duration;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import javax.management.JMException;
import javax.management.ObjectName;

/**
 * A TLS echo server over any closenotify provider: every byte a client sends is sent back, in
 * order, and every connection ends by the shutdown contract (SEMANTICS.md) — the client's
 * close_notify is answered with the server's once everything before it was echoed, a client that
 * vanishes without one is counted as {@link CloseReason#TRUNCATED} and its session dropped, and a
 * {@linkplain #stop(Duration) stop} sends close_notify to everyone before it forces anything.
 *
 * <pre>{@code
 * TlsConfig tls = TlsConfig.server(keyManager).build();
 * try (EchoServer server = new EchoServer(EchoServerConfig.of(tls).withPort(0)).start()) {
 *     int port = server.port();
 *     // ... clients connect to 127.0.0.1:port ...
 *     StopReport report = server.stop(Duration.ofSeconds(5));
 * }
 * }</pre>
 *
 * <p><b>Threads.</b> A named platform thread accepts; each connection has a virtual thread that
 * reads, decrypts and encrypts the echo, and one that writes it (see {@code EchoConnection}). A
 * {@link java.util.concurrent.Semaphore} caps the connections: one over the cap is refused at once
 * with a TLS {@code internal_error} alert and counted, never queued. One daemon platform thread
 * runs the deadline timers. A failing connection closes its own socket and nothing else.
 *
 * <p><b>Lifecycle.</b> {@link #start()} and {@link #stop(Duration)} are idempotent and may be
 * called from any thread; a server runs once (it cannot be started again after a stop).
 *
 * <p><b>Observability.</b> {@link #stats()}; a JMX MXBean ({@link EchoServerMXBean}) while it
 * runs; JFR events {@code dev.closenotify.server.Handshake} and {@code dev.closenotify.server.Close};
 * one log line at the stop with the stop's report and the stats. Logging goes through
 * {@link System.Logger} {@code dev.closenotify.server.EchoServer}: INFO for the start and the stop,
 * DEBUG for each connection.
 */
public final class EchoServer implements AutoCloseable {
    private static final Logger LOG = System.getLogger(EchoServer.class.getName());
    /** The listener's backlog: connections the kernel holds until they are accepted (or refused). */
    private static final int BACKLOG = 128;
    /** How long the stop waits for connections closed by force to finish, and for the acceptor. */
    private static final Duration AFTER_FORCE = Duration.ofSeconds(10);
    /** A TLS record: a fatal {@code internal_error} alert, in plaintext, as sent before any handshake. */
    private static final byte[] INTERNAL_ERROR_ALERT = {21, 3, 3, 0, 2, 2, 80};

    private enum State { NEW, RUNNING, STOPPING, STOPPED }

    private final EchoServerConfig config;
    private final ReentrantLock lifecycle = new ReentrantLock();
    private final Counters counters = new Counters();
    private final Set<EchoConnection> live = ConcurrentHashMap.newKeySet();
    private final AtomicLong ids = new AtomicLong();

    // Guarded by lifecycle.
    private State state = State.NEW;
    private Thread acceptor;
    private ScheduledThreadPoolExecutor timer;
    private ObjectName objectName;
    private StopReport report;

    // Set once by start(), read by the acceptor and the accessors.
    private volatile ServerSocket listener;
    private volatile ShutdownProvider provider;
    private volatile TlsContext context;
    private volatile Semaphore permits;
    private volatile boolean accepting;

    /** A server for {@code config}, not started yet. */
    public EchoServer(EchoServerConfig config) {
        this.config = Objects.requireNonNull(config, "config");
    }

    /** The configuration. */
    public EchoServerConfig config() {
        return config;
    }

    /**
     * Finds the provider, makes the TLS context, binds the listener and starts accepting. Does
     * nothing when the server runs already.
     *
     * @return this server
     * @throws IOException when the address cannot be bound
     * @throws dev.closenotify.spi.ProviderLookupException when the provider is missing or unusable
     * @throws IllegalArgumentException when the provider cannot honour the TLS configuration
     * @throws IllegalStateException when the server was stopped: a server runs once
     */
    public EchoServer start() throws IOException {
        lifecycle.lock();
        try {
            switch (state) {
                case RUNNING -> {
                    return this;
                }
                case STOPPING, STOPPED -> throw new IllegalStateException(
                        "this EchoServer was stopped; a server runs once: make a new one");
                case NEW -> {
                    // go on
                }
            }
            ShutdownProvider p = config.provider().map(ShutdownProviders::get).orElseGet(ShutdownProviders::get);
            TlsContext ctx = p.newContext(config.tls());
            // A channel's socket: its accepted sockets have channels, which EchoConnection writes without blocking.
            ServerSocket ss = ServerSocketChannel.open().socket();
            try {
                ss.setReuseAddress(true);
                ss.bind(new InetSocketAddress(config.host(), config.port()), BACKLOG);
            } catch (IOException e) {
                ss.close();
                throw new IOException("cannot listen on " + config.host() + ":" + config.port() + ": " + e.getMessage(), e);
            }
            provider = p;
            context = ctx;
            listener = ss;
            permits = new Semaphore(config.maxConnections());
            timer = new ScheduledThreadPoolExecutor(1, r -> Thread.ofPlatform().daemon()
                    .name("closenotify-echo-deadlines-" + ss.getLocalPort()).unstarted(r));
            timer.setRemoveOnCancelPolicy(true);
            accepting = true;
            acceptor = Thread.ofPlatform().name("closenotify-echo-accept-" + ss.getLocalPort()).unstarted(this::acceptLoop);
            acceptor.start();
            objectName = registerMBean();
            state = State.RUNNING;
            LOG.log(Level.INFO, () -> "closenotify echo server listening on " + hostAndPort() + " with provider "
                    + p.name() + ", " + String.join(",", config.tls().protocols()) + ", at most "
                    + config.maxConnections() + " connections");
            return this;
        } finally {
            lifecycle.unlock();
        }
    }

    /**
     * The port the server listens on: the configured one, or the ephemeral port taken for 0.
     *
     * @throws IllegalStateException before the first {@link #start()}
     */
    public int port() {
        return requireStarted().getLocalPort();
    }

    /**
     * The address the server listens on.
     *
     * @throws IllegalStateException before the first {@link #start()}
     */
    public InetSocketAddress address() {
        ServerSocket ss = requireStarted();
        return new InetSocketAddress(ss.getInetAddress(), ss.getLocalPort());
    }

    /**
     * The name of the provider serving the connections.
     *
     * @throws IllegalStateException before the first {@link #start()}
     */
    public String providerName() {
        requireStarted();
        return provider.name();
    }

    /** Whether the server accepts connections: started and not stopping. */
    public boolean isRunning() {
        return accepting;
    }

    /** A snapshot of the counters since the start. */
    public ServerStats stats() {
        return counters.snapshot(live);
    }

    /**
     * The graceful stop: stops accepting, sends close_notify to every open connection (a connection
     * still in its handshake gets it when the handshake completes; one whose reader is echoing gets
     * it once everything it decrypted is echoed, so no byte read before the stop goes un-echoed),
     * waits up to {@code grace} for the peers to answer and the connections to end, then closes the
     * rest by force. Returns what happened to the connections that were open; a second call waits
     * for the first and returns the same report. A server never started stops at once, with nothing
     * open.
     */
    public StopReport stop(Duration grace) {
        Objects.requireNonNull(grace, "grace");
        if (grace.isNegative()) {
            throw new IllegalArgumentException("grace must not be negative: " + grace);
        }
        lifecycle.lock();
        try {
            switch (state) {
                case NEW -> {
                    state = State.STOPPED;
                    report = StopReport.NOTHING_OPEN;
                    return report;
                }
                case STOPPED -> {
                    return report;
                }
                case RUNNING, STOPPING -> {
                    // go on
                }
            }
            state = State.STOPPING;
            long began = System.nanoTime();
            accepting = false;
            closeQuietly(listener);
            join(acceptor, AFTER_FORCE);
            // The acceptor is gone: the set of connections is final.
            List<EchoConnection> open = List.copyOf(live);
            LOG.log(Level.INFO, () -> "closenotify echo server " + hostAndPort() + " stopping: close_notify to "
                    + open.size() + " connection(s), grace " + grace.toMillis() + " ms");
            open.forEach(EchoConnection::requestStop);
            CompletableFuture<Void> all = CompletableFuture.allOf(open.stream().map(EchoConnection::done)
                    .toArray(CompletableFuture[]::new));
            if (!await(all, grace)) {
                open.stream().filter(c -> !c.done().isDone()).forEach(EchoConnection::force);
                if (!await(all, AFTER_FORCE)) {
                    LOG.log(Level.WARNING, () -> "closenotify echo server " + hostAndPort() + ": "
                            + open.stream().filter(c -> !c.done().isDone()).count()
                            + " connection(s) did not end after being closed by force");
                }
            }
            report = report(open, Duration.ofNanos(System.nanoTime() - began));
            timer.shutdownNow();
            unregisterMBean();
            state = State.STOPPED;
            StopReport r = report;
            LOG.log(Level.INFO, () -> "closenotify echo server " + hostAndPort() + " stopped: " + r.summary()
                    + "; " + stats().summary());
            return report;
        } finally {
            lifecycle.unlock();
        }
    }

    /** {@link #stop(Duration)} with the configured grace period. */
    @Override
    public void close() {
        stop(config.stopGrace());
    }

    // ------------------------------------------------------------------ accepting

    private void acceptLoop() {
        ServerSocket ss = listener;
        while (accepting) {
            Socket socket;
            try {
                socket = ss.accept();
            } catch (IOException e) {
                if (!accepting) {
                    break;
                }
                // Out of file descriptors and the like: the listener stays, after a short pause.
                LOG.log(Level.WARNING, "closenotify echo server " + hostAndPort() + ": accept failed", e);
                pause();
                continue;
            }
            if (!accepting) {
                closeQuietly(socket);
                break;
            }
            if (!permits.tryAcquire()) {
                counters.refused.increment();
                refuse(socket);
                continue;
            }
            serve(socket);
        }
    }

    private void serve(Socket socket) {
        long id = ids.incrementAndGet();
        EchoConnection c;
        try {
            socket.setTcpNoDelay(true);
            c = EchoConnection.open(id, socket, context, config, provider.supports(Capability.READ_AFTER_SENT), timer,
                    counters, this::ended);
        } catch (SocketException | RuntimeException e) {
            permits.release();
            closeQuietly(socket);
            LOG.log(Level.WARNING, "closenotify echo server " + hostAndPort() + ": cannot open a connection", e);
            return;
        }
        counters.accepted.increment();
        live.add(c);
        Thread.ofVirtual().name(c.name()).start(c::run);
    }

    /** A connection ended and was counted: it is no longer open. */
    /** The connections open now: for tests. */
    List<EchoConnection> liveConnections() {
        return List.copyOf(live);
    }

    private void ended(EchoConnection c) {
        live.remove(c);
        permits.release();
    }

    /**
     * Refuses a connection over the cap without blocking the acceptor: a plaintext fatal
     * {@code internal_error} alert (a TLS peer reports it as such, instead of a bare reset), then
     * the socket is closed, with what the client already sent read away so that the close is a FIN
     * and not a reset.
     */
    private void refuse(Socket socket) {
        LOG.log(Level.DEBUG, () -> "closenotify echo server " + hostAndPort() + ": refused "
                + socket.getRemoteSocketAddress() + ", " + config.maxConnections() + " connections open");
        try {
            OutputStream out = socket.getOutputStream();
            out.write(INTERNAL_ERROR_ALERT);
            out.flush();
            socket.shutdownOutput();
            InputStream in = socket.getInputStream();
            int available = in.available();
            if (available > 0) {
                in.skipNBytes(Math.min(available, 64 * 1024));
            }
        } catch (IOException e) {
            // The client is gone already.
        } finally {
            closeQuietly(socket);
        }
    }

    private static void pause() {
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
    }

    // ------------------------------------------------------------------ stopping

    private static StopReport report(List<EchoConnection> open, Duration took) {
        int clean = 0;
        int forced = 0;
        int truncated = 0;
        int otherwise = 0;
        Map<CloseReason, Integer> reasons = new EnumMap<>(CloseReason.class);
        for (EchoConnection c : open) {
            EchoConnection.Result r = c.done().getNow(null);
            if (r == null) {
                forced++; // did not even end after the force: counted with the forced ones
                continue;
            }
            reasons.merge(r.reason(), 1, Integer::sum);
            if (r.forced()) {
                forced++;
            } else if (r.reason() == CloseReason.CLEAN || r.reason() == CloseReason.QUIET) {
                clean++;
            } else if (r.reason() == CloseReason.TRUNCATED) {
                truncated++;
            } else {
                otherwise++;
            }
        }
        return new StopReport(open.size(), clean, forced, truncated, otherwise, reasons, took);
    }

    private static boolean await(CompletableFuture<Void> all, Duration timeout) {
        try {
            all.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
            return true;
        } catch (TimeoutException e) {
            return false;
        } catch (ExecutionException e) {
            return true; // a connection never completes exceptionally; count it as ended
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static void join(Thread thread, Duration timeout) {
        try {
            if (!thread.join(timeout)) {
                LOG.log(Level.WARNING, () -> thread.getName() + " did not end within " + timeout.toMillis() + " ms");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    // ------------------------------------------------------------------ JMX

    private ObjectName registerMBean() {
        try {
            ObjectName name = new ObjectName("dev.closenotify.server:type=EchoServer,address="
                    + ObjectName.quote(hostAndPort()));
            ManagementFactory.getPlatformMBeanServer().registerMBean(new Management(), name);
            return name;
        } catch (JMException | RuntimeException e) {
            LOG.log(Level.WARNING, "closenotify echo server " + hostAndPort() + ": no JMX MBean: " + e);
            return null;
        }
    }

    private void unregisterMBean() {
        if (objectName == null) {
            return;
        }
        try {
            ManagementFactory.getPlatformMBeanServer().unregisterMBean(objectName);
        } catch (JMException | RuntimeException e) {
            LOG.log(Level.DEBUG, () -> "closenotify echo server: unregistering " + objectName + ": " + e);
        }
        objectName = null;
    }

    private final class Management implements EchoServerMXBean {
        @Override
        public String getAddress() {
            return hostAndPort();
        }

        @Override
        public String getProvider() {
            return provider.name();
        }

        @Override
        public int getActiveConnections() {
            return live.size();
        }

        @Override
        public long getAcceptedConnections() {
            return stats().accepted();
        }

        @Override
        public long getRefusedConnections() {
            return stats().refused();
        }

        @Override
        public long getFullHandshakes() {
            return stats().fullHandshakes();
        }

        @Override
        public long getResumedHandshakes() {
            return stats().resumedHandshakes();
        }

        @Override
        public long getFailedHandshakes() {
            return stats().failedHandshakes();
        }

        @Override
        public long getBytesIn() {
            return stats().bytesIn();
        }

        @Override
        public long getBytesOut() {
            return stats().bytesOut();
        }

        @Override
        public long getBytesEchoed() {
            return stats().bytesEchoed();
        }

        @Override
        public Map<String, Long> getCloses() {
            return byName(stats().closes());
        }

        @Override
        public Map<String, Long> getDeadlinesFired() {
            return byName(stats().deadlines());
        }

        private static <K extends Enum<K>> Map<String, Long> byName(Map<K, Long> counts) {
            Map<String, Long> m = new LinkedHashMap<>();
            counts.entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(e -> m.put(e.getKey().name(), e.getValue()));
            return m;
        }
    }

    // ------------------------------------------------------------------ helpers

    private ServerSocket requireStarted() {
        ServerSocket ss = listener;
        if (ss == null) {
            throw new IllegalStateException("the server was not started: call start() first");
        }
        return ss;
    }

    /** {@code 127.0.0.1:8443}, {@code [::1]:8443}. */
    private String hostAndPort() {
        ServerSocket ss = listener;
        InetAddress a = ss.getInetAddress();
        String host = a.getHostAddress();
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + ss.getLocalPort();
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception e) {
            // Nothing left to do with it.
        }
    }
}

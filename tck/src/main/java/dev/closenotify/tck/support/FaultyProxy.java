package dev.closenotify.tck.support;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import java.util.function.ToLongFunction;

/**
 * A recording, fault-injecting TCP proxy on loopback, placed between a client and a real server:
 * the client connects to {@link #address()}, the proxy connects to the target and pumps bytes both
 * ways, each direction in its own virtual thread.
 *
 * <pre>{@code
 * try (FaultyProxy proxy = FaultyProxy.start(server.address())) {
 *     proxy.serverToClient().cutAt(100, Cut.FIN);       // truncate what the client receives
 *     proxy.clientToServer().splitEvery(1).flipAt(42);  // dribble, and corrupt one byte
 *     ... connect the client to proxy.address() ...
 *     FaultyProxy.Connection c = proxy.awaitConnection(0, Duration.ofSeconds(5));
 *     c.awaitEnd(proxy.serverToClient(), Duration.ofSeconds(5));
 *     TlsRecords.parse(c.clientToServer());
 * }
 * }</pre>
 *
 * <p><b>Recording.</b> Every connection records, per direction, the bytes the sender wrote
 * ({@link Connection#bytes(Direction)}, also those dropped after a cut), the bytes delivered to the
 * receiver ({@link Connection#delivered(Direction)}, after injections, flips and cuts) and the
 * chunks as they were written to the receiver ({@link Connection#chunks(Direction)}: each is one
 * {@code write} with TCP_NODELAY; the receiving TCP stack may still coalesce them). Bytes are
 * recorded before they are passed on: once a peer has read a byte, the recording holds it and
 * everything its sender wrote before it.
 *
 * <p><b>Faults</b> are the {@link Direction} rules of {@link #clientToServer()} and
 * {@link #serverToClient()}; offsets count per connection. Without rules the proxy is transparent,
 * including half-close: a FIN from one side is passed on as a FIN ({@code shutdownOutput()}), a
 * reset as a reset. When writing to a receiver fails, what its sender writes later is read and
 * dropped ({@link StreamEnd#RECEIVER_GONE}).
 *
 * <p><b>Errors.</b> Failures that are not the peers' doing (a failed connect to the target, an
 * unexpected exception in a pump, a failing accept) are recorded in {@link #errors()} and logged;
 * the peers' own resets and closes are recorded as {@link StreamEnd}s instead.
 */
public final class FaultyProxy implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(FaultyProxy.class.getName());
    private static final int BUFFER_SIZE = 16 * 1024;
    private static final int CONNECT_TIMEOUT_MILLIS = 10_000;
    private static final Duration CLOSE_JOIN = Duration.ofSeconds(5);

    private final InetSocketAddress target;
    private final ServerSocket listener;
    private final Direction clientToServer = new Direction("client->server");
    private final Direction serverToClient = new Direction("server->client");
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final List<Connection> connections = new ArrayList<>();
    private final List<Throwable> errors = new ArrayList<>();
    private final List<Thread> threads = new ArrayList<>();
    private final Thread acceptor;
    private volatile boolean closed;

    private FaultyProxy(InetSocketAddress target, ServerSocket listener) {
        this.target = target;
        this.listener = listener;
        clientToServer.onChange(this::signal);
        serverToClient.onChange(this::signal);
        this.acceptor = Thread.ofPlatform().daemon().name("faulty-proxy-accept-" + listener.getLocalPort())
                .unstarted(this::acceptLoop);
    }

    /** Starts a proxy listening on 127.0.0.1, on a free port, forwarding to {@code target}. */
    public static FaultyProxy start(InetSocketAddress target) throws IOException {
        Objects.requireNonNull(target, "target");
        ServerSocket listener = new ServerSocket();
        try {
            listener.bind(new InetSocketAddress(InetAddress.getByAddress(new byte[] {127, 0, 0, 1}), 0), 50);
        } catch (IOException e) {
            listener.close();
            throw e;
        }
        FaultyProxy proxy = new FaultyProxy(target, listener);
        proxy.acceptor.start();
        LOG.log(System.Logger.Level.DEBUG, "faulty proxy listening on {0}, forwarding to {1}", proxy.address(), target);
        return proxy;
    }

    /** The port the proxy listens on. */
    public int port() {
        return listener.getLocalPort();
    }

    /** Where clients connect: 127.0.0.1 and {@link #port()}. */
    public InetSocketAddress address() {
        return new InetSocketAddress(listener.getInetAddress(), listener.getLocalPort());
    }

    /** Where the proxy connects to. */
    public InetSocketAddress target() {
        return target;
    }

    /** The client-to-server direction: its fault rules, and its name in the recording. */
    public Direction clientToServer() {
        return clientToServer;
    }

    /** The server-to-client direction: its fault rules, and its name in the recording. */
    public Direction serverToClient() {
        return serverToClient;
    }

    /** The connections accepted so far, in order: a snapshot. */
    public List<Connection> connections() {
        lock.lock();
        try {
            return List.copyOf(connections);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Waits until connection number {@code index} (from 0, in accept order) was accepted.
     *
     * @throws AssertionError when it was not within {@code timeout}
     */
    public Connection awaitConnection(int index, Duration timeout) throws InterruptedException {
        awaitCondition(() -> connections.size() > index, timeout,
                () -> "connection #" + index + " (accepted so far: " + connections.size() + ")");
        lock.lock();
        try {
            return connections.get(index);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Waits until the senders of all connections together wrote at least {@code count} bytes in
     * {@code direction} (as recorded by {@link Connection#bytes(Direction)}), and returns that total.
     *
     * @throws AssertionError when they did not within {@code timeout}
     */
    public long awaitBytes(Direction direction, long count, Duration timeout) throws InterruptedException {
        requireOwn(direction);
        ToLongFunction<Connection> bytes = c -> c.flow(direction).received.size();
        awaitCondition(() -> connections.stream().mapToLong(bytes).sum() >= count, timeout,
                () -> count + " bytes " + direction + " (have " + connections.stream().mapToLong(bytes).sum() + ")");
        lock.lock();
        try {
            return connections.stream().mapToLong(bytes).sum();
        } finally {
            lock.unlock();
        }
    }

    /** The failures recorded so far (see the class comment): a snapshot. */
    public List<Throwable> errors() {
        lock.lock();
        try {
            return List.copyOf(errors);
        } finally {
            lock.unlock();
        }
    }

    /** Throws an {@link AssertionError} carrying every recorded error as suppressed, if there are any. */
    public void assertNoErrors() {
        List<Throwable> now = errors();
        if (!now.isEmpty()) {
            AssertionError failure = new AssertionError("faulty proxy " + address() + " recorded " + now.size() + " error(s): " + now);
            now.forEach(failure::addSuppressed);
            throw failure;
        }
    }

    /**
     * Stops accepting, closes every connection's sockets (an orderly close, not a reset) and waits
     * briefly for the pump threads to end. Idempotent.
     */
    @Override
    public void close() {
        List<Thread> toJoin;
        lock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            changed.signalAll();
            toJoin = new ArrayList<>(threads);
            toJoin.add(acceptor);
        } finally {
            lock.unlock();
        }
        closeQuietly(listener);
        for (Connection connection : connections()) {
            connection.closeSockets();
        }
        long deadline = System.nanoTime() + CLOSE_JOIN.toNanos();
        for (Thread thread : toJoin) {
            try {
                long left = deadline - System.nanoTime();
                if (left > 0 && !thread.join(Duration.ofNanos(left))) {
                    LOG.log(System.Logger.Level.WARNING, "faulty proxy thread {0} did not end in {1}", thread.getName(), CLOSE_JOIN);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    @Override
    public String toString() {
        return "FaultyProxy[" + address() + " -> " + target + "]";
    }

    // ---- internals

    private void acceptLoop() {
        while (!closed) {
            Socket client;
            try {
                client = listener.accept();
            } catch (IOException e) {
                if (!closed) {
                    recordError(new IOException("faulty proxy: accept failed", e));
                }
                return;
            }
            Connection connection;
            lock.lock();
            try {
                if (closed) {
                    closeQuietly(client);
                    return;
                }
                connection = new Connection(connections.size(), client);
                connections.add(connection);
                connection.start();
                changed.signalAll();
            } finally {
                lock.unlock();
            }
        }
    }

    private void signal() {
        lock.lock();
        try {
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    private void recordError(Throwable error) {
        LOG.log(System.Logger.Level.WARNING, "faulty proxy " + listener.getLocalPort() + ": " + error, error);
        lock.lock();
        try {
            errors.add(error);
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Waits, with the lock held while checking, until {@code condition} holds. */
    private void awaitCondition(BooleanSupplier condition, Duration timeout, Supplier<String> what)
            throws InterruptedException {
        Objects.requireNonNull(timeout, "timeout");
        long deadline = System.nanoTime() + timeout.toNanos();
        lock.lock();
        try {
            while (!condition.getAsBoolean()) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new AssertionError("timed out after " + timeout + " waiting for " + what.get() + " on " + this);
                }
                changed.awaitNanos(left);
            }
        } finally {
            lock.unlock();
        }
    }

    private void requireOwn(Direction direction) {
        Objects.requireNonNull(direction, "direction");
        if (direction != clientToServer && direction != serverToClient) {
            throw new IllegalArgumentException("direction " + direction + " belongs to another proxy or pipe");
        }
    }

    private static void closeQuietly(AutoCloseable closeable) {
        try {
            closeable.close();
        } catch (Exception ignored) {
            // closing after the fact; nothing to report
        }
    }

    /** One direction of one connection: its recording (guarded by the proxy's lock) and shaper. */
    private static final class Flow {
        final Direction direction;
        final StreamShaper shaper;
        final ByteArrayOutputStream received = new ByteArrayOutputStream();
        final ByteArrayOutputStream delivered = new ByteArrayOutputStream();
        final List<byte[]> chunks = new ArrayList<>();
        StreamEnd end;

        Flow(Direction direction) {
            this.direction = direction;
            this.shaper = new StreamShaper(direction);
        }
    }

    /** One proxied connection and its recording. Obtained from {@link FaultyProxy#connections()}. */
    public final class Connection {
        private final int index;
        private final Socket client;
        private final Flow up = new Flow(clientToServer);
        private final Flow down = new Flow(serverToClient);
        private volatile Socket server;
        /** Set when the proxy reset the connection on purpose (a RST cut, or passing a reset on). */
        private volatile StreamEnd abortedAs;

        private Connection(int index, Socket client) {
            this.index = index;
            this.client = client;
        }

        /** The connection's number, from 0, in accept order. */
        public int index() {
            return index;
        }

        /** What the client wrote so far (including bytes dropped after a cut): a copy. */
        public byte[] clientToServer() {
            return bytes(FaultyProxy.this.clientToServer);
        }

        /** What the server wrote so far (including bytes dropped after a cut): a copy. */
        public byte[] serverToClient() {
            return bytes(FaultyProxy.this.serverToClient);
        }

        /** What the sender wrote in {@code direction} so far: a copy. */
        public byte[] bytes(Direction direction) {
            lock.lock();
            try {
                return flow(direction).received.toByteArray();
            } finally {
                lock.unlock();
            }
        }

        /**
         * What was delivered to the receiver in {@code direction} so far, after faults: a copy. Bytes
         * are recorded just before they are written, so everything a receiver has read is here; when
         * the direction ended {@link StreamEnd#RECEIVER_GONE}, the last chunk may not have arrived.
         */
        public byte[] delivered(Direction direction) {
            lock.lock();
            try {
                return flow(direction).delivered.toByteArray();
            } finally {
                lock.unlock();
            }
        }

        /** The writes made to the receiver in {@code direction}, in order, recorded as {@link #delivered}: copies. */
        public List<byte[]> chunks(Direction direction) {
            lock.lock();
            try {
                return flow(direction).chunks.stream().map(byte[]::clone).toList();
            } finally {
                lock.unlock();
            }
        }

        /** How {@code direction} ended; empty while it is open. */
        public Optional<StreamEnd> end(Direction direction) {
            lock.lock();
            try {
                return Optional.ofNullable(flow(direction).end);
            } finally {
                lock.unlock();
            }
        }

        /**
         * Waits until the sender wrote at least {@code count} bytes in {@code direction}.
         *
         * @throws AssertionError when it did not within {@code timeout}
         */
        public void awaitBytes(Direction direction, long count, Duration timeout) throws InterruptedException {
            Flow flow = flow(direction);
            awaitCondition(() -> flow.received.size() >= count, timeout,
                    () -> count + " bytes " + direction + " on connection #" + index + " (have " + flow.received.size() + ")");
        }

        /**
         * Waits until at least {@code count} bytes were delivered to the receiver in {@code direction}.
         *
         * @throws AssertionError when they were not within {@code timeout}
         */
        public void awaitDelivered(Direction direction, long count, Duration timeout) throws InterruptedException {
            Flow flow = flow(direction);
            awaitCondition(() -> flow.delivered.size() >= count, timeout,
                    () -> count + " bytes delivered " + direction + " on connection #" + index + " (have "
                            + flow.delivered.size() + ")");
        }

        /**
         * Waits until {@code direction} ended, and says how.
         *
         * @throws AssertionError when it did not within {@code timeout}
         */
        public StreamEnd awaitEnd(Direction direction, Duration timeout) throws InterruptedException {
            Flow flow = flow(direction);
            awaitCondition(() -> flow.end != null, timeout, () -> "the end of " + direction + " on connection #" + index);
            lock.lock();
            try {
                return flow.end;
            } finally {
                lock.unlock();
            }
        }

        @Override
        public String toString() {
            lock.lock();
            try {
                return "connection #" + index + " [" + up.direction + ": " + up.received.size() + " B sent, "
                        + up.delivered.size() + " B delivered, end " + up.end + "; " + down.direction + ": "
                        + down.received.size() + " B sent, " + down.delivered.size() + " B delivered, end " + down.end + "]";
            } finally {
                lock.unlock();
            }
        }

        private Flow flow(Direction direction) {
            requireOwn(direction);
            return direction == up.direction ? up : down;
        }

        /** Called with the lock held. */
        private void start() {
            Thread thread = Thread.ofVirtual().name("faulty-proxy-" + port() + "-" + index + "-up").unstarted(this::run);
            threads.add(thread);
            thread.start();
        }

        private void run() {
            Socket upstream = new Socket();
            try {
                client.setTcpNoDelay(true);
                upstream.setTcpNoDelay(true);
                upstream.connect(target, CONNECT_TIMEOUT_MILLIS);
            } catch (IOException e) {
                closeQuietly(upstream);
                recordError(new IOException("faulty proxy: connection #" + index + " could not connect to " + target, e));
                abortedAs = StreamEnd.RESET;
                resetQuietly(client);
                end(up, StreamEnd.RESET);
                end(down, StreamEnd.RESET);
                return;
            }
            server = upstream;
            lock.lock();
            try {
                if (closed) {
                    closeSockets();
                    end(up, StreamEnd.CLOSED);
                    end(down, StreamEnd.CLOSED);
                    return;
                }
                Thread thread = Thread.ofVirtual().name("faulty-proxy-" + port() + "-" + index + "-down")
                        .unstarted(() -> pump(down, upstream, client));
                threads.add(thread);
                thread.start();
            } finally {
                lock.unlock();
            }
            pump(up, client, upstream);
        }

        private void pump(Flow flow, Socket source, Socket sink) {
            try {
                InputStream in = source.getInputStream();
                OutputStream out = sink.getOutputStream();
                byte[] buffer = new byte[BUFFER_SIZE];
                while (true) {
                    long version = flow.direction.version();
                    StreamShaper.Step step = flow.shaper.next(Integer.MAX_VALUE);
                    switch (step) {
                        case StreamShaper.Emit emit -> {
                            // Recorded first, so that whatever a receiver has read is in the recording.
                            lock.lock();
                            try {
                                flow.chunks.add(emit.bytes());
                                flow.delivered.writeBytes(emit.bytes());
                                changed.signalAll();
                            } finally {
                                lock.unlock();
                            }
                            try {
                                out.write(emit.bytes());
                                out.flush();
                            } catch (IOException e) {
                                if (!endedByProxy(flow)) {
                                    LOG.log(System.Logger.Level.DEBUG, "faulty proxy: {0} on connection #{1}: receiver gone: {2}",
                                            flow.direction, index, e);
                                    end(flow, StreamEnd.RECEIVER_GONE);
                                    drain(flow, in, buffer);
                                }
                                return;
                            }
                        }
                        case StreamShaper.CutNow(Cut how) when how == Cut.FIN -> {
                            shutdownOutputQuietly(sink);
                            end(flow, StreamEnd.CUT_FIN);
                            drain(flow, in, buffer);
                            return;
                        }
                        case StreamShaper.CutNow cut -> {
                            abortedAs = StreamEnd.CUT_RST;
                            resetQuietly(sink);
                            resetQuietly(source);
                            end(up, StreamEnd.CUT_RST);
                            end(down, StreamEnd.CUT_RST);
                            return;
                        }
                        case StreamShaper.NeedInput need -> {
                            int n;
                            try {
                                n = in.read(buffer, 0, (int) Math.min(buffer.length, need.limit()));
                            } catch (IOException e) {
                                if (!endedByProxy(flow)) {
                                    // The sender reset the connection: pass the reset on.
                                    LOG.log(System.Logger.Level.DEBUG, "faulty proxy: {0} on connection #{1}: {2}",
                                            flow.direction, index, e);
                                    abortedAs = StreamEnd.RESET;
                                    resetQuietly(sink);
                                    closeQuietly(source);
                                    end(up, StreamEnd.RESET);
                                    end(down, StreamEnd.RESET);
                                }
                                return;
                            }
                            if (n < 0) {
                                shutdownOutputQuietly(sink);
                                end(flow, StreamEnd.EOF);
                                return;
                            }
                            lock.lock();
                            try {
                                flow.received.write(buffer, 0, n);
                                changed.signalAll();
                            } finally {
                                lock.unlock();
                            }
                            flow.shaper.offer(buffer, 0, n);
                        }
                        case StreamShaper.Wait wait -> {
                            lock.lock();
                            try {
                                while (flow.direction.version() == version && !closed && abortedAs == null) {
                                    changed.await();
                                }
                            } finally {
                                lock.unlock();
                            }
                            if (endedByProxy(flow)) {
                                return;
                            }
                        }
                    }
                }
            } catch (InterruptedException e) {
                end(flow, StreamEnd.CLOSED);
                closeSockets();
            } catch (IOException | RuntimeException | Error e) {
                if (!endedByProxy(flow)) {
                    recordError(new IOException("faulty proxy: " + flow.direction + " on connection #" + index + " failed", e));
                    abortedAs = StreamEnd.RESET;
                    resetQuietly(sink);
                    resetQuietly(source);
                    end(up, StreamEnd.RESET);
                    end(down, StreamEnd.RESET);
                }
            }
        }

        /**
         * True when the proxy itself ended this flow (closed, or reset the connection on purpose):
         * records the end if not yet recorded.
         */
        private boolean endedByProxy(Flow flow) {
            StreamEnd aborted = abortedAs;
            if (aborted != null) {
                end(flow, aborted);
                return true;
            }
            if (closed) {
                end(flow, StreamEnd.CLOSED);
                return true;
            }
            return false;
        }

        /** Reads and records what the sender still writes, delivering nothing. */
        private void drain(Flow flow, InputStream in, byte[] buffer) {
            try {
                int n;
                while ((n = in.read(buffer)) >= 0) {
                    lock.lock();
                    try {
                        flow.received.write(buffer, 0, n);
                        changed.signalAll();
                    } finally {
                        lock.unlock();
                    }
                }
            } catch (IOException e) {
                // The connection went down while its dropped bytes were drained; the end is recorded.
                LOG.log(System.Logger.Level.DEBUG, "faulty proxy: draining {0} on connection #{1} ended: {2}",
                        flow.direction, index, e);
            }
        }

        /** Records the end (the first one counts); closes the sockets once both directions ended. */
        private void end(Flow flow, StreamEnd end) {
            boolean both;
            lock.lock();
            try {
                if (flow.end == null) {
                    flow.end = end;
                    changed.signalAll();
                }
                both = up.end != null && down.end != null;
            } finally {
                lock.unlock();
            }
            if (both) {
                closeSockets();
            }
        }

        private void closeSockets() {
            closeQuietly(client);
            Socket upstream = server;
            if (upstream != null) {
                closeQuietly(upstream);
            }
        }

        private static void shutdownOutputQuietly(Socket socket) {
            try {
                socket.shutdownOutput();
            } catch (IOException e) {
                // already closed or reset: the receiver learns of the end anyway
            }
        }

        private static void resetQuietly(Socket socket) {
            try {
                socket.setSoLinger(true, 0);
            } catch (SocketException e) {
                // already closed
            }
            closeQuietly(socket);
        }
    }
}

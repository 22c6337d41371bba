package dev.closenotify.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;
import javax.net.ssl.SSLEngineResult.Status;
import javax.net.ssl.SSLException;
import org.conscrypt.Conscrypt;

/**
 * The floor of the idle-memory row, not a server anyone would run: a bare server-side
 * {@code SSLEngine} over an accepted {@code Socket}, and nothing else once it is idle. A virtual
 * thread per connection runs the handshake and the client's one-byte echo with buffers of its own,
 * then ends; the idle connection then holds only its socket, its engine (with the session and, on
 * Conscrypt, BoringSSL's native state) and an entry in the set of open connections: no thread, no
 * buffer, no lock. Whatever closenotify's echo server holds above this is its own cost. The stop
 * sends close_notify from a new virtual thread per connection and waits for the peer's.
 */
final class BareEngineBenchServer implements BenchServer {
    /** One idle connection: all the floor keeps. */
    private record Conn(Socket socket, SSLEngine engine) {
    }

    private final ServerSocket listener;
    private final SSLContext context;
    private final boolean conscrypt;
    private final Set<Conn> open = ConcurrentHashMap.newKeySet();
    private final AtomicInteger cleanAtStop = new AtomicInteger();

    private BareEngineBenchServer(ServerSocket listener, SSLContext context, boolean conscrypt) {
        this.listener = listener;
        this.context = context;
        this.conscrypt = conscrypt;
    }

    static BareEngineBenchServer start(boolean conscrypt, Path keys) throws IOException, GeneralSecurityException {
        KeyStore ks = BenchKeys.load(keys);
        // SunX509, as closenotify's KeyMaterial: the key is decrypted once, not per handshake.
        KeyManagerFactory kmf = KeyManagerFactory.getInstance("SunX509");
        kmf.init(ks, BenchKeys.PASSWORD);
        SSLContext ctx = conscrypt ? SSLContext.getInstance("TLS", Conscrypt.newProvider()) : SSLContext.getInstance("TLS");
        ctx.init(kmf.getKeyManagers(), null, null);
        ServerSocket ss = new ServerSocket(0, 4096, InetAddress.getByName("127.0.0.1"));
        BareEngineBenchServer server = new BareEngineBenchServer(ss, ctx, conscrypt);
        Thread.ofPlatform().name("bare-engine-accept").daemon().start(server::acceptLoop);
        return server;
    }

    private void acceptLoop() {
        while (!listener.isClosed()) {
            try {
                Socket s = listener.accept();
                s.setTcpNoDelay(true);
                Thread.ofVirtual().start(() -> setUp(s));
            } catch (IOException e) {
                if (listener.isClosed()) {
                    return;
                }
            }
        }
    }

    /** Handshake and the one-byte echo, on a thread that ends after them. */
    private void setUp(Socket s) {
        SSLEngine engine = context.createSSLEngine();
        engine.setUseClientMode(false);
        engine.setEnabledProtocols(new String[] {"TLSv1.3", "TLSv1.2"});
        engine.setEnabledCipherSuites(BenchKeys.SUITES.toArray(String[]::new));
        if (conscrypt) {
            Conscrypt.setUseSessionTickets(engine, true); // as closenotify's Conscrypt provider does
        }
        Io io = new Io(s, engine);
        try {
            engine.beginHandshake();
            boolean echoed = false;
            while (!echoed) {
                HandshakeStatus hs = engine.getHandshakeStatus();
                if (hs == HandshakeStatus.NEED_TASK) {
                    Runnable t;
                    while ((t = engine.getDelegatedTask()) != null) {
                        t.run();
                    }
                } else if (hs == HandshakeStatus.NEED_WRAP) {
                    io.wrap(ByteBuffer.allocate(0));
                } else {
                    ByteBuffer plain = io.unwrap();
                    if (plain == null) {
                        throw new IOException("closed during set-up");
                    }
                    if (plain.hasRemaining()) {
                        io.wrap(plain); // the client's one byte, echoed: it is ready and idle now
                        echoed = true;
                    }
                }
            }
            if (io.netIn.position() > 0) {
                throw new IOException("bytes after the echo: the client is not idle");
            }
            open.add(new Conn(s, engine));
        } catch (IOException e) {
            close(s);
        }
    }

    /** The buffers of one thread working on one connection: set-up or stop, never while idle. */
    private static final class Io {
        final Socket socket;
        final SSLEngine engine;
        final InputStream in;
        final OutputStream out;
        final ByteBuffer netIn;
        final ByteBuffer appIn;
        final ByteBuffer netOut;

        Io(Socket socket, SSLEngine engine) {
            this.socket = socket;
            this.engine = engine;
            try {
                this.in = socket.getInputStream();
                this.out = socket.getOutputStream();
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
            this.netIn = ByteBuffer.allocate(engine.getSession().getPacketBufferSize());
            this.appIn = ByteBuffer.allocate(engine.getSession().getApplicationBufferSize());
            this.netOut = ByteBuffer.allocate(engine.getSession().getPacketBufferSize());
        }

        void wrap(ByteBuffer src) throws IOException {
            do {
                netOut.clear();
                SSLEngineResult r = engine.wrap(src, netOut);
                out.write(netOut.array(), 0, netOut.position());
                if (r.getStatus() == Status.CLOSED) {
                    return;
                }
                runTasks(r);
            } while (src.hasRemaining());
        }

        /** The plaintext of the next record (maybe empty: a handshake record); null at the end of the inbound side. */
        ByteBuffer unwrap() throws IOException {
            while (true) {
                netIn.flip();
                appIn.clear();
                SSLEngineResult r;
                try {
                    r = engine.unwrap(netIn, appIn);
                } finally {
                    netIn.compact();
                }
                if (r.getStatus() == Status.CLOSED && engine.isInboundDone()) {
                    return null;
                }
                // CLOSED with the inbound side open: a stack that says so for every unwrap after our close_notify.
                if (r.getStatus() == Status.BUFFER_UNDERFLOW || (r.bytesConsumed() == 0 && r.bytesProduced() == 0)) {
                    int n = in.read(netIn.array(), netIn.position(), netIn.remaining());
                    if (n < 0) {
                        throw new SSLException("EOF");
                    }
                    netIn.position(netIn.position() + n);
                    continue;
                }
                runTasks(r);
                return appIn.flip();
            }
        }

        private void runTasks(SSLEngineResult r) {
            if (r.getHandshakeStatus() == HandshakeStatus.NEED_TASK) {
                Runnable t;
                while ((t = engine.getDelegatedTask()) != null) {
                    t.run();
                }
            }
        }
    }

    @Override
    public int port() {
        return listener.getLocalPort();
    }

    @Override
    public int active() {
        return open.size();
    }

    @Override
    public Line stop(Duration grace) throws IOException, InterruptedException {
        long t0 = System.nanoTime();
        listener.close();
        List<Conn> all = List.copyOf(open);
        CountDownLatch ended = new CountDownLatch(all.size());
        for (Conn c : all) {
            Thread.ofVirtual().start(() -> {
                try {
                    Io io = new Io(c.socket(), c.engine());
                    c.engine().closeOutbound();
                    io.wrap(ByteBuffer.allocate(0));
                    ByteBuffer plain;
                    while ((plain = io.unwrap()) != null) {
                        plain.clear(); // the peer's data after our close_notify: dropped
                    }
                    if (c.engine().isInboundDone()) {
                        cleanAtStop.incrementAndGet();
                    }
                } catch (IOException | RuntimeException e) {
                    // A reset or a bad record ends this connection only.
                } finally {
                    close(c.socket());
                    open.remove(c);
                    ended.countDown();
                }
            });
        }
        ended.await(grace.toMillis(), TimeUnit.MILLISECONDS);
        int forced = open.size();
        close();
        long ns = System.nanoTime() - t0;
        return Line.of("STOPPED").with("ms", String.format("%.1f", ns / 1e6)).with("open", all.size())
                .with("clean", cleanAtStop.get()).with("forced", forced);
    }

    @Override
    public void close() {
        close(listener);
        for (Conn c : open) {
            close(c.socket());
        }
    }

    private static void close(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception e) {
            // closing anyway
        }
    }
}

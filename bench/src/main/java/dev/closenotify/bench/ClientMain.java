package dev.closenotify.bench;

import dev.closenotify.spi.ShutdownProviders;
import dev.closenotify.spi.ShutdownResult;
import dev.closenotify.spi.TlsConfig;
import dev.closenotify.spi.TlsContext;
import dev.closenotify.spi.TlsException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import org.conscrypt.Conscrypt;

/**
 * The client JVM: one load generator per mode, each printing {@code RESULT mode=...} lines on
 * stdout. Usage: {@code ClientMain SERVER_ID PORT KEYS_DIR MODE [key=value...]}, or
 * {@code ClientMain KEYS_DIR} with one command a line on stdin (see {@link #commands}).
 *
 * <ul>
 *   <li>{@code echo sizes=64,1024,16384 conns=4,32,1000 warmupMs= measureMs=}: closed-loop echo,
 *       each connection one message in flight; Conscrypt {@code SSLSocket}s on virtual threads.</li>
 *   <li>{@code handshake protocols=TLSv1.3,TLSv1.2 kinds=full,resumed workers= warmupMs= measureMs=}:
 *       connect, handshake, 1-byte echo, bidirectional close; closenotify + Conscrypt client,
 *       resumption read from {@code SessionFacts.resumed()} on every connection.</li>
 *   <li>{@code close count= workers=}: after a 1-byte echo, the time from our close_notify to the
 *       server's close_notify and on to its TCP EOF; every close classified.</li>
 *   <li>{@code idle conns= stack=conscrypt|jsse}: opens and handshakes that many connections
 *       (closenotify's client over that stack), prints {@code READY},
 *       holds them; each answers the server's close_notify with its own; prints the
 *       classification ({@code mode=stop-client}) once all ended, or at {@code stopWaitMs}.</li>
 * </ul>
 */
public final class ClientMain {
    static final String PROTOCOL_TLS13 = "TLSv1.3";
    private static final Duration IO_TIMEOUT = Duration.ofSeconds(10);

    private final ServerKind server;
    private final int port;
    private final X509TrustManager trust;
    private final Map<String, String> opts;

    private ClientMain(ServerKind server, int port, X509TrustManager trust, Map<String, String> opts) {
        this.server = server;
        this.port = port;
        this.trust = trust;
        this.opts = opts;
    }

    public static void main(String[] args) throws Exception {
        if (args.length == 1) {
            commands(BenchKeys.trust(Path.of(args[0])));
            System.exit(0);
        }
        if (args.length < 4) {
            System.err.println("usage: ClientMain KEYS_DIR (commands on stdin) | ClientMain SERVER PORT KEYS_DIR MODE [key=value...]");
            System.exit(2);
        }
        new ClientMain(ServerKind.byId(args[0]), Integer.parseInt(args[1]), BenchKeys.trust(Path.of(args[2])),
                options(Arrays.asList(args).subList(4, args.length))).run(args[3]);
        System.exit(0);
    }

    /**
     * One client JVM for every traffic mode of a run: each stdin line {@code SERVER PORT MODE
     * [key=value...]} runs one mode and ends with a {@code DONE} line (after its {@code RESULT}
     * lines, or an {@code ERROR} line when it failed). The JVM stays warm from server to server,
     * so no mode measures a client still being compiled. Ends at the end of stdin.
     */
    private static void commands(X509TrustManager trust) throws IOException {
        java.io.BufferedReader in = new java.io.BufferedReader(
                new java.io.InputStreamReader(System.in, java.nio.charset.StandardCharsets.UTF_8));
        String cmd;
        while ((cmd = in.readLine()) != null) {
            List<String> w = List.of(cmd.trim().split(" "));
            if (w.size() < 3) {
                continue;
            }
            try {
                new ClientMain(ServerKind.byId(w.get(0)), Integer.parseInt(w.get(1)), trust,
                        options(w.subList(3, w.size()))).run(w.get(2));
            } catch (Exception e) {
                e.printStackTrace();
                say(Line.of("ERROR").with("mode", w.get(2)).with("error", String.valueOf(e).replace(' ', '_')));
            }
            say(Line.of("DONE").with("mode", w.get(2)));
        }
    }

    private static Map<String, String> options(List<String> args) {
        Map<String, String> opts = new HashMap<>();
        for (String a : args) {
            String[] kv = a.split("=", 2);
            if (kv.length != 2) {
                throw new IllegalArgumentException("not key=value: " + a);
            }
            opts.put(kv[0], kv[1]);
        }
        return opts;
    }

    private void run(String mode) throws Exception {
        switch (mode) {
            case "echo" -> echo();
            case "handshake" -> handshakes();
            case "close" -> closes();
            case "idle" -> idle();
            default -> throw new IllegalArgumentException("unknown mode " + mode + " (echo, handshake, close, idle)");
        }
    }

    private int opt(String key, int dflt) {
        return opts.containsKey(key) ? Integer.parseInt(opts.get(key)) : dflt;
    }

    private List<String> list(String key, String dflt) {
        return List.of(opts.getOrDefault(key, dflt).split(","));
    }

    private static void say(Line line) {
        System.out.println(line);
        System.out.flush();
    }

    private Line result(String mode, String client) {
        return Line.of("RESULT").with("mode", mode).with("server", server.id()).with("client", client);
    }

    // ---- sockets ------------------------------------------------------------------------------

    /** Source addresses 127.0.0.2..127.0.0.101: 100 x ~28k ephemeral ports, so TIME_WAIT never runs out. */
    private static final AtomicInteger NEXT_SOURCE = new AtomicInteger();

    private Socket connect() throws IOException {
        int i = Math.floorMod(NEXT_SOURCE.getAndIncrement(), 100);
        Socket s = new Socket();
        s.bind(new InetSocketAddress(InetAddress.getByAddress(new byte[] {127, 0, 0, (byte) (2 + i)}), 0));
        s.setTcpNoDelay(true);
        s.setSoTimeout((int) IO_TIMEOUT.toMillis());
        s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), (int) IO_TIMEOUT.toMillis());
        return s;
    }

    // ---- echo ---------------------------------------------------------------------------------

    private void echo() throws Exception {
        SSLContext ctx = SSLContext.getInstance("TLS", Conscrypt.newProvider());
        ctx.init(null, new TrustManager[] {trust}, null);
        int warmup = opt("warmupMs", 300);
        int measure = opt("measureMs", 1000);
        for (String conns : list("conns", "4,32,1000")) {
            // One set of connections serves every size: 1,000 handshakes once, not once per size.
            List<SSLSocket> sockets = openEcho(ctx, Integer.parseInt(conns));
            try {
                for (String size : list("sizes", "64,1024,16384")) {
                    say(echoCell(sockets, Integer.parseInt(size), warmup, measure));
                }
            } finally {
                closeAll(sockets);
            }
        }
    }

    private Line echoCell(List<SSLSocket> sockets, int size, int warmupMs, int measureMs) throws Exception {
        int conns = sockets.size();
        String suite = sockets.getFirst().getSession().getCipherSuite();
        String protocol = sockets.getFirst().getSession().getProtocol();
        long start = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(warmupMs);
        long end = start + TimeUnit.MILLISECONDS.toNanos(measureMs);
        int perThreadCap = Math.max(1_000, 2_000_000 / conns);
        ConcurrentLinkedQueue<long[]> samples = new ConcurrentLinkedQueue<>();
        LongAdder counted = new LongAdder();
        LongAdder errors = new LongAdder();
        CountDownLatch done = new CountDownLatch(conns);
        // Messages each connection completed in the window: a server may serve some connections
        // over and over while others wait, which raises msg/s and the p50 and hides in the p99.
        AtomicLongArray perConn = new AtomicLongArray(conns);
        for (int c = 0; c < conns; c++) {
            SSLSocket s = sockets.get(c);
            int index = c;
            Thread.ofVirtual().start(() -> {
                long[] mine = new long[perThreadCap];
                int k = 0;
                byte[] msg = new byte[size];
                byte[] got = new byte[size];
                Arrays.fill(msg, (byte) 'x');
                msg[size - 1] = '\n';
                try {
                    OutputStream out = s.getOutputStream();
                    InputStream in = s.getInputStream();
                    while (true) {
                        long t = System.nanoTime();
                        if (t >= end) {
                            break;
                        }
                        out.write(msg);
                        readFully(in, got);
                        long t2 = System.nanoTime();
                        if (got[0] != 'x' || got[size - 1] != '\n') {
                            errors.increment();
                        }
                        if (t >= start && t2 <= end) {
                            counted.increment();
                            perConn.incrementAndGet(index);
                            if (k < mine.length) {
                                mine[k++] = t2 - t;
                            }
                        }
                    }
                } catch (IOException e) {
                    errors.increment();
                } finally {
                    samples.add(Arrays.copyOf(mine, k));
                    done.countDown();
                }
            });
        }
        if (!done.await(warmupMs + measureMs + 30_000L, TimeUnit.MILLISECONDS)) {
            errors.increment();
        }
        long[] all = samples.stream().flatMapToLong(Arrays::stream).sorted().toArray();
        double seconds = measureMs / 1000.0;
        double msgs = counted.sum() / seconds;
        return result("echo", "conscrypt-sslsocket").with("protocol", protocol).with("suite", suite)
                .with("size", size).with("conns", conns).with("seconds", seconds).with("msgs", counted.sum())
                .with("msgsPerSec", fmt(msgs)).with("mbPerSec", fmt(msgs * size * 2 / 1e6))
                .with("p50us", fmt(percentile(all, 0.50) / 1e3)).with("p99us", fmt(percentile(all, 0.99) / 1e3))
                .with("connsServed", served(perConn)).with("fairness", fmt(fairness(perConn)))
                .with("errors", errors.sum());
    }

    /** Connections that completed at least one message in the window. */
    static int served(AtomicLongArray perConn) {
        int n = 0;
        for (int i = 0; i < perConn.length(); i++) {
            n += perConn.get(i) > 0 ? 1 : 0;
        }
        return n;
    }

    /**
     * Jain's fairness index of the messages per connection, (Σx)² / (n·Σx²): 1 when every
     * connection was served alike, 1/n when one connection had them all.
     */
    static double fairness(AtomicLongArray perConn) {
        double sum = 0;
        double squares = 0;
        for (int i = 0; i < perConn.length(); i++) {
            double x = perConn.get(i);
            sum += x;
            squares += x * x;
        }
        return squares == 0 ? Double.NaN : sum * sum / (perConn.length() * squares);
    }

    private List<SSLSocket> openEcho(SSLContext ctx, int conns) throws Exception {
        // Bounded concurrency: a listen backlog of 128 (closenotify's) must not overflow into SYN retries.
        Semaphore inFlight = new Semaphore(16);
        List<SSLSocket> sockets = java.util.Collections.synchronizedList(new ArrayList<>());
        ConcurrentLinkedQueue<Exception> failures = new ConcurrentLinkedQueue<>();
        CountDownLatch opened = new CountDownLatch(conns);
        for (int i = 0; i < conns; i++) {
            inFlight.acquire();
            Thread.ofVirtual().start(() -> {
                try {
                    SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket(connect(), "localhost", port, true);
                    s.setEnabledProtocols(new String[] {PROTOCOL_TLS13});
                    s.setEnabledCipherSuites(new String[] {BenchKeys.TLS13_SUITE});
                    s.startHandshake();
                    sockets.add(s);
                } catch (IOException e) {
                    failures.add(e);
                } finally {
                    inFlight.release();
                    opened.countDown();
                }
            });
        }
        if (!opened.await(60, TimeUnit.SECONDS) || !failures.isEmpty()) {
            closeAll(sockets);
            IOException e = new IOException("could not open " + conns + " echo connections to " + server.id()
                    + ": " + failures.size() + " failed");
            failures.forEach(e::addSuppressed);
            throw e;
        }
        return sockets;
    }

    private static void closeAll(List<? extends Socket> sockets) {
        for (Socket s : sockets) {
            try {
                s.close();
            } catch (IOException e) {
                // closing anyway
            }
        }
    }

    private static void readFully(InputStream in, byte[] b) throws IOException {
        int off = 0;
        while (off < b.length) {
            int n = in.read(b, off, b.length - off);
            if (n < 0) {
                throw new IOException("end-of-stream after " + off + " of " + b.length + " bytes");
            }
            off += n;
        }
    }

    // ---- handshakes ---------------------------------------------------------------------------

    private TlsContext clientContext(String protocol) throws TlsException {
        return clientContext("conscrypt", protocol);
    }

    private TlsContext clientContext(String provider, String protocol) throws TlsException {
        return ShutdownProviders.get(provider).newContext(TlsConfig.client()
                .trustManager(trust)
                .protocols(protocol)
                .cipherSuites(protocol.equals(PROTOCOL_TLS13) ? BenchKeys.TLS13_SUITE : BenchKeys.TLS12_SUITE)
                // The cache key (see Pump) is not the certificate's name; the chain is still verified.
                .hostnameVerification(false)
                .sessionCacheSize(1_000)
                .build());
    }

    private void handshakes() throws Exception {
        int workers = opt("workers", 4);
        int warmup = opt("warmupMs", 300);
        int measure = opt("measureMs", 1500);
        for (String protocol : list("protocols", "TLSv1.3,TLSv1.2")) {
            TlsContext ctx = clientContext(protocol);
            for (String kind : list("kinds", "full,resumed")) {
                say(handshakeCell(ctx, protocol, kind.equals("resumed"), workers, warmup, measure));
            }
        }
    }

    private Line handshakeCell(TlsContext ctx, String protocol, boolean resume, int workers, int warmupMs,
                               int measureMs) throws InterruptedException {
        long start = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(warmupMs);
        long end = start + TimeUnit.MILLISECONDS.toNanos(measureMs);
        LongAdder counted = new LongAdder();
        LongAdder resumed = new LongAdder();
        LongAdder errors = new LongAdder();
        AtomicLong unique = new AtomicLong();
        ConcurrentLinkedQueue<String> suites = new ConcurrentLinkedQueue<>();
        ConcurrentLinkedQueue<long[]> samples = new ConcurrentLinkedQueue<>();
        ConcurrentLinkedQueue<String> firstError = new ConcurrentLinkedQueue<>();
        CountDownLatch done = new CountDownLatch(workers);
        for (int w = 0; w < workers; w++) {
            String key = "w" + w + "-" + System.nanoTime();
            Thread.ofVirtual().start(() -> {
                long[] mine = new long[200_000];
                int k = 0;
                byte[] one = {'h'};
                try {
                    while (System.nanoTime() < end) {
                        long t = System.nanoTime();
                        String cacheKey = resume ? key : key + "-" + unique.incrementAndGet();
                        try (Pump p = new Pump(ctx, connect(), cacheKey)) {
                            p.handshake();
                            p.write(one);
                            // Reading the echo also takes in a TLS 1.3 ticket; then a clean close keeps it.
                            if (!p.readFully(one)) {
                                throw new IOException("no echo");
                            }
                            p.shutdown(true);
                            long t2 = System.nanoTime();
                            var facts = p.tls.session().orElseThrow();
                            if (suites.isEmpty()) {
                                suites.add(facts.cipherSuite());
                            }
                            if (t >= start && t2 <= end) {
                                counted.increment();
                                if (facts.resumed()) {
                                    resumed.increment();
                                }
                                if (k < mine.length) {
                                    mine[k++] = t2 - t;
                                }
                            }
                        } catch (IOException | RuntimeException e) {
                            if (t >= start) {
                                errors.increment();
                            }
                            if (firstError.isEmpty()) {
                                firstError.add(e.toString());
                            }
                        }
                    }
                } finally {
                    samples.add(Arrays.copyOf(mine, k));
                    done.countDown();
                }
            });
        }
        if (!done.await(warmupMs + measureMs + 30_000L, TimeUnit.MILLISECONDS)) {
            errors.increment();
        }
        if (!firstError.isEmpty()) {
            System.err.println("handshake " + server.id() + " " + protocol + ": first error: " + firstError.peek());
        }
        long[] all = samples.stream().flatMapToLong(Arrays::stream).sorted().toArray();
        double seconds = measureMs / 1000.0;
        long n = counted.sum();
        return result("handshake", "closenotify-conscrypt").with("protocol", protocol)
                .with("suite", suites.isEmpty() ? "none" : suites.peek())
                .with("kind", resume ? "resumed" : "full").with("workers", workers).with("seconds", seconds)
                .with("conns", n).with("perSec", fmt(n / seconds)).with("resumed", resumed.sum())
                .with("resumedFraction", n == 0 ? "0" : fmt((double) resumed.sum() / n))
                .with("p50us", fmt(percentile(all, 0.50) / 1e3)).with("p99us", fmt(percentile(all, 0.99) / 1e3))
                .with("errors", errors.sum());
    }

    // ---- close --------------------------------------------------------------------------------

    enum CloseClass {
        CLEAN, TRUNCATED, RESET, TIMEOUT, OTHER;

        /** How a close that failed with {@code e} is classified. */
        static CloseClass of(TlsException e) {
            return switch (e.kind()) {
                case TRUNCATED -> TRUNCATED;
                case RESET -> RESET;
                case TIMEOUT -> TIMEOUT;
                default -> OTHER;
            };
        }
    }

    private void closes() throws Exception {
        int count = opt("count", 1_000);
        int workers = opt("workers", 4);
        TlsContext ctx = clientContext(PROTOCOL_TLS13);
        Map<CloseClass, LongAdder> classes = new java.util.EnumMap<>(CloseClass.class);
        for (CloseClass c : CloseClass.values()) {
            classes.put(c, new LongAdder());
        }
        ConcurrentLinkedQueue<long[]> samples = new ConcurrentLinkedQueue<>();
        // The part of each round trip until the server's close_notify: the rest is the wait for its FIN.
        ConcurrentLinkedQueue<long[]> notifySamples = new ConcurrentLinkedQueue<>();
        ConcurrentLinkedQueue<String> suites = new ConcurrentLinkedQueue<>();
        AtomicInteger left = new AtomicInteger(count);
        CountDownLatch done = new CountDownLatch(workers);
        for (int w = 0; w < workers; w++) {
            String key = "c" + w;
            Thread.ofVirtual().start(() -> {
                long[] mine = new long[count];
                long[] mineNotify = new long[count];
                int k = 0;
                byte[] one = {'c'};
                try {
                    while (left.getAndDecrement() > 0) {
                        CloseClass cls;
                        long rtt = -1;
                        long toNotify = -1;
                        try (Pump p = new Pump(ctx, connect(), key)) {
                            p.handshake();
                            p.write(one);
                            p.readFully(one);
                            if (suites.isEmpty()) {
                                suites.add(p.tls.session().orElseThrow().cipherSuite());
                            }
                            long t0 = System.nanoTime();
                            ShutdownResult first = p.shutdown(false);
                            ShutdownResult r = first == ShutdownResult.COMPLETE ? first : p.shutdown(true);
                            toNotify = System.nanoTime() - t0;
                            boolean eof = r == ShutdownResult.COMPLETE && p.tcpEof();
                            rtt = System.nanoTime() - t0;
                            cls = eof ? CloseClass.CLEAN : CloseClass.OTHER;
                        } catch (TlsException e) {
                            cls = CloseClass.of(e);
                        } catch (SocketTimeoutException e) {
                            cls = CloseClass.TIMEOUT;
                        } catch (SocketException e) {
                            cls = CloseClass.RESET;
                        } catch (IOException | RuntimeException e) {
                            cls = CloseClass.OTHER;
                        }
                        classes.get(cls).increment();
                        if (cls == CloseClass.CLEAN) {
                            mineNotify[k] = toNotify;
                            mine[k++] = rtt;
                        }
                    }
                } finally {
                    samples.add(Arrays.copyOf(mine, k));
                    notifySamples.add(Arrays.copyOf(mineNotify, k));
                    done.countDown();
                }
            });
        }
        done.await(120, TimeUnit.SECONDS);
        long[] all = samples.stream().flatMapToLong(Arrays::stream).sorted().toArray();
        long[] toNotify = notifySamples.stream().flatMapToLong(Arrays::stream).sorted().toArray();
        Line l = result("close", "closenotify-conscrypt").with("protocol", PROTOCOL_TLS13)
                .with("suite", suites.isEmpty() ? "none" : suites.peek()).with("count", count);
        for (CloseClass c : CloseClass.values()) {
            l = l.with(c.name().toLowerCase(java.util.Locale.ROOT), classes.get(c).sum());
        }
        say(l.with("p50us", fmt(percentile(all, 0.50) / 1e3)).with("p99us", fmt(percentile(all, 0.99) / 1e3))
                .with("p50NotifyUs", fmt(percentile(toNotify, 0.50) / 1e3)));
    }

    // ---- idle + graceful stop -----------------------------------------------------------------

    private void idle() throws Exception {
        int conns = opt("conns", 10_000);
        int stopWaitMs = opt("stopWaitMs", 60_000);
        // Conscrypt by default: a JSSE client costs as much CPU as the server (10,000 handshakes
        // took 22.0 s instead of 14.6 against closenotify-jsse). A Conscrypt engine holds a pipe (three descriptors a connection), so the
        // launcher splits the connections over as many client JVMs as the file limit needs.
        String stack = opts.getOrDefault("stack", "conscrypt");
        TlsContext ctx = clientContext(stack, PROTOCOL_TLS13);
        Map<CloseClass, LongAdder> classes = new java.util.EnumMap<>(CloseClass.class);
        for (CloseClass c : CloseClass.values()) {
            classes.put(c, new LongAdder());
        }
        CountDownLatch ready = new CountDownLatch(conns);
        CountDownLatch ended = new CountDownLatch(conns);
        AtomicInteger failedOpen = new AtomicInteger();
        LongAdder resumed = new LongAdder();
        ConcurrentLinkedQueue<String> suites = new ConcurrentLinkedQueue<>();
        Semaphore inFlight = new Semaphore(16);
        long t0 = System.nanoTime();
        for (int i = 0; i < conns; i++) {
            inFlight.acquire();
            String key = "i" + (i % 16);
            Thread.ofVirtual().start(() -> {
                CloseClass cls = CloseClass.OTHER;
                Pump p = null;
                boolean isReady = false;
                try {
                    Socket s = connect();
                    s.setSoTimeout(0); // idle for as long as the run needs; the stop ends it
                    p = new Pump(ctx, s, key);
                    p.handshake();
                    byte[] one = {'i'};
                    p.write(one);
                    p.readFully(one);
                    var facts = p.tls.session().orElseThrow();
                    if (suites.isEmpty()) {
                        suites.add(facts.cipherSuite());
                    }
                    if (facts.resumed()) {
                        resumed.increment();
                    }
                    isReady = true;
                    inFlight.release();
                    ready.countDown();
                    p.readToEnd(); // until the server's close_notify
                    p.shutdown(false); // ours, in answer: COMPLETE
                    cls = CloseClass.CLEAN;
                } catch (TlsException e) {
                    cls = CloseClass.of(e);
                } catch (SocketException e) {
                    cls = CloseClass.RESET;
                } catch (IOException | RuntimeException e) {
                    cls = CloseClass.OTHER;
                } finally {
                    if (!isReady) {
                        failedOpen.incrementAndGet();
                        inFlight.release();
                        ready.countDown();
                    }
                    classes.get(cls).increment();
                    if (p != null) {
                        p.close();
                    }
                    ended.countDown();
                }
            });
        }
        ready.await(300, TimeUnit.SECONDS);
        double setup = (System.nanoTime() - t0) / 1e9;
        say(Line.of("READY").with("conns", conns - failedOpen.get()).with("failed", failedOpen.get())
                .with("resumed", resumed.sum())
                .with("setupSeconds", fmt(setup)).with("suite", suites.isEmpty() ? "none" : suites.peek()));
        // The launcher measures the server now, then stops it; every connection then ends.
        boolean all = ended.await(stopWaitMs + 300_000L, TimeUnit.MILLISECONDS);
        Line l = result("stop-client", "closenotify-" + stack).with("protocol", PROTOCOL_TLS13)
                .with("suite", suites.isEmpty() ? "none" : suites.peek()).with("conns", conns)
                .with("failedOpen", failedOpen.get()).with("allEnded", all);
        for (CloseClass c : CloseClass.values()) {
            l = l.with(c.name().toLowerCase(java.util.Locale.ROOT), classes.get(c).sum());
        }
        say(l);
    }

    // ---- numbers ------------------------------------------------------------------------------

    static double percentile(long[] sorted, double q) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        int i = (int) Math.ceil(q * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
    }

    static String fmt(double v) {
        if (Double.isNaN(v)) {
            return "NaN";
        }
        return Math.abs(v) >= 100 ? String.format(java.util.Locale.ROOT, "%.0f", v)
                : String.format(java.util.Locale.ROOT, "%.3f", v);
    }

}

package dev.closenotify.bench;

import dev.closenotify.server.KeyMaterial;
import dev.closenotify.spi.ShutdownProviders;
import dev.closenotify.spi.TlsBufferConnection;
import dev.closenotify.spi.TlsConfig;
import dev.closenotify.spi.TlsContext;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.security.KeyStore;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLException;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;
import org.conscrypt.Conscrypt;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The core's cost per record: one application record from client to server through closenotify's
 * engine-driven connection (the buffer transport, {@code write} then {@code read}) against the same
 * through two bare {@code SSLEngine}s ({@code wrap} then {@code unwrap}), same provider, same TLS 1.3
 * suite, same payload, the same kind of buffers (the one the stack prefers). Both copy the record
 * once between the two sides, as a transport would.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class CoreRecordBenchmark {

    @Param({"jsse", "conscrypt"})
    public String provider;

    @Param({"64", "16384"})
    public int size;

    private ByteBuffer payload;
    private ByteBuffer app;

    private SSLEngine bareClient;
    private SSLEngine bareServer;
    private ByteBuffer netOut;
    private ByteBuffer netIn;

    private TlsBufferConnection client;
    private TlsBufferConnection server;
    private boolean direct;

    private ByteBuffer buffer(int capacity) {
        return direct ? ByteBuffer.allocateDirect(capacity) : ByteBuffer.allocate(capacity);
    }

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        KeyMaterial km = KeyMaterial.selfSigned();
        KeyStore ts = KeyStore.getInstance("PKCS12");
        ts.load(null, null);
        ts.setCertificateEntry("server", km.certificate());
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ts);
        X509TrustManager trust = (X509TrustManager) tmf.getTrustManagers()[0];
        TlsContext cc = ShutdownProviders.get(provider).newContext(TlsConfig.client().trustManager(trust)
                .protocols("TLSv1.3").cipherSuites(BenchKeys.SUITES.toArray(String[]::new)).serverName("localhost").build());
        TlsContext sc = ShutdownProviders.get(provider).newContext(TlsConfig.server(km.keyManager())
                .protocols("TLSv1.3").cipherSuites(BenchKeys.SUITES.toArray(String[]::new)).build());
        // Both paths on the kind of buffer the stack asks for, as the echo server gives it
        // (TlsContext.prefersDirectBuffers: Conscrypt direct, JSSE heap). On heap buffers the core
        // stages Conscrypt's records through direct ones, a path the server does not take.
        direct = sc.prefersDirectBuffers();
        payload = buffer(size);
        app = buffer(64 * 1024);

        SSLContext ctx = provider.equals("conscrypt") ? SSLContext.getInstance("TLS", Conscrypt.newProvider())
                : SSLContext.getInstance("TLS");
        // Conscrypt picks the key through a KeyManagerFactory's manager (chooseEngineServerAlias);
        // a key store made from the same key and chain serves both stacks alike.
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        String alias = km.keyManager().getServerAliases("EC", null)[0];
        ks.setKeyEntry("server", km.keyManager().getPrivateKey(alias), BenchKeys.PASSWORD,
                km.chain().toArray(java.security.cert.Certificate[]::new));
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, BenchKeys.PASSWORD);
        ctx.init(kmf.getKeyManagers(), new TrustManager[] {trust}, null);
        bareClient = ctx.createSSLEngine("localhost", 443);
        bareClient.setUseClientMode(true);
        bareServer = ctx.createSSLEngine();
        bareServer.setUseClientMode(false);
        for (SSLEngine e : List.of(bareClient, bareServer)) {
            e.setEnabledProtocols(new String[] {"TLSv1.3"});
            // With no TLS 1.2 suite enabled, a Conscrypt server finds no key type to choose a
            // certificate for (BoringSSL: NO_CERTIFICATE_SET); the suite is checked below.
            e.setEnabledCipherSuites(BenchKeys.SUITES.toArray(String[]::new));
        }
        netOut = buffer(64 * 1024);
        netIn = buffer(64 * 1024);
        bareHandshake();

        InetSocketAddress peer = InetSocketAddress.createUnresolved("localhost", 443);
        client = cc.open(buffer(64 * 1024), buffer(64 * 1024), peer, cc.config().policy());
        server = sc.open(buffer(64 * 1024), buffer(64 * 1024), peer, sc.config().policy());
        coreHandshake();
        String bareSuite = bareClient.getSession().getCipherSuite();
        String coreSuite = client.session().orElseThrow().cipherSuite();
        if (!bareSuite.equals(BenchKeys.TLS13_SUITE) || !coreSuite.equals(BenchKeys.TLS13_SUITE)) {
            throw new IllegalStateException("negotiated " + bareSuite + " (bare) and " + coreSuite + " (core), not "
                    + BenchKeys.TLS13_SUITE);
        }
        // Check both paths once: the benchmark must move the whole payload.
        if (bare() != size || core() != size) {
            throw new IllegalStateException("a record did not carry the whole payload of " + size + " bytes");
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        client.close();
        server.close();
    }

    /**
     * Bare JSSE/Conscrypt: wrap the payload, hand the bytes over, unwrap them. A stack may cut
     * 16 KiB into more than one record (JSSE does), so both paths loop until all of it arrived.
     */
    @Benchmark
    public int bare() throws SSLException {
        payload.clear();
        netOut.clear();
        while (payload.hasRemaining()) {
            bareClient.wrap(payload, netOut);
        }
        netOut.flip();
        netIn.clear();
        netIn.put(netOut);
        netIn.flip();
        app.clear();
        while (netIn.hasRemaining()) {
            SSLEngineResult r = bareServer.unwrap(netIn, app);
            if (r.bytesConsumed() == 0) {
                break;
            }
        }
        return app.position();
    }

    /** closenotify's core: write the payload, hand the bytes over, read them. */
    @Benchmark
    public int core() throws Exception {
        payload.clear();
        while (payload.hasRemaining()) {
            client.write(payload);
        }
        ByteBuffer out = client.outbound();
        out.flip();
        server.inbound().put(out);
        out.clear();
        app.clear();
        int got = 0;
        while (got < size) {
            int n = server.read(app);
            if (n <= 0) {
                break;
            }
            got += n;
        }
        return got;
    }

    private void bareHandshake() throws SSLException {
        ByteBuffer c2s = ByteBuffer.allocate(64 * 1024);
        ByteBuffer s2c = ByteBuffer.allocate(64 * 1024);
        ByteBuffer sink = ByteBuffer.allocate(64 * 1024);
        bareClient.beginHandshake();
        bareServer.beginHandshake();
        for (int i = 0; i < 200; i++) {
            step(bareClient, s2c, c2s, sink);
            step(bareServer, c2s, s2c, sink);
            if (done(bareClient) && done(bareServer) && c2s.position() == 0 && s2c.position() == 0) {
                return;
            }
        }
        throw new IllegalStateException("bare handshake did not finish: " + bareClient.getHandshakeStatus()
                + " / " + bareServer.getHandshakeStatus());
    }

    private static boolean done(SSLEngine e) {
        return e.getHandshakeStatus() == SSLEngineResult.HandshakeStatus.NOT_HANDSHAKING
                || e.getHandshakeStatus() == SSLEngineResult.HandshakeStatus.FINISHED;
    }

    /** Unwraps what came in, runs tasks, wraps what must go out. Buffers in fill mode. */
    private static void step(SSLEngine e, ByteBuffer in, ByteBuffer out, ByteBuffer sink) throws SSLException {
        in.flip();
        while (in.hasRemaining()) {
            SSLEngineResult r = e.unwrap(in, sink);
            sink.clear();
            runTasks(e);
            if (r.getStatus() != SSLEngineResult.Status.OK || r.bytesConsumed() == 0) {
                break;
            }
        }
        in.compact();
        for (int i = 0; i < 10; i++) {
            SSLEngineResult r = e.wrap(ByteBuffer.allocate(0), out);
            runTasks(e);
            if (r.bytesProduced() == 0 && e.getHandshakeStatus() != SSLEngineResult.HandshakeStatus.NEED_WRAP) {
                break;
            }
        }
    }

    private static void runTasks(SSLEngine e) {
        Runnable t;
        while ((t = e.getDelegatedTask()) != null) {
            t.run();
        }
    }

    private void coreHandshake() throws Exception {
        for (int i = 0; i < 200; i++) {
            client.handshake();
            move(client, server);
            server.handshake();
            move(server, client);
            client.read(app.clear()); // takes in the TLS 1.3 ticket after the handshake
            if (client.session().isPresent() && server.session().isPresent()) {
                break;
            }
        }
        // One byte each way: every post-handshake message is consumed before measuring.
        server.write(ByteBuffer.wrap(new byte[] {1}));
        move(server, client);
        if (client.read(app.clear()) != 1) {
            throw new IllegalStateException("core handshake did not finish");
        }
    }

    private static void move(TlsBufferConnection from, TlsBufferConnection to) {
        ByteBuffer out = from.outbound();
        out.flip();
        to.inbound().put(out);
        out.clear();
    }

    /** {@code RESULT mode=jmh} lines from JMH's CSV ({@code -rf csv}). */
    static List<Line> parseCsv(List<String> csv) {
        List<Line> out = new ArrayList<>();
        if (csv.isEmpty()) {
            return out;
        }
        List<String> head = splitCsv(csv.getFirst());
        for (String row : csv.subList(1, csv.size())) {
            if (row.isBlank()) {
                continue;
            }
            List<String> f = splitCsv(row);
            String bench = f.get(head.indexOf("Benchmark"));
            out.add(Line.of("RESULT").with("mode", "jmh")
                    .with("benchmark", bench.substring(bench.lastIndexOf('.') + 1))
                    .with("provider", f.get(head.indexOf("Param: provider")))
                    .with("size", f.get(head.indexOf("Param: size")))
                    .with("scoreNs", f.get(head.indexOf("Score")))
                    .with("errorNs", f.get(head.indexOf("Score Error (99.9%)")))
                    .with("samples", f.get(head.indexOf("Samples"))));
        }
        return out;
    }

    private static List<String> splitCsv(String row) {
        List<String> out = new ArrayList<>();
        for (String s : row.split(",", -1)) {
            out.add(s.replace("\"", "").trim());
        }
        return out;
    }
}

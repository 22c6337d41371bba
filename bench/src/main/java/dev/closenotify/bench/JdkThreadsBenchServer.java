package dev.closenotify.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.SocketException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;

/**
 * The naive way: a JDK {@code SSLServerSocket} (SunJSSE) and one platform thread per connection
 * that reads and writes back until end-of-stream, then closes (JSSE's close sends close_notify).
 */
final class JdkThreadsBenchServer implements BenchServer {
    private final SSLServerSocket listener;
    private final Set<SSLSocket> open = ConcurrentHashMap.newKeySet();
    private final AtomicInteger cleanAtStop = new AtomicInteger();
    private volatile boolean stopping;

    private JdkThreadsBenchServer(SSLServerSocket listener) {
        this.listener = listener;
    }

    static JdkThreadsBenchServer start(Path keys) throws IOException, GeneralSecurityException {
        KeyStore ks = BenchKeys.load(keys);
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, BenchKeys.PASSWORD);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(kmf.getKeyManagers(), null, null);
        SSLServerSocket ss = (SSLServerSocket) ctx.getServerSocketFactory()
                .createServerSocket(0, 4096, InetAddress.getByName("127.0.0.1"));
        ss.setEnabledProtocols(new String[] {"TLSv1.3", "TLSv1.2"});
        ss.setEnabledCipherSuites(BenchKeys.SUITES.toArray(String[]::new));
        JdkThreadsBenchServer server = new JdkThreadsBenchServer(ss);
        Thread.ofPlatform().name("jdk-threads-accept").daemon().start(server::acceptLoop);
        return server;
    }

    private void acceptLoop() {
        int n = 0;
        while (!listener.isClosed()) {
            try {
                SSLSocket s = (SSLSocket) listener.accept();
                // The one tweak to the naive server: without it Nagle's algorithm, not TLS, sets the latency.
                s.setTcpNoDelay(true);
                open.add(s);
                Thread.ofPlatform().name("jdk-threads-conn-" + n++).daemon().start(() -> serve(s));
            } catch (IOException e) {
                if (listener.isClosed()) {
                    return;
                }
            }
        }
    }

    private void serve(SSLSocket s) {
        byte[] buf = new byte[16 * 1024];
        try (s) {
            InputStream in = s.getInputStream();
            OutputStream out = s.getOutputStream();
            int n;
            while ((n = in.read(buf)) != -1) {
                out.write(buf, 0, n);
            }
            // The peer's close_notify: close() answers it with ours.
            if (stopping) {
                cleanAtStop.incrementAndGet();
            }
        } catch (IOException e) {
            // A reset or bad record ends this connection only.
        } finally {
            open.remove(s);
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
        stopping = true;
        int atStop = open.size();
        for (SSLSocket s : open) {
            try {
                s.shutdownOutput(); // SunJSSE: sends close_notify and keeps reading
            } catch (SocketException e) {
                // already gone
            }
        }
        long deadline = t0 + grace.toNanos();
        while (!open.isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(1);
        }
        int forced = open.size();
        for (SSLSocket s : open) {
            s.close();
        }
        long ns = System.nanoTime() - t0;
        return Line.of("STOPPED").with("ms", String.format("%.1f", ns / 1e6)).with("open", atStop)
                .with("clean", cleanAtStop.get()).with("forced", forced);
    }

    @Override
    public void close() {
        try {
            listener.close();
        } catch (IOException e) {
            // closing anyway
        }
        for (SSLSocket s : open) {
            try {
                s.close();
            } catch (IOException e) {
                // closing anyway
            }
        }
    }
}

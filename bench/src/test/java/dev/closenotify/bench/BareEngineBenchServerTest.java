package dev.closenotify.bench;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The floor server of the idle row holds handshaken connections after their one-byte echo, and
 * its stop exchanges close_notify with every peer: real sockets on 127.0.0.1, JSSE clients, the
 * run's key generated at test time.
 */
class BareEngineBenchServerTest {

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void holdsIdleConnectionsAndStopsThemCleanly(@TempDir Path keys) throws Exception {
        BenchKeys.generate(keys);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, new TrustManager[] {BenchKeys.trust(keys)}, null);
        try (BareEngineBenchServer server = BareEngineBenchServer.start(false, keys)) {
            List<SSLSocket> clients = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket(InetAddress.getLoopbackAddress(), server.port());
                s.setSoTimeout(30_000);
                s.getOutputStream().write('i');
                s.getOutputStream().flush();
                assertEquals('i', s.getInputStream().read(), "the one-byte echo");
                clients.add(s);
            }
            // Held once its echo went out: the echo may reach the client first.
            await().atMost(Duration.ofSeconds(30)).until(() -> server.active() == clients.size());
            List<Thread> answers = new ArrayList<>();
            for (SSLSocket s : clients) {
                // Each peer reads to the server's close_notify and answers it with its own (close()).
                answers.add(Thread.ofVirtual().start(() -> {
                    try (s) {
                        InputStream in = s.getInputStream();
                        while (in.read() != -1) {
                            // nothing else is sent
                        }
                        OutputStream out = s.getOutputStream();
                        out.flush();
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                }));
            }
            Line stopped = server.stop(Duration.ofSeconds(20));
            for (Thread t : answers) {
                t.join(TimeUnit.SECONDS.toMillis(30));
            }
            assertEquals(5, stopped.number("open"), stopped.toString());
            assertEquals(5, stopped.number("clean"), "every peer's close_notify came back: " + stopped);
            assertEquals(0, stopped.number("forced"), stopped.toString());
        }
    }
}

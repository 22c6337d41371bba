package dev.closenotify.bench;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * The floor under the echo rows, without TLS: a plain TCP echo served three ways, so the cost of
 * the way a server waits for bytes shows apart from the cost of its TLS stack.
 * <ul>
 *   <li>{@code vthreads}: a virtual thread per connection in a blocking read, as closenotify's
 *       server waits;</li>
 *   <li>{@code selector}: one platform thread with a {@link Selector}, as an event loop (Netty)
 *       waits;</li>
 *   <li>{@code platform}: a platform thread per connection in a blocking read (jdk-threads).</li>
 * </ul>
 * Usage: {@code TransportFloor server KIND} (prints {@code LISTENING port= pid=}, serves until
 * stdin ends) and {@code TransportFloor client PORT CONNS SIZE WARMUP_MS MEASURE_MS} (closed loop,
 * one message in flight per connection, platform threads, so the client adds no virtual-thread
 * hand-offs of its own; prints one {@code RESULT mode=floor} line, {@code roundTrips} counting the
 * warm-up's too).
 */
public final class TransportFloor {
    static final List<String> KINDS = List.of("vthreads", "selector", "platform");

    private TransportFloor() {
    }

    public static void main(String[] args) throws Exception {
        switch (args.length > 0 ? args[0] : "") {
            case "server" -> server(args[1]);
            case "client" -> client(Integer.parseInt(args[1]), Integer.parseInt(args[2]), Integer.parseInt(args[3]),
                    Long.parseLong(args[4]), Long.parseLong(args[5]));
            default -> {
                System.err.println("usage: TransportFloor server vthreads|selector|platform"
                        + " | TransportFloor client PORT CONNS SIZE WARMUP_MS MEASURE_MS");
                System.exit(2);
            }
        }
        System.exit(0);
    }

    private static void server(String kind) throws Exception {
        if (!KINDS.contains(kind)) {
            throw new IllegalArgumentException("kind must be one of " + KINDS + ", not " + kind);
        }
        ServerSocketChannel listener = ServerSocketChannel.open()
                .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 128);
        System.out.println(Line.of("LISTENING").with("kind", kind)
                .with("port", ((InetSocketAddress) listener.getLocalAddress()).getPort())
                .with("pid", ProcessHandle.current().pid()));
        System.out.flush();
        Thread serving = Thread.ofPlatform().daemon().start(() -> {
            try {
                if (kind.equals("selector")) {
                    selector(listener);
                } else {
                    threads(listener, kind.equals("vthreads") ? Thread.ofVirtual().factory()
                            : Thread.ofPlatform().daemon().factory());
                }
            } catch (IOException e) {
                e.printStackTrace();
            }
        });
        while (System.in.read() >= 0) {
            // until the launcher closes stdin
        }
        listener.close();
        serving.join(5_000);
    }

    /** Never opened: a connection's thread waits here after its peer left (see {@link #threads}). */
    private static final CountDownLatch NEVER = new CountDownLatch(1);

    private static void threads(ServerSocketChannel listener, ThreadFactory threads) throws IOException {
        while (true) {
            SocketChannel c = listener.accept();
            c.setOption(StandardSocketOptions.TCP_NODELAY, true);
            threads.newThread(() -> {
                ByteBuffer b = ByteBuffer.allocate(64 * 1024);
                try (c) {
                    while (c.read(b) >= 0) {
                        b.flip();
                        while (b.hasRemaining()) {
                            c.write(b);
                        }
                        b.clear();
                    }
                } catch (IOException e) {
                    // the client went away
                }
                // A platform thread's context switches are counted per thread in /proc and gone
                // with it: it stays until the JVM ends, so the launcher's count after the client
                // still holds them.
                try {
                    NEVER.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }).start();
        }
    }

    private static void selector(ServerSocketChannel listener) throws IOException {
        Selector sel = Selector.open();
        listener.configureBlocking(false);
        listener.register(sel, SelectionKey.OP_ACCEPT);
        ByteBuffer b = ByteBuffer.allocateDirect(64 * 1024);
        while (true) {
            sel.select();
            for (Iterator<SelectionKey> it = sel.selectedKeys().iterator(); it.hasNext(); ) {
                SelectionKey k = it.next();
                it.remove();
                if (k.isAcceptable()) {
                    SocketChannel c = listener.accept();
                    if (c != null) {
                        c.configureBlocking(false);
                        c.setOption(StandardSocketOptions.TCP_NODELAY, true);
                        c.register(sel, SelectionKey.OP_READ);
                    }
                    continue;
                }
                SocketChannel c = (SocketChannel) k.channel();
                b.clear();
                int n;
                try {
                    n = c.read(b);
                } catch (IOException e) {
                    n = -1;
                }
                if (n < 0) {
                    k.cancel();
                    c.close();
                    continue;
                }
                b.flip();
                // A closed-loop client waits for the whole echo before it sends more: the socket
                // buffer takes it, so writing it here never spins for long.
                while (b.hasRemaining()) {
                    c.write(b);
                }
            }
        }
    }

    private static void client(int port, int conns, int size, long warmupMs, long measureMs) throws Exception {
        long start = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(warmupMs);
        long end = start + TimeUnit.MILLISECONDS.toNanos(measureMs);
        ConcurrentLinkedQueue<long[]> samples = new ConcurrentLinkedQueue<>();
        ConcurrentLinkedQueue<Exception> failures = new ConcurrentLinkedQueue<>();
        LongAdder roundTrips = new LongAdder();
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < conns; i++) {
            threads.add(Thread.ofPlatform().start(() -> {
                long[] mine = new long[1_000_000];
                int k = 0;
                try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
                    s.setTcpNoDelay(true);
                    OutputStream out = s.getOutputStream();
                    InputStream in = s.getInputStream();
                    byte[] msg = new byte[size];
                    byte[] got = new byte[size];
                    while (true) {
                        long t = System.nanoTime();
                        if (t >= end) {
                            break;
                        }
                        out.write(msg);
                        for (int off = 0; off < size; ) {
                            int n = in.read(got, off, size - off);
                            if (n < 0) {
                                throw new EOFException("after " + off + " of " + size + " bytes");
                            }
                            off += n;
                        }
                        long t2 = System.nanoTime();
                        roundTrips.increment();
                        if (t >= start && t2 <= end && k < mine.length) {
                            mine[k++] = t2 - t;
                        }
                    }
                } catch (IOException e) {
                    failures.add(e);
                } finally {
                    samples.add(Arrays.copyOf(mine, k));
                }
            }));
        }
        for (Thread t : threads) {
            t.join();
        }
        long[] all = samples.stream().flatMapToLong(Arrays::stream).sorted().toArray();
        double seconds = measureMs / 1000.0;
        System.out.println(Line.of("RESULT").with("mode", "floor").with("conns", conns).with("size", size)
                .with("seconds", seconds).with("msgs", all.length).with("roundTrips", roundTrips.sum())
                .with("msgsPerSec", ClientMain.fmt(all.length / seconds))
                .with("p50us", ClientMain.fmt(ClientMain.percentile(all, 0.50) / 1e3))
                .with("p99us", ClientMain.fmt(ClientMain.percentile(all, 0.99) / 1e3))
                .with("errors", failures.size()));
        System.out.flush();
    }
}

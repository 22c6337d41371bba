package dev.closenotify.cluster;

import dev.closenotify.spi.CloseReason;
import dev.closenotify.spi.ShutdownResult;
import dev.closenotify.spi.TlsContext;
import dev.closenotify.spi.TlsException;
import dev.closenotify.spi.TlsSocketConnection;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * One client under load: sends numbered messages one at a time through HAProxy and verifies each
 * echo byte for byte. A connection carries a number of messages and then closes cleanly; when the
 * node's close_notify arrives before a message's echo (a node stopping), the client answers it,
 * and sends that same message again on a new connection. Anything else — a truncation, a reset,
 * a wrong or partial echo — is a failure and ends the client.
 *
 * <p>Bounded: at most {@code maxMessages} messages and {@code maxTime}, whatever happens.
 */
final class LoadClient implements Runnable {
    final int id;
    final InetAddress source;
    private final TlsContext context;
    private final InetSocketAddress frontend;
    private final Duration pace;
    private final long maxMessages;
    private final Duration maxTime;
    private final boolean longLived;
    private final Random random;
    private volatile boolean stopping;

    /** Messages whose echo came back complete and correct. */
    final AtomicLong echoed = new AtomicLong();
    /** Their bytes. */
    final AtomicLong echoedBytes = new AtomicLong();
    /** Distinct messages started (a resent one counts once). */
    final AtomicLong messages = new AtomicLong();
    /** Messages sent again on a new connection because the node's close_notify came before their echo. */
    final AtomicLong resent = new AtomicLong();
    /** Bytes written to a node that closed before echoing them (the node discarded them). */
    final AtomicLong unechoedBytes = new AtomicLong();
    /** Connections opened, and those of them that ended as the contract says (CLEAN; SENT_ONLY for a BC client's own close). */
    final AtomicLong connections = new AtomicLong();
    final AtomicLong clean = new AtomicLong();
    /** Connections the node closed (its close_notify first). */
    final AtomicLong closedByNode = new AtomicLong();
    final List<Throwable> failures = new CopyOnWriteArrayList<>();

    /**
     * A client; a {@code longLived} one never ends a connection on its own before it is stopped, so
     * its connection outlives any drain deadline and gets the node's close_notify mid-stream.
     */
    LoadClient(int id, InetAddress source, TlsContext context, InetSocketAddress frontend, Duration pace,
            long maxMessages, Duration maxTime, boolean longLived) {
        this.id = id;
        this.source = source;
        this.context = context;
        this.frontend = frontend;
        this.pace = pace;
        this.maxMessages = maxMessages;
        this.maxTime = maxTime;
        this.longLived = longLived;
        this.random = new Random(id);
    }

    /** Finish the message in flight, close the connection cleanly, end. */
    void stop() {
        stopping = true;
    }

    @Override
    public void run() {
        long deadline = System.nanoTime() + maxTime.toNanos();
        // A message already sent is finished even after the deadline, but not forever.
        long hardDeadline = deadline + Duration.ofSeconds(30).toNanos();
        long seq = 0;
        byte[] pending = null;
        while (pending != null || (!stopping && seq < maxMessages && System.nanoTime() - deadline < 0)) {
            if (System.nanoTime() - hardDeadline > 0) {
                fail("the end", new AssertionError("message " + (seq - 1) + " was never echoed"));
                return;
            }
            TlsSocketConnection c;
            try {
                c = Clients.connect(context, frontend, source);
            } catch (IOException e) {
                fail("connect #" + (connections.get() + 1), e);
                return;
            }
            connections.incrementAndGet();
            // Connections of different lengths: some end while a node drains, some outlive the drain deadline.
            int length = longLived ? Integer.MAX_VALUE : 20 + random.nextInt(180);
            boolean nodeClosed = false;
            try {
                for (int k = 0; k < length; k++) {
                    if (pending == null) {
                        if (stopping || seq >= maxMessages || System.nanoTime() - deadline > 0) {
                            break;
                        }
                        pending = message(id, seq++);
                        messages.incrementAndGet();
                    }
                    if (!exchange(c, pending)) {
                        nodeClosed = true;
                        resent.incrementAndGet();
                        break;
                    }
                    echoed.incrementAndGet();
                    echoedBytes.addAndGet(pending.length);
                    pending = null;
                    LockSupport.parkNanos(pace.toNanos());
                }
                if (nodeClosed) {
                    closedByNode.incrementAndGet();
                    // The node's close_notify arrived (read returned -1): ours answers it.
                    expect(ShutdownResult.COMPLETE, c.shutdown(), "answering the node's close_notify");
                    c.close();
                    if (c.outcome().orElseThrow().reason() != CloseReason.CLEAN) {
                        throw new AssertionError("connection ended " + c.outcome().orElseThrow() + ", not CLEAN");
                    }
                } else {
                    Clients.closeFirst(c);
                }
                clean.incrementAndGet();
            } catch (TlsException | AssertionError e) {
                c.close();
                fail("connection #" + connections.get() + " (" + c.outcome().map(Object::toString).orElse("open") + ")", e);
                return;
            }
        }
    }

    /**
     * Writes {@code m} and reads its echo. True when the whole echo came back and matched; false
     * when the node's close_notify came first (nothing of the echo arrived); fails otherwise.
     */
    private boolean exchange(TlsSocketConnection c, byte[] m) throws TlsException {
        try {
            c.write(m, 0, m.length);
        } catch (TlsException e) {
            if (e.kind() == TlsException.Kind.WRITE_AFTER_PEER_CLOSE) {
                // TLS 1.2 (or no half-close): the node's close_notify was already read; nothing was sent.
                return false;
            }
            throw e;
        }
        byte[] back = new byte[m.length];
        int off = 0;
        while (off < back.length) {
            int n = c.read(back, off, back.length - off);
            if (n < 0) {
                if (off == 0) {
                    unechoedBytes.addAndGet(m.length);
                    return false;
                }
                throw new AssertionError("a partial echo: " + off + " of " + m.length + " bytes, then close_notify");
            }
            off += n;
        }
        if (!Arrays.equals(m, back)) {
            throw new AssertionError("the echo of message " + new String(m, 0, 24, StandardCharsets.US_ASCII).strip()
                    + " differs from what was sent");
        }
        return true;
    }

    private static void expect(ShutdownResult want, ShutdownResult got, String what) {
        if (want != got) {
            throw new AssertionError(what + ": shutdown() returned " + got + ", want " + want);
        }
    }

    private void fail(String where, Throwable t) {
        failures.add(new AssertionError("client " + id + " (" + source.getHostAddress() + "), " + where + ": " + t, t));
    }

    /** Message {@code seq} of client {@code id}: a 28-byte readable header, then 64..1024 bytes fixed by (id, seq). */
    static byte[] message(int id, long seq) {
        Random r = new Random(id * 1_000_003L + seq);
        byte[] header = String.format("client %3d message %8d:", id, seq).getBytes(StandardCharsets.US_ASCII);
        byte[] m = new byte[header.length + 64 + r.nextInt(961)];
        System.arraycopy(header, 0, m, 0, header.length);
        for (int i = header.length; i < m.length; i++) {
            m[i] = (byte) r.nextInt(256);
        }
        return m;
    }

    String summary() {
        return "client " + id + " (" + source.getHostAddress() + "): messages=" + messages + " echoed=" + echoed
                + " resent=" + resent + " connections=" + connections + " clean=" + clean + " closedByNode=" + closedByNode
                + " failures=" + failures.size();
    }
}

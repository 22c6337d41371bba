package dev.closenotify.reliability;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.closenotify.spi.CloseReason;
import dev.closenotify.spi.Role;
import dev.closenotify.spi.ConnectionPolicy;
import dev.closenotify.spi.ShutdownFlag;
import dev.closenotify.spi.ShutdownProvider;
import dev.closenotify.spi.ShutdownResult;
import dev.closenotify.spi.TlsException;
import dev.closenotify.spi.TlsException.Kind;
import dev.closenotify.spi.TlsSocketConnection;
import dev.closenotify.tck.support.ContextPair;
import dev.closenotify.tck.support.Cut;
import dev.closenotify.tck.support.Direction;
import dev.closenotify.tck.support.FaultyProxy;
import dev.closenotify.tck.support.SocketPair;
import dev.closenotify.tck.support.TlsRecords;
import java.io.ByteArrayOutputStream;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The socket path of truncation, where FIN and RST are real TCP: through a {@link FaultyProxy},
 * the sender's two records and its close_notify are cut by a FIN at every byte offset, and by a
 * RST at the record boundaries (and one byte either side) and inside the close_notify; the
 * sender is the server, then the client. A FIN must read as a typed TRUNCATED after exactly the
 * whole records; a RST as a typed RESET after at most those records (TCP may discard what arrived
 * unread); the receiver drops its session. {@link TruncationTest} covers the same on the buffer
 * transport, with the session rule of the next handshake.
 */
@Execution(ExecutionMode.CONCURRENT)
@Timeout(value = 120, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class SocketTruncationTest {

    private static final Duration WAIT = Duration.ofSeconds(15);
    private static final byte[] FIRST = Wire.data(8, 31);
    private static final byte[] SECOND = Wire.data(13, 32);
    private static final byte[] PING = {'p'};
    private static final ConnectionPolicy BOUNDED = ConnectionPolicy.DEFAULT.withIdleReadTimeout(WAIT);

    @ParameterizedTest(name = "{0} {1}, sent by the {2}")
    @MethodSource("dev.closenotify.reliability.Providers#eachWithProtocolAndRole")
    void finAtEveryOffsetRstAtTheBoundaries(ShutdownProvider p, String protocol, Role sender) throws Exception {
        try (ContextPair ctx = ContextPair.of(p, protocol);
             FaultyProxy proxy = FaultyProxy.start(ctx.address())) {
            Direction toReceiver = sender == Role.SERVER ? proxy.serverToClient() : proxy.clientToServer();
            int[] index = {0};
            // A probe without a fault: the layout of what the sender sends.
            Run probe = run(ctx, proxy, toReceiver, sender, index, -1, Cut.FIN);
            assertTrue(probe.end.endOfStream(), p.name() + " " + protocol + ": the probe closes cleanly: " + probe.end);
            byte[] sent = probe.wire.bytes(toReceiver);
            TlsRecords.Parsed records = TlsRecords.parse(sent, probe.base, sent.length);
            List<TlsRecords.TlsRecord> all = records.records();
            assertEquals(3, all.size(), p.name() + " " + protocol + ": two records and the close_notify: " + records);
            int firstEnd = all.get(0).end() - probe.base;
            int secondEnd = all.get(1).end() - probe.base;
            int length = all.get(2).end() - probe.base;
            TreeSet<Integer> boundaries = new TreeSet<>(List.of(0, 1, firstEnd - 1, firstEnd, firstEnd + 1,
                    secondEnd - 1, secondEnd, secondEnd + 1, (secondEnd + length) / 2, length - 1));
            for (Cut how : Cut.values()) {
                Iterable<Integer> offsets = how == Cut.FIN
                        ? IntStream.range(0, length).boxed().toList() : boundaries;
                for (int offset : offsets) {
                    String where = p.name() + " " + protocol + " sent by the " + sender + ", socket cut=" + how
                            + " at offset " + offset + " of " + length;
                    Run r = run(ctx, proxy, toReceiver, sender, index, offset, how);
                    byte[] whole = whole(offset, firstEnd, secondEnd);
                    assertFalse(r.end.endOfStream(), where + ": never end-of-stream: " + r.end);
                    TlsException e = r.end.failure().orElseThrow(() -> new AssertionError(where + ": " + r.end));
                    if (how == Cut.FIN) {
                        assertArrayEquals(whole, r.end.data(), where + ": exactly the whole records: " + r.end);
                        assertEquals(Kind.TRUNCATED, e.kind(), where + ": " + e);
                        assertEquals(CloseReason.TRUNCATED, r.reason, where);
                    } else {
                        assertArrayEquals(Arrays.copyOf(whole, r.end.data().length), r.end.data(),
                                where + ": a prefix of the whole records: " + r.end);
                        assertEquals(Kind.RESET, e.kind(), where + ": " + e);
                        assertEquals(CloseReason.RESET, r.reason, where);
                    }
                    assertFalse(r.kept, where + ": the receiver drops the session");
                    Tally.fault();
                    Tally.verified(r.end.data().length);
                    Tally.caseRun();
                }
            }
        }
    }

    private static byte[] whole(int offset, int firstEnd, int secondEnd) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        if (offset >= firstEnd) {
            b.writeBytes(FIRST);
        }
        if (offset >= secondEnd) {
            b.writeBytes(SECOND);
        }
        return b.toByteArray();
    }

    private record Run(FaultyProxy.Connection wire, int base, Wire.ReadEnd end, CloseReason reason, boolean kept) {}

    /**
     * One connection: a ping each way to settle the handshake (TLS 1.3 tickets included), the cut
     * towards the receiver (unless {@code offset < 0}), the sender's data and close_notify.
     */
    private static Run run(ContextPair ctx, FaultyProxy proxy, Direction toReceiver, Role sender, int[] index,
                           int offset, Cut how) throws Exception {
        toReceiver.clear();
        try (SocketPair pair = ctx.sockets(proxy.address(), BOUNDED, BOUNDED).handshake()) {
            TlsSocketConnection out = sender == Role.SERVER ? pair.server() : pair.client();
            TlsSocketConnection in = sender == Role.SERVER ? pair.client() : pair.server();
            byte[] one = new byte[1];
            pair.server().write(PING, 0, 1);
            assertEquals(1, pair.client().read(one, 0, 1));
            pair.client().write(PING, 0, 1);
            assertEquals(1, pair.server().read(one, 0, 1));
            FaultyProxy.Connection wire = proxy.awaitConnection(index[0]++, WAIT);
            int base = wire.bytes(toReceiver).length;
            if (offset >= 0) {
                toReceiver.cutAt(base + offset, how);
            }
            try {
                out.write(FIRST, 0, FIRST.length);
                out.write(SECOND, 0, SECOND.length);
                assertEquals(ShutdownResult.SENT, out.shutdown());
            } catch (TlsException e) {
                // A RST reaches the sender too: its later writes may fail, typed.
                assertTrue(offset >= 0 && how == Cut.RST && e.kind() == Kind.RESET, "the sender: " + e);
            }
            Wire.ReadEnd end = readToEnd(in);
            if (end.endOfStream()) {
                assertTrue(in.flags().contains(ShutdownFlag.RECEIVED));
                assertEquals(ShutdownResult.COMPLETE, in.shutdown());
            }
            pair.close();
            wire.awaitEnd(toReceiver, WAIT);
            var o = in.outcome().orElseThrow();
            return new Run(wire, base, end, o.reason(), o.sessionKept());
        }
    }

    private static Wire.ReadEnd readToEnd(TlsSocketConnection c) {
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        byte[] buf = new byte[4096];
        try {
            int n;
            while ((n = c.read(buf, 0, buf.length)) >= 0) {
                got.write(buf, 0, n);
            }
            return new Wire.ReadEnd(got.toByteArray(), true, Optional.empty());
        } catch (TlsException e) {
            return new Wire.ReadEnd(got.toByteArray(), false, Optional.of(e));
        }
    }
}

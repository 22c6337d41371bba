package dev.closenotify.reliability;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.closenotify.spi.CloseOutcome;
import dev.closenotify.spi.CloseReason;
import dev.closenotify.spi.Role;
import dev.closenotify.spi.ShutdownProvider;
import dev.closenotify.spi.TlsBufferConnection;
import dev.closenotify.spi.TlsException;
import dev.closenotify.spi.TlsException.Kind;
import dev.closenotify.tck.support.BufferPipe;
import dev.closenotify.tck.support.ContextPair;
import dev.closenotify.tck.support.Direction;
import dev.closenotify.tck.support.TlsRecords;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * SEMANTICS §6 against hostile bytes: after a handshake the sender writes three short records; a
 * fault is put on the wire in front of the second one (or on it). The receiver must return the
 * first record intact and nothing else, then fail with a typed PROTOCOL error; it puts exactly one
 * fatal alert on the wire (at most one when what it received was itself an alert) and nothing
 * after it, not even for a later shutdown(); the sender receives that alert as FATAL_ALERT and
 * answers nothing; no session survives (the next handshake on the same contexts is full, which
 * is also checked after the last case). Every ordered pair of providers, so that each stack's alert
 * is received by each other stack.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class HostileBytesTest {

    private static final byte[] A = Wire.data(16, 21);
    private static final byte[] B = Wire.data(16, 22);
    private static final byte[] C = Wire.data(16, 23);

    /** A fault, applied to the sender's direction given where its three records start. */
    enum Fault {
        GARBAGE("non-TLS bytes (an HTTP request)"),
        FORGED_RECORD("an application_data record with a valid header and a random body"),
        CORRUPTED_MAC("the last byte of the second record (its tag) flipped"),
        OVERSIZED_RECORD("a record header claiming 18433 bytes (over 2^14 + 2048)"),
        PLAINTEXT_ALERT("an unprotected fatal unexpected_message alert"),
        PLAINTEXT_HANDSHAKE("an unprotected HelloRequest handshake record"),
        CHANGE_CIPHER_SPEC("a change_cipher_spec record after the handshake"),
        DROPPED_RECORD("the second record dropped"),
        DUPLICATED_RECORD("the first record replayed");

        final String what;

        Fault(String what) {
            this.what = what;
        }

        /** Whether what the receiver gets is an alert (which it need not answer). */
        boolean isAlert() {
            return this == PLAINTEXT_ALERT;
        }

        void apply(Direction d, long base, List<TlsRecords.TlsRecord> records) {
            TlsRecords.TlsRecord first = records.get(0);
            TlsRecords.TlsRecord second = records.get(1);
            long at = base + second.offset();
            switch (this) {
                case GARBAGE -> d.injectAt(at, "GET / HTTP/1.1\r\nHost: localhost\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                case FORGED_RECORD -> {
                    byte[] forged = Wire.data(64, 99);
                    forged[0] = 0x17;
                    forged[1] = 0x03;
                    forged[2] = 0x03;
                    forged[3] = 0x00;
                    forged[4] = 59;
                    d.injectAt(at, forged);
                }
                case CORRUPTED_MAC -> d.flipAt(base + second.end() - 1);
                case OVERSIZED_RECORD -> {
                    byte[] big = new byte[5 + 64];
                    System.arraycopy(HexFormat.of().parseHex("1703034801"), 0, big, 0, 5);
                    d.injectAt(at, big);
                }
                case PLAINTEXT_ALERT -> d.injectAt(at, HexFormat.of().parseHex("1503030002020a"));
                case PLAINTEXT_HANDSHAKE -> d.injectAt(at, HexFormat.of().parseHex("160303000400000000"));
                case CHANGE_CIPHER_SPEC -> d.injectAt(at, HexFormat.of().parseHex("140303000101"));
                case DROPPED_RECORD -> d.dropAt(at, second.totalLength());
                case DUPLICATED_RECORD -> d.duplicateAt(base + first.offset(), first.totalLength());
            }
        }
    }

    @ParameterizedTest(name = "{0} client, {1} server, {2}, faults towards the {3}")
    @MethodSource("dev.closenotify.reliability.Providers#pairsWithProtocolAndRole")
    void hostileBytesEndInOneFatalAlertAndNoSession(ShutdownProvider client, ShutdownProvider server, String protocol,
                                                    Role receiver) throws Exception {
        String pair = client.name() + " client, " + server.name() + " server, " + protocol;
        try (ContextPair ctx = ContextPair.of(client, server, protocol)) {
            String previous = "the first connection of fresh contexts";
            for (Fault fault : Fault.values()) {
                String where = pair + ", towards the " + receiver + ": " + fault + " (" + fault.what + ")";
                BufferPipe pipe = Wire.handshake(Wire.open(ctx));
                assertFull(pipe, where + ": the handshake after " + previous);
                TlsBufferConnection in = receiver == Role.CLIENT ? pipe.a() : pipe.b();
                TlsBufferConnection out = receiver == Role.CLIENT ? pipe.b() : pipe.a();
                Direction dir = receiver == Role.CLIENT ? pipe.bToA() : pipe.aToB();
                Direction back = receiver == Role.CLIENT ? pipe.aToB() : pipe.bToA();

                long base = pipe.bytes(dir).length;
                Wire.writeAll(out, A);
                Wire.writeAll(out, B);
                Wire.writeAll(out, C);
                TlsRecords.Parsed records = TlsRecords.parse(Wire.filled(out.outbound()));
                assertEquals(3, records.records().size(), where + ": one record per write: " + records);
                fault.apply(dir, base, records.records());
                Tally.fault();
                int backBase = pipe.bytes(back).length + in.outbound().position();

                Wire.ReadEnd end = Wire.readToEnd(pipe, in, 20);
                assertArrayEquals(A, end.data(), where + ": the record before the fault, intact, and nothing else: " + end);
                Tally.verified(end.data().length);
                assertFalse(end.endOfStream(), where + ": hostile bytes must never read as end-of-stream");
                TlsException e = end.failure().orElseThrow(() -> new AssertionError(where
                        + ": the receiver neither failed nor ended: " + end + "; " + pipe));
                assertEquals(Kind.PROTOCOL, e.kind(), where + ": " + e);
                if (fault == Fault.GARBAGE || fault == Fault.OVERSIZED_RECORD) {
                    // Refused through the engine (EngineConnection.refuseWithEngineAlert): the alert it sent is named.
                    assertTrue(e.alert().isPresent(), where + ": the alert sent is not named: " + e);
                }
                assertOutcome(in, where);

                // Whatever the receiver sends from now on: one fatal alert, then nothing.
                int queued = in.outbound().position();
                TlsException later = assertThrows(TlsException.class, in::shutdown, where);
                assertEquals(Kind.FAILED_EARLIER, later.kind(), where + ": " + later);
                assertEquals(queued, in.outbound().position(), where + ": shutdown() after the failure wrote");
                pipe.pumpUntilQuiet(100_000);
                byte[] sent = pipe.bytes(back);
                TlsRecords.Parsed alerts = TlsRecords.parse(sent, backBase, sent.length);
                assertFalse(alerts.hasPartial(), where + ": " + alerts);
                if (fault.isAlert()) {
                    assertTrue(alerts.records().size() <= 1, where + ": at most one alert in answer to an alert: " + alerts);
                } else {
                    int expected = sendsNoAlert(protocol, receiver, fault) ? 0 : 1;
                    assertEquals(expected, alerts.records().size(), where + ": " + (expected == 1
                            ? "exactly one fatal alert, and nothing after"
                            : "measured: no alert at all (a known divergence, docs/RELIABILITY.md)") + ": " + alerts);
                }
                alerts.records().forEach(r -> assertAlertSized(r, where));

                if (!alerts.records().isEmpty()) {
                    int outBase = pipe.bytes(dir).length + out.outbound().position();
                    assertEquals(0, out.outbound().position(), where + ": the sender has nothing queued");
                    Wire.ReadEnd peer = Wire.readToEnd(pipe, out, 20);
                    assertEquals(0, peer.data().length, where + ": the sender reads no data: " + peer);
                    TlsException pe = peer.failure().orElseThrow(() -> new AssertionError(where
                            + ": the sender did not see the fatal alert: " + peer));
                    assertEquals(Kind.PROTOCOL, pe.kind(), where + ": the sender receives the alert: " + pe);
                    assertOutcome(out, where + " (the sender, which received the alert)");
                    pipe.pumpUntilQuiet(100_000);
                    byte[] answer = pipe.bytes(dir);
                    TlsRecords.Parsed answered = TlsRecords.parse(answer, outBase, answer.length);
                    assertEquals(List.of(), answered.records(), where + ": a received fatal alert is not answered");
                }
                Wire.closeBoth(pipe);
                assertFalse(in.outcome().orElseThrow().sessionKept(), where);
                assertFalse(out.outcome().orElseThrow().sessionKept(), where);
                previous = fault.toString();
                Tally.caseRun();
            }
            BufferPipe last = Wire.handshake(Wire.open(ctx));
            assertFull(last, pair + ": the handshake after " + previous);
            Wire.closeBoth(last);
        }
    }

    /**
     * Measured here, strict (a case listed must send no alert, every other case exactly one): where
     * the receiver fails typed (PROTOCOL, FATAL_ALERT) but puts no alert on the wire. Non-TLS bytes
     * and an oversized header are not listed: SunJSSE and BoringSSL reject them without an alert, so
     * the core has the engine refuse a change_cipher_spec instead, and the engine's alert goes out.
     * <ul>
     *   <li>A handshake record to a TLS 1.2 server: the core refuses client-initiated renegotiation
     *       by closing the transport, without an alert (its exception names no_renegotiation).</li>
     * </ul>
     */
    static boolean sendsNoAlert(String protocol, Role receiver, Fault fault) {
        return fault == Fault.PLAINTEXT_HANDSHAKE && receiver == Role.SERVER && protocol.equals("TLSv1.2");
    }

    private static void assertOutcome(TlsBufferConnection conn, String where) {
        CloseOutcome o = conn.outcome().orElseThrow(() -> new AssertionError(where + ": not ended"));
        assertEquals(CloseReason.FATAL_ALERT, o.reason(), where + ": " + conn.role() + " " + o);
        assertFalse(o.sessionKept(), where + ": " + conn.role() + " " + o);
    }

    /** A TLS 1.2 alert record, a TLS 1.3 protected one (application_data), or an unprotected alert. */
    private static void assertAlertSized(TlsRecords.TlsRecord r, String where) {
        boolean plain = r.contentType() == TlsRecords.ALERT;
        boolean sealed13 = r.contentType() == TlsRecords.APPLICATION_DATA && r.length() >= 19 && r.length() <= 64;
        assertTrue((plain && r.length() >= 2 && r.length() <= 96) || sealed13, where + ": not an alert record: " + r);
    }

    private static void assertFull(BufferPipe pipe, String why) {
        assertFalse(pipe.a().session().orElseThrow().resumed(), why + ": client must make a full handshake");
        assertFalse(pipe.b().session().orElseThrow().resumed(), why + ": server must make a full handshake");
    }
}

package dev.closenotify.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Resumption is observed on the wire (SEMANTICS.md §4), here on hand-made TLS 1.2 records; the
 * TLS 1.3 path, HelloRetryRequest included, is proved over real handshakes in provider-jsse.
 */
class HandshakeObserverTest {
    @Test
    void tls12FlightWithCertificateIsFullAndWithChangeCipherSpecIsResumed() {
        HandshakeObserver full = new HandshakeObserver();
        full.record(record(22, serverHello12()));
        assertFalse(full.decided(), "a TLS 1.2 ServerHello alone decides nothing");
        full.record(record(22, handshake(11, new byte[3])));
        assertTrue(full.decided());
        assertFalse(full.resumed());

        HandshakeObserver abbreviated = new HandshakeObserver();
        // ServerHello and NewSessionTicket in one record, then ChangeCipherSpec
        byte[] both = concat(serverHello12(), handshake(4, new byte[6]));
        abbreviated.record(record(22, both));
        assertFalse(abbreviated.decided());
        abbreviated.record(record(20, new byte[] {1}));
        assertTrue(abbreviated.resumed());
    }

    @Test
    void serverHelloSplitAcrossRecordsIsReassembled() {
        byte[] hello = serverHello12();
        HandshakeObserver o = new HandshakeObserver();
        o.record(record(22, Arrays.copyOfRange(hello, 0, 10)));
        o.record(record(22, Arrays.copyOfRange(hello, 10, hello.length)));
        o.record(record(22, handshake(14, new byte[0])));
        assertTrue(o.decided());
        assertFalse(o.resumed());
    }

    @Test
    void protocolIsTheOneTheServerHelloNegotiated() {
        HandshakeObserver o = new HandshakeObserver();
        assertEquals(Optional.empty(), o.protocol(), "nothing seen yet");
        o.record(record(22, serverHello12()));
        assertEquals(Optional.of("TLSv1.2"), o.protocol());

        // TLS 1.3: legacy_version says 1.2, supported_versions says 1.3 (RFC 8446 §4.1.3)
        ByteBuffer b = ByteBuffer.allocate(2 + 32 + 1 + 2 + 1 + 2 + 6);
        b.put((byte) 3).put((byte) 3).put(new byte[32]).put((byte) 0).putShort((short) 0x1301).put((byte) 0)
                .putShort((short) 6).putShort((short) 43).putShort((short) 2).put((byte) 3).put((byte) 4);
        HandshakeObserver tls13 = new HandshakeObserver();
        tls13.record(record(22, handshake(2, b.array())));
        assertEquals(Optional.of("TLSv1.3"), tls13.protocol());
        assertTrue(tls13.decided());
        assertFalse(tls13.resumed());
    }

    private static byte[] serverHello12() {
        ByteBuffer b = ByteBuffer.allocate(2 + 32 + 1 + 2 + 1 + 2);
        b.put((byte) 3).put((byte) 3).put(new byte[32]).put((byte) 0).putShort((short) 0xc02c).put((byte) 0).putShort((short) 0);
        return handshake(2, b.array());
    }

    private static byte[] handshake(int type, byte[] body) {
        ByteBuffer b = ByteBuffer.allocate(4 + body.length);
        b.put((byte) type).put((byte) (body.length >> 16)).put((byte) (body.length >> 8)).put((byte) body.length).put(body);
        return b.array();
    }

    private static ByteBuffer record(int type, byte[] body) {
        ByteBuffer b = ByteBuffer.allocate(5 + body.length);
        b.put((byte) type).put((byte) 3).put((byte) 3).putShort((short) body.length).put(body).flip();
        return b;
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] r = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        assertArrayEquals(a, Arrays.copyOf(r, a.length));
        return r;
    }
}

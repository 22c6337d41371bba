package dev.closenotify.core;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Optional;

/**
 * Tells from the plaintext records of the server's first flight whether a handshake resumed a
 * session (PROVIDER-FACTS.md): TLS 1.3 — the ServerHello (not a HelloRetryRequest) carries
 * {@code pre_shared_key}; TLS 1.2 — the server's flight goes from ServerHello to ChangeCipherSpec
 * without a Certificate. The client feeds the records it receives, the server those it sends, so
 * one method serves every stack and both sides.
 */
final class HandshakeObserver {
    private static final int SERVER_HELLO = 2;
    private static final int EXT_PRE_SHARED_KEY = 41;
    private static final int EXT_SUPPORTED_VERSIONS = 43;
    /** SHA-256("HelloRetryRequest"), the random of a HelloRetryRequest (RFC 8446 §4.1.3). */
    private static final byte[] HRR_RANDOM = hex(
            "cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c");

    private enum State { AWAIT_SERVER_HELLO, TLS12_AFTER_SERVER_HELLO, DECIDED }

    private State state = State.AWAIT_SERVER_HELLO;
    private boolean resumed;
    private String protocol;
    /** Handshake bytes of plaintext records not yet parsed into whole messages. */
    private byte[] pending = new byte[0];

    /** Whether the ServerHello flight has been seen far enough to decide. */
    boolean decided() {
        return state == State.DECIDED;
    }

    /** Whether the handshake resumed a session; false until {@link #decided()}. */
    boolean resumed() {
        return state == State.DECIDED && resumed;
    }

    /**
     * The protocol the ServerHello negotiated ({@code TLSv1.3}, {@code TLSv1.2}), once it was seen:
     * what was on the wire, where a stack's session may report something else (Conscrypt's server
     * session says TLSv1.2 for a TLS 1.3 connection).
     */
    Optional<String> protocol() {
        return Optional.ofNullable(protocol);
    }

    /** Feeds one whole record, {@code rec[pos, limit)} with its header; the buffer is not moved. */
    void record(ByteBuffer rec) {
        if (state == State.DECIDED || rec.remaining() < Records.HEADER) {
            return;
        }
        int start = rec.position();
        int type = rec.get(start) & 0xff;
        if (type == Records.CHANGE_CIPHER_SPEC) {
            if (state == State.TLS12_AFTER_SERVER_HELLO) {
                decide(true);
            }
            return;
        }
        if (type != Records.HANDSHAKE) {
            if (state == State.TLS12_AFTER_SERVER_HELLO && type == Records.APPLICATION_DATA) {
                decide(false); // cannot happen in a sane TLS 1.2 flight; never report a false resume
            }
            return;
        }
        byte[] body = new byte[rec.remaining() - Records.HEADER];
        rec.get(start + Records.HEADER, body);
        pending = concat(pending, body);
        parseMessages();
    }

    private void parseMessages() {
        int off = 0;
        while (state != State.DECIDED && pending.length - off >= 4) {
            int msgType = pending[off] & 0xff;
            int len = ((pending[off + 1] & 0xff) << 16) | ((pending[off + 2] & 0xff) << 8) | (pending[off + 3] & 0xff);
            if (pending.length - off - 4 < len) {
                break;
            }
            onMessage(msgType, pending, off + 4, len);
            off += 4 + len;
        }
        pending = state == State.DECIDED ? new byte[0] : Arrays.copyOfRange(pending, off, pending.length);
    }

    private void onMessage(int type, byte[] b, int off, int len) {
        if (state == State.AWAIT_SERVER_HELLO) {
            if (type == SERVER_HELLO) {
                onServerHello(b, off, len);
            }
            return;
        }
        // TLS 1.2, after the ServerHello: a certificate or key exchange means a full handshake.
        switch (type) {
            case 11, 12, 13, 14 -> decide(false); // Certificate, ServerKeyExchange, CertificateRequest, ServerHelloDone
            default -> { } // NewSessionTicket (4) comes before ChangeCipherSpec in an abbreviated flight
        }
    }

    private void onServerHello(byte[] b, int off, int len) {
        int end = off + len;
        int p = off + 2; // legacy_version
        int legacyVersion = len >= 2 ? ((b[off] & 0xff) << 8) | (b[off + 1] & 0xff) : 0;
        if (p + 32 > end) {
            decide(false);
            return;
        }
        boolean hrr = Arrays.equals(b, p, p + 32, HRR_RANDOM, 0, 32);
        p += 32;
        int sidLen = b[p] & 0xff;
        p += 1 + sidLen + 2 + 1; // session id, cipher suite, compression method
        boolean tls13 = false;
        boolean psk = false;
        if (p + 2 <= end) {
            int extEnd = Math.min(end, p + 2 + (((b[p] & 0xff) << 8) | (b[p + 1] & 0xff)));
            p += 2;
            while (p + 4 <= extEnd) {
                int extType = ((b[p] & 0xff) << 8) | (b[p + 1] & 0xff);
                int extLen = ((b[p + 2] & 0xff) << 8) | (b[p + 3] & 0xff);
                int data = p + 4;
                if (extType == EXT_SUPPORTED_VERSIONS && extLen >= 2 && data + 2 <= extEnd) {
                    tls13 = (b[data] & 0xff) == 3 && (b[data + 1] & 0xff) == 4;
                } else if (extType == EXT_PRE_SHARED_KEY) {
                    psk = true;
                }
                p = data + extLen;
            }
        }
        if (hrr) {
            return; // the real ServerHello follows
        }
        protocol = tls13 ? "TLSv1.3" : legacyVersion == 0x0303 ? "TLSv1.2" : null;
        if (tls13) {
            decide(psk);
        } else {
            state = State.TLS12_AFTER_SERVER_HELLO;
        }
    }

    private void decide(boolean wasResumed) {
        resumed = wasResumed;
        state = State.DECIDED;
    }

    private static byte[] concat(byte[] a, byte[] b) {
        if (a.length == 0) {
            return b;
        }
        byte[] r = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }

    private static byte[] hex(String s) {
        byte[] r = new byte[s.length() / 2];
        for (int i = 0; i < r.length; i++) {
            r[i] = (byte) Integer.parseInt(s.substring(2 * i, 2 * i + 2), 16);
        }
        return r;
    }
}

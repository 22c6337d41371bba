package dev.closenotify.core;

import java.nio.ByteBuffer;

/** TLS record-layer framing (RFC 8446 §5.1, RFC 5246 §6.2): what the core needs to move records one by one. */
final class Records {
    static final int HEADER = 5;
    static final int CHANGE_CIPHER_SPEC = 20;
    static final int ALERT = 21;
    static final int HANDSHAKE = 22;
    static final int APPLICATION_DATA = 23;
    /** The largest legal record: 2^14 plaintext + 2048 expansion (TLS 1.2) + header. */
    static final int MAX_RECORD = 16384 + 2048 + HEADER;

    private Records() {
    }

    /**
     * The length of the whole record starting at {@code buf[start]}, or -1 when fewer than
     * {@code HEADER} bytes are there. Absolute reads: the buffer is not moved.
     */
    static int recordLength(ByteBuffer buf, int start, int end) {
        if (end - start < HEADER) {
            return -1;
        }
        return HEADER + (((buf.get(start + 3) & 0xff) << 8) | (buf.get(start + 4) & 0xff));
    }

    /** Whether the header at {@code start} looks like TLS: a known content type and major version 3. */
    static boolean plausibleHeader(ByteBuffer buf, int start) {
        int type = buf.get(start) & 0xff;
        return type >= CHANGE_CIPHER_SPEC && type <= 24 && buf.get(start + 1) == 3
                && recordLength(buf, start, start + HEADER) <= MAX_RECORD;
    }
}

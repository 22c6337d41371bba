package dev.closenotify.tck.support;

import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * Splits recorded TLS bytes into records by their 5-byte headers (content type, version, length),
 * for assertions on the wire such as "after shutdown exactly one alert-sized record went out".
 * Only headers are read; nothing is decrypted. A trailing partial record is reported, not an error.
 *
 * <p>Remember that TLS 1.3 disguises everything after the ServerHello as
 * {@link #APPLICATION_DATA} records (a close_notify is then a 24-byte record: 5 header + 2 alert
 * + 1 type + 16 tag), while TLS 1.2 sends alerts as {@link #ALERT} records.
 */
public final class TlsRecords {

    public static final int CHANGE_CIPHER_SPEC = 20;
    public static final int ALERT = 21;
    public static final int HANDSHAKE = 22;
    public static final int APPLICATION_DATA = 23;
    public static final int HEARTBEAT = 24;

    /** The size of a record header. */
    public static final int HEADER_LENGTH = 5;

    /** The largest fragment length any TLS version allows (TLS 1.2 ciphertext: 2^14 + 2048). */
    public static final int MAX_FRAGMENT_LENGTH = (1 << 14) + 2048;

    private TlsRecords() {}

    /**
     * One record.
     *
     * @param contentType the content type byte, e.g. {@link #HANDSHAKE}
     * @param version the legacy record version, e.g. {@code 0x0303}
     * @param length the fragment length (without the header)
     * @param offset where the header starts in the parsed bytes
     */
    public record TlsRecord(int contentType, int version, int length, int offset) {

        /** Header plus fragment. */
        public int totalLength() {
            return HEADER_LENGTH + length;
        }

        /** The offset just past this record. */
        public int end() {
            return offset + totalLength();
        }

        public String typeName() {
            return TlsRecords.typeName(contentType);
        }

        @Override
        public String toString() {
            return typeName() + "(v" + Integer.toHexString(version) + ", " + length + " B @" + offset + ")";
        }
    }

    /**
     * The result of a parse.
     *
     * @param records the complete records, in order
     * @param partialOffset where a trailing incomplete record (or header) starts, or the end of the
     *     parsed range when there is none
     * @param partialLength the bytes of the trailing incomplete record (0 when there is none)
     */
    public record Parsed(List<TlsRecord> records, int partialOffset, int partialLength) {

        public Parsed {
            records = List.copyOf(records);
        }

        public boolean hasPartial() {
            return partialLength > 0;
        }

        /** The complete records starting at or after {@code offset}. */
        public List<TlsRecord> from(int offset) {
            return records.stream().filter(r -> r.offset() >= offset).toList();
        }

        /** The complete records of the given content type. */
        public List<TlsRecord> ofType(int contentType) {
            return records.stream().filter(r -> r.contentType() == contentType).toList();
        }

        /** The complete records matching {@code filter}. */
        public List<TlsRecord> matching(Predicate<TlsRecord> filter) {
            return records.stream().filter(filter).toList();
        }

        /** The last complete record. */
        public Optional<TlsRecord> last() {
            return records.isEmpty() ? Optional.empty() : Optional.of(records.get(records.size() - 1));
        }

        /** Content types and lengths, e.g. {@code [handshake(v301, 512 B @0), ...] + 3 B partial}. */
        @Override
        public String toString() {
            return records + (hasPartial() ? " + " + partialLength + " B partial @" + partialOffset : "");
        }
    }

    /** Parses all of {@code bytes}. */
    public static Parsed parse(byte[] bytes) {
        Objects.requireNonNull(bytes, "bytes");
        return parse(bytes, 0, bytes.length);
    }

    /**
     * Parses {@code bytes[from, to)} (e.g. only what went out after some point). Record offsets are
     * offsets into {@code bytes}.
     *
     * @throws IllegalArgumentException when a header is not a TLS record header (unknown content
     *     type, a version other than 3.x, or a length over {@link #MAX_FRAGMENT_LENGTH}): the bytes are
     *     not TLS records from that point, or the range does not start at a record boundary
     */
    public static Parsed parse(byte[] bytes, int from, int to) {
        Objects.requireNonNull(bytes, "bytes");
        Objects.checkFromToIndex(from, to, bytes.length);
        List<TlsRecord> records = new ArrayList<>();
        int at = from;
        while (to - at >= HEADER_LENGTH) {
            int type = bytes[at] & 0xFF;
            int major = bytes[at + 1] & 0xFF;
            int minor = bytes[at + 2] & 0xFF;
            int length = ((bytes[at + 3] & 0xFF) << 8) | (bytes[at + 4] & 0xFF);
            if (type < CHANGE_CIPHER_SPEC || type > HEARTBEAT || major != 3 || length > MAX_FRAGMENT_LENGTH) {
                throw new IllegalArgumentException("not a TLS record header at offset " + at + ": "
                        + HexFormat.of().formatHex(bytes, at, at + HEADER_LENGTH) + " (after " + records.size() + " records)");
            }
            if (to - at - HEADER_LENGTH < length) {
                break;
            }
            records.add(new TlsRecord(type, (major << 8) | minor, length, at));
            at += HEADER_LENGTH + length;
        }
        if (to - at > 0 && to - at < HEADER_LENGTH) {
            int type = bytes[at] & 0xFF;
            if (type < CHANGE_CIPHER_SPEC || type > HEARTBEAT) {
                throw new IllegalArgumentException("not a TLS record header at offset " + at + ": "
                        + HexFormat.of().formatHex(bytes, at, to) + " (after " + records.size() + " records)");
            }
        }
        return new Parsed(records, at, to - at);
    }

    /** The name of a content type: {@code change_cipher_spec}, {@code alert}, ... or {@code type(N)}. */
    public static String typeName(int contentType) {
        return switch (contentType) {
            case CHANGE_CIPHER_SPEC -> "change_cipher_spec";
            case ALERT -> "alert";
            case HANDSHAKE -> "handshake";
            case APPLICATION_DATA -> "application_data";
            case HEARTBEAT -> "heartbeat";
            default -> "type(" + contentType + ")";
        };
    }
}

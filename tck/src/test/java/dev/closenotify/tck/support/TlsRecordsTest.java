package dev.closenotify.tck.support;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class TlsRecordsTest {

    @Test
    @Timeout(10)
    void parsesRecordsAndReportsATrailingPartialOne() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        bytes.writeBytes(record(TlsRecords.HANDSHAKE, 0x0301, 10));
        bytes.writeBytes(record(TlsRecords.CHANGE_CIPHER_SPEC, 0x0303, 1));
        bytes.writeBytes(record(TlsRecords.APPLICATION_DATA, 0x0303, 19));
        byte[] partial = record(TlsRecords.ALERT, 0x0303, 26);
        bytes.write(partial, 0, 8);

        TlsRecords.Parsed parsed = TlsRecords.parse(bytes.toByteArray());
        assertEquals(List.of(new TlsRecords.TlsRecord(22, 0x0301, 10, 0), new TlsRecords.TlsRecord(20, 0x0303, 1, 15),
                new TlsRecords.TlsRecord(23, 0x0303, 19, 21)), parsed.records());
        assertTrue(parsed.hasPartial());
        assertEquals(45, parsed.partialOffset());
        assertEquals(8, parsed.partialLength());
        assertEquals(24, parsed.last().orElseThrow().totalLength());
        assertEquals(45, parsed.last().orElseThrow().end());
        assertEquals("application_data", parsed.last().orElseThrow().typeName());
        assertEquals(1, parsed.ofType(TlsRecords.CHANGE_CIPHER_SPEC).size());
        assertEquals(2, parsed.from(15).size());
        assertEquals(1, parsed.matching(r -> r.length() == 19).size());
        assertTrue(parsed.toString().contains("8 B partial @45"), parsed.toString());
    }

    @Test
    @Timeout(10)
    void aPartialHeaderIsReportedToo() {
        byte[] bytes = new byte[] {TlsRecords.ALERT, 3};
        TlsRecords.Parsed parsed = TlsRecords.parse(bytes);
        assertTrue(parsed.records().isEmpty());
        assertEquals(2, parsed.partialLength());
        assertEquals(0, parsed.partialOffset());
    }

    @Test
    @Timeout(10)
    void nothingParsesToNothing() {
        TlsRecords.Parsed parsed = TlsRecords.parse(new byte[0]);
        assertTrue(parsed.records().isEmpty());
        assertFalse(parsed.hasPartial());
        assertTrue(parsed.last().isEmpty());
    }

    @Test
    @Timeout(10)
    void parsesARange() {
        byte[] bytes = concat(record(TlsRecords.HANDSHAKE, 0x0303, 4), record(TlsRecords.ALERT, 0x0303, 2));
        TlsRecords.Parsed parsed = TlsRecords.parse(bytes, 9, bytes.length);
        assertEquals(List.of(new TlsRecords.TlsRecord(TlsRecords.ALERT, 0x0303, 2, 9)), parsed.records());
        assertFalse(parsed.hasPartial());
    }

    @Test
    @Timeout(10)
    void rejectsWhatIsNotTls() {
        byte[] http = "GET / HTTP/1.1\r\n".getBytes(StandardCharsets.US_ASCII);
        IllegalArgumentException failure = assertThrows(IllegalArgumentException.class, () -> TlsRecords.parse(http));
        assertTrue(failure.getMessage().contains("offset 0"), failure.getMessage());

        byte[] garbageAfterARecord = concat(record(TlsRecords.HANDSHAKE, 0x0303, 1), new byte[] {99, 3, 3, 0, 0});
        failure = assertThrows(IllegalArgumentException.class, () -> TlsRecords.parse(garbageAfterARecord));
        assertTrue(failure.getMessage().contains("offset 6"), failure.getMessage());
        assertThrows(IllegalArgumentException.class, () -> TlsRecords.parse(record(TlsRecords.HANDSHAKE, 0x0303, 20000)));
    }

    static byte[] record(int type, int version, int length) {
        byte[] record = new byte[5 + length];
        record[0] = (byte) type;
        record[1] = (byte) (version >> 8);
        record[2] = (byte) version;
        record[3] = (byte) (length >> 8);
        record[4] = (byte) length;
        return record;
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            out.writeBytes(part);
        }
        return out.toByteArray();
    }
}

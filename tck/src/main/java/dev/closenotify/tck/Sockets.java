package dev.closenotify.tck;

import static org.junit.jupiter.api.Assertions.fail;

import dev.closenotify.spi.TlsException;
import dev.closenotify.spi.TlsSocketConnection;
import java.io.ByteArrayOutputStream;

/** Reading helpers the socket-transport contracts share. */
final class Sockets {
    private Sockets() {
    }

    /** Exactly {@code n} bytes; fails on an earlier end-of-stream. */
    static byte[] readExactly(TlsSocketConnection c, int n) throws TlsException {
        byte[] out = new byte[n];
        int got = 0;
        while (got < n) {
            int r = c.read(out, got, n - got);
            if (r < 0) {
                fail("end-of-stream after " + got + " of " + n + " bytes");
            }
            got += r;
        }
        return out;
    }

    /** Everything up to end-of-stream. */
    static byte[] readToEnd(TlsSocketConnection c) throws TlsException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buf = new byte[4096];
        int n;
        while ((n = c.read(buf, 0, buf.length)) >= 0) {
            out.write(buf, 0, n);
        }
        return out.toByteArray();
    }
}

package dev.closenotify.provider.bc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.closenotify.spi.ShutdownProvider;
import dev.closenotify.spi.TlsConfig;
import dev.closenotify.tck.support.SocketPair;
import dev.closenotify.tck.support.TestCertificates;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.parallel.Isolated;

/**
 * BCJSSE's java.util.logging noise is hidden by default, survives garbage collection, and comes
 * back when the user sets a level, as the README says.
 */
@Isolated
@Timeout(60)
class BcLoggingTest {
    private final ShutdownProvider bc = new BouncyCastleShutdownProvider();

    @Test
    @DisplayName("by default only SEVERE: a handshake and a close log nothing, also after garbage collection")
    void quietByDefault() throws Exception {
        assertTrue(bc.availability().isAvailable());
        Logger logger = BcLogging.configured();
        assertNotNull(logger, "no level was set for " + BcLogging.LOGGER + " in this test JVM, so closenotify set one");
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        assertSame(logger, Logger.getLogger(BcLogging.LOGGER), "the configured logger was kept, not collected");
        assertEquals(Level.SEVERE, Logger.getLogger(BcLogging.LOGGER).getLevel());
        assertEquals(List.of(), recordsOfOneConnection(), "BCJSSE logged although quiet");
    }

    @Test
    @DisplayName("a level set by the user turns BC's logging back on: INFO per connection, as BC does natively")
    void userLevelTurnsItBackOn() throws Exception {
        assertTrue(bc.availability().isAvailable());
        Logger logger = Logger.getLogger(BcLogging.LOGGER);
        Level before = logger.getLevel();
        logger.setLevel(Level.INFO);
        try {
            List<LogRecord> records = recordsOfOneConnection();
            assertTrue(records.stream().anyMatch(r -> r.getLevel() == Level.INFO
                            && r.getLoggerName().startsWith("org.bouncycastle.jsse")),
                    "BC's per-connection INFO records: " + records.stream().map(LogRecord::getMessage).toList());
        } finally {
            logger.setLevel(before);
        }
    }

    /** The records BCJSSE publishes (below the logger's level nothing is published) during one connection. */
    private List<LogRecord> recordsOfOneConnection() throws Exception {
        List<LogRecord> records = new CopyOnWriteArrayList<>();
        Handler capture = new Handler() {
            @Override
            public void publish(LogRecord r) {
                records.add(r);
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        Logger logger = Logger.getLogger(BcLogging.LOGGER);
        logger.addHandler(capture);
        try {
            TestCertificates certs = TestCertificates.get();
            try (SocketPair p = SocketPair.open(
                    bc.newContext(TlsConfig.client().trustManager(certs.trustManager()).serverName("localhost").build()),
                    bc.newContext(TlsConfig.server(certs.serverKeyManager()).build())).handshake()) {
                p.server().shutdown();
                p.client().read(new byte[8], 0, 8);
                p.client().shutdown();
            }
        } finally {
            logger.removeHandler(capture);
        }
        return records;
    }
}

package dev.closenotify.server;

import static dev.closenotify.server.Fixtures.closeCleanly;
import static dev.closenotify.server.Fixtures.connect;
import static dev.closenotify.server.Fixtures.echo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.closenotify.spi.CloseReason;
import dev.closenotify.spi.ShutdownProvider;
import dev.closenotify.spi.ShutdownProviders;
import dev.closenotify.spi.TlsContext;
import dev.closenotify.spi.TlsSocketConnection;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import javax.management.openmbean.CompositeData;
import javax.management.openmbean.TabularData;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** What the server tells about itself: stats, JFR events, the JMX MXBean, the log line at the stop. */
@Timeout(value = 30, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ObservabilityTest {
    private static final byte[] PING = "ping".getBytes(StandardCharsets.US_ASCII);

    @Test
    void jfrEventsForEveryHandshakeAndClose(@TempDir Path dir) throws Exception {
        ShutdownProvider provider = ShutdownProviders.get();
        Path file = dir.resolve("echo.jfr");
        try (Recording recording = new Recording()) {
            recording.enable(HandshakeEvent.NAME);
            recording.enable(CloseEvent.NAME);
            recording.start();
            try (EchoServer s = Fixtures.start(Fixtures.config(provider))) {
                TlsContext client = Fixtures.client(provider, "TLSv1.2");
                for (int i = 0; i < 2; i++) {
                    TlsSocketConnection c = connect(client, s);
                    echo(c, PING);
                    closeCleanly(c);
                }
                Fixtures.awaitIdle(s);
            }
            recording.stop();
            recording.dump(file);
        }
        List<RecordedEvent> events = RecordingFile.readAllEvents(file);
        List<RecordedEvent> handshakes = events.stream().filter(e -> e.getEventType().getName().equals(HandshakeEvent.NAME)).toList();
        List<RecordedEvent> closes = events.stream().filter(e -> e.getEventType().getName().equals(CloseEvent.NAME)).toList();
        assertEquals(2, handshakes.size(), events.toString());
        assertEquals(2, closes.size(), events.toString());
        assertEquals(List.of(false, true), handshakes.stream().sorted(Comparator.comparingLong(e -> e.getLong("connection")))
                .map(e -> e.getBoolean("resumed")).toList(), "the second connection resumed");
        for (RecordedEvent h : handshakes) {
            assertTrue(h.getBoolean("succeeded"));
            assertEquals("TLSv1.2", h.getString("protocol"));
            assertEquals(provider.name(), h.getString("provider"));
            assertTrue(h.getString("remoteAddress").startsWith("127.0.0.1:"), h.toString());
        }
        for (RecordedEvent c : closes) {
            assertEquals("CLEAN", c.getString("reason"));
            assertEquals(PING.length, c.getLong("bytesEchoed"));
            assertTrue(c.getLong("bytesIn") > 0 && c.getLong("bytesOut") > 0, c.toString());
            assertFalse(c.getBoolean("forced"));
        }
    }

    @Test
    void statsThroughJmxWhileRunning() throws Exception {
        MBeanServer mbeans = ManagementFactory.getPlatformMBeanServer();
        ObjectName name;
        try (EchoServer s = Fixtures.start(Fixtures.config(ShutdownProviders.get()))) {
            name = new ObjectName("dev.closenotify.server:type=EchoServer,address=" + ObjectName.quote("127.0.0.1:" + s.port()));
            assertTrue(mbeans.isRegistered(name), name + " is registered");
            TlsSocketConnection c = connect(Fixtures.client(ShutdownProviders.get(), "TLSv1.3"), s);
            echo(c, PING);
            assertEquals(1, mbeans.getAttribute(name, "ActiveConnections"));
            assertEquals(1L, mbeans.getAttribute(name, "FullHandshakes"));
            assertEquals((long) PING.length, mbeans.getAttribute(name, "BytesEchoed"));
            c.close(); // no close_notify
            Fixtures.awaitIdle(s);
            assertEquals(1L, count((TabularData) mbeans.getAttribute(name, "Closes"), "TRUNCATED"));
            assertEquals(0L, count((TabularData) mbeans.getAttribute(name, "DeadlinesFired"), "IDLE"));
            assertEquals(ShutdownProviders.get().name(), mbeans.getAttribute(name, "Provider"));
        }
        assertFalse(mbeans.isRegistered(name), "unregistered at the stop");
    }

    @Test
    void oneLogLineAtTheStopWithTheReportAndTheStats() throws Exception {
        Logger logger = Logger.getLogger(EchoServer.class.getName());
        List<String> lines = Collections.synchronizedList(new ArrayList<>());
        Handler capture = new Handler() {
            @Override
            public void publish(LogRecord record) {
                lines.add(java.text.MessageFormat.format(record.getMessage(),
                        record.getParameters() == null ? new Object[0] : record.getParameters()));
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        logger.addHandler(capture);
        try {
            EchoServer s = Fixtures.start(Fixtures.config(ShutdownProviders.get()));
            TlsSocketConnection c = connect(Fixtures.client(ShutdownProviders.get(), "TLSv1.3"), s);
            echo(c, PING);
            closeCleanly(c);
            Fixtures.awaitIdle(s);
            s.stop(Duration.ofSeconds(1));
        } finally {
            logger.removeHandler(capture);
        }
        List<String> stopLines = lines.stream().filter(l -> l.contains(" stopped: ")).toList();
        assertEquals(1, stopLines.size(), lines.toString());
        String line = stopLines.get(0);
        assertFalse(line.contains("\n"), line);
        assertTrue(line.contains("open=0 clean=0 forced=0 truncated=0"), line);
        assertTrue(line.contains("connections accepted=1 refused=0 active=0; handshakes full=1 resumed=0 failed=0;"
                + " closes " + CloseReason.CLEAN + "=1;"), line);
        assertTrue(line.contains("echoed=" + PING.length), line);
    }

    private static long count(TabularData table, String key) {
        CompositeData row = table.get(new Object[] {key});
        return (Long) row.get("value");
    }
}

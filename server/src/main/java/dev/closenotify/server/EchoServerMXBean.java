package dev.closenotify.server;

import java.util.Map;

/**
 * The JMX face of a running {@link EchoServer}, registered on the platform MBean server as
 * {@code dev.closenotify.server:type=EchoServer,address="HOST:PORT"} from its start to its stop.
 * Every attribute is read from {@link EchoServer#stats()} at the moment it is asked for.
 */
public interface EchoServerMXBean {

    /** {@code HOST:PORT} the server listens on. */
    String getAddress();

    /** The provider serving the connections. */
    String getProvider();

    /** Connections open now. */
    int getActiveConnections();

    /** Connections accepted and served since the start. */
    long getAcceptedConnections();

    /** Connections refused at the connection cap. */
    long getRefusedConnections();

    /** Handshakes without resumption. */
    long getFullHandshakes();

    /** Handshakes that resumed a session. */
    long getResumedHandshakes();

    /** Handshakes that did not complete. */
    long getFailedHandshakes();

    /** TLS bytes received. */
    long getBytesIn();

    /** TLS bytes sent. */
    long getBytesOut();

    /** Application bytes echoed. */
    long getBytesEchoed();

    /** Ended connections by close reason ({@code CLEAN}, {@code TRUNCATED}, ...). */
    Map<String, Long> getCloses();

    /** Deadlines that fired, by kind ({@code HANDSHAKE}, {@code IDLE}, ...). */
    Map<String, Long> getDeadlinesFired();
}

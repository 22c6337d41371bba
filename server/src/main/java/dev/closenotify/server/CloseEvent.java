package dev.closenotify.server;

import jdk.jfr.Category;
import jdk.jfr.DataAmount;
import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;

/** JFR: one connection of the echo server, from the accept to its close, and how it ended. */
@Name(CloseEvent.NAME)
@Label("TLS Connection Closed")
@Category({"closenotify", "Echo Server"})
@Description("A connection of the closenotify echo server ended: its close reason, the deadline that fired,"
        + " whether a stop forced it, and its bytes")
@StackTrace(false)
final class CloseEvent extends jdk.jfr.Event {
    static final String NAME = "dev.closenotify.server.Close";

    @Label("Connection")
    long connection;

    @Label("Remote Address")
    String remoteAddress;

    @Label("Provider")
    String provider;

    @Label("Protocol")
    String protocol;

    @Label("Close Reason")
    String reason;

    @Label("Deadline")
    @Description("The deadline that fired, if one did")
    String deadline;

    @Label("Forced")
    @Description("Closed by force at the end of a stop's grace period")
    boolean forced;

    @Label("Shutdown Flags")
    String flags;

    @Label("Bytes In")
    @DataAmount
    long bytesIn;

    @Label("Bytes Out")
    @DataAmount
    long bytesOut;

    @Label("Bytes Echoed")
    @DataAmount
    long bytesEchoed;
}

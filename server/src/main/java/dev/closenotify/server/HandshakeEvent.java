package dev.closenotify.server;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;

/** JFR: one server handshake, from the accept to its end, successful or not. */
@Name(HandshakeEvent.NAME)
@Label("TLS Handshake")
@Category({"closenotify", "Echo Server"})
@Description("A handshake of the closenotify echo server: full or resumed, or why it failed")
@StackTrace(false)
final class HandshakeEvent extends jdk.jfr.Event {
    static final String NAME = "dev.closenotify.server.Handshake";

    @Label("Connection")
    long connection;

    @Label("Remote Address")
    String remoteAddress;

    @Label("Provider")
    String provider;

    @Label("Succeeded")
    boolean succeeded;

    @Label("Protocol")
    String protocol;

    @Label("Cipher Suite")
    String cipherSuite;

    @Label("Resumed")
    boolean resumed;

    @Label("Failure")
    String failure;
}

/**
 * The closenotify core: the shutdown contract implemented once over any
 * {@link javax.net.ssl.SSLEngine}, shared by the bundled providers through
 * {@link dev.closenotify.core.EngineShutdownProvider}.
 */
module dev.closenotify.core {
    requires transitive dev.closenotify.spi;
    exports dev.closenotify.core;
}

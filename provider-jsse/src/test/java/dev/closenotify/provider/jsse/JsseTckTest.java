package dev.closenotify.provider.jsse;

import dev.closenotify.spi.ShutdownProvider;
import dev.closenotify.tck.ShutdownProviderTck;

/** The whole conformance kit against the JSSE provider. */
class JsseTckTest extends ShutdownProviderTck {
    @Override
    protected ShutdownProvider createProvider() {
        return new JsseShutdownProvider();
    }
}

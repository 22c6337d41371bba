package dev.closenotify.provider.conscrypt;

import dev.closenotify.spi.ShutdownProvider;
import dev.closenotify.tck.ShutdownProviderTck;

/** The whole conformance kit against the Conscrypt provider. */
class ConscryptTckTest extends ShutdownProviderTck {
    @Override
    protected ShutdownProvider createProvider() {
        return new ConscryptShutdownProvider();
    }
}

package dev.closenotify.provider.bc;

import dev.closenotify.spi.ShutdownProvider;
import dev.closenotify.tck.ShutdownProviderTck;

/** The whole conformance kit against the BouncyCastle provider. */
class BouncyCastleTckTest extends ShutdownProviderTck {
    @Override
    protected ShutdownProvider createProvider() {
        return new BouncyCastleShutdownProvider();
    }
}

package dev.closenotify.provider.jsse;

import dev.closenotify.core.contract.BufferShutdownContract;
import dev.closenotify.spi.ShutdownProvider;

/** The buffer-transport shutdown contract on JSSE (no declared gaps). */
class JsseBufferShutdownContractTest extends BufferShutdownContract {
    @Override
    protected ShutdownProvider provider() {
        return new JsseShutdownProvider();
    }
}

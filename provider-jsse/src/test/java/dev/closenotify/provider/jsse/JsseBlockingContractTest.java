package dev.closenotify.provider.jsse;

import dev.closenotify.core.contract.BlockingShutdownContract;
import dev.closenotify.spi.ShutdownProvider;

/** The blocking-transport contract (SEMANTICS.md) over JSSE. */
class JsseBlockingContractTest extends BlockingShutdownContract {
    @Override
    protected ShutdownProvider provider() {
        return new JsseShutdownProvider();
    }
}

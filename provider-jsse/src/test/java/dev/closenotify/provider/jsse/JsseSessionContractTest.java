package dev.closenotify.provider.jsse;

import dev.closenotify.core.contract.SessionContract;
import dev.closenotify.spi.ShutdownProvider;

/** The session rule (SEMANTICS.md §4) on JSSE (no declared gaps). */
class JsseSessionContractTest extends SessionContract {
    @Override
    protected ShutdownProvider provider() {
        return new JsseShutdownProvider();
    }
}

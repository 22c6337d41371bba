package dev.closenotify.provider.jsse;

import dev.closenotify.core.contract.TicketContract;
import dev.closenotify.spi.ShutdownProvider;

class JsseTicketTest extends TicketContract {
    @Override
    protected ShutdownProvider provider() {
        return new JsseShutdownProvider();
    }
}

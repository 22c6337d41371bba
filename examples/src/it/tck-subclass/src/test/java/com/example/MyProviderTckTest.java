package com.example;

import dev.closenotify.provider.jsse.JsseShutdownProvider;
import dev.closenotify.spi.ShutdownProvider;
import dev.closenotify.tck.ShutdownProviderTck;

/** The whole closenotify TCK against one provider: return yours from createProvider(). */
class MyProviderTckTest extends ShutdownProviderTck {
    @Override
    protected ShutdownProvider createProvider() {
        return new JsseShutdownProvider();
    }
}

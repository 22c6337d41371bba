/**
 * The closenotify SPI: {@link dev.closenotify.spi.ShutdownProvider} and the types of the shutdown
 * contract. Plain JDK, no dependencies: this is what a third party implements.
 */
module dev.closenotify.spi {
    exports dev.closenotify.spi;
    uses dev.closenotify.spi.ShutdownProvider;
}

package dev.closenotify.spi;

/**
 * No provider could be chosen: the named one does not exist or is unavailable, or none is usable.
 * Each unavailable provider's cause is attached as a suppressed exception.
 */
public class ProviderLookupException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    /** @param message what was asked for and what there is */
    public ProviderLookupException(String message) {
        super(message);
    }
}

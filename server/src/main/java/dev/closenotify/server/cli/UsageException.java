package dev.closenotify.server.cli;

/** A bad command line or unusable key material: one line for the user, exit code 2. */
final class UsageException extends Exception {
    private static final long serialVersionUID = 1L;

    UsageException(String message) {
        super(message, null, false, false);
    }
}

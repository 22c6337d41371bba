package dev.closenotify.provider.bc;

import java.util.logging.Level;
import java.util.logging.LogManager;
import java.util.logging.Logger;

/**
 * Keeps BCJSSE's java.util.logging output quiet unless the user asked for it.
 *
 * <p>Measured with bctls 1.84: BCJSSE logs INFO for every connection ("accepting connection",
 * "established connection", "disconnected", every alert with its stack trace), INFO for the
 * security properties it reads, and a WARNING for each entry of the JDK's own default
 * {@code jdk.tls.disabledAlgorithms} and {@code jdk.certpath.disabledAlgorithms} it does not
 * understand. closenotify reports every failure itself, so by default only SEVERE records of
 * {@value #LOGGER} get through.
 *
 * <p>Only a level the user left unset is changed: if {@value #LOGGER} or one of its parents
 * ({@code org.bouncycastle}, {@code org}) has a level, set in code or in the logging
 * configuration, nothing is touched. java.util.logging holds loggers weakly, so the configured
 * logger is kept here: its level would otherwise be lost at the next garbage collection.
 */
final class BcLogging {
    /** The parent of every BCJSSE logger ({@code org.bouncycastle.jsse.provider.*}). */
    static final String LOGGER = "org.bouncycastle.jsse";
    /** The level set when the user set none. */
    static final Level QUIET = Level.SEVERE;

    /** Strong reference: the level set on it must survive garbage collection. */
    private static final Logger CONFIGURED = quiet();

    private BcLogging() {
    }

    /** Makes sure the defaults are applied; cheap after the first call. */
    static void init() {
        // The class initialisation did the work.
    }

    /** The logger whose level was set, if the user had left it to us. */
    static Logger configured() {
        return CONFIGURED;
    }

    private static Logger quiet() {
        LogManager manager = LogManager.getLogManager();
        for (String name = LOGGER; !name.isEmpty(); name = parent(name)) {
            Logger existing = manager.getLogger(name);
            if (existing != null && existing.getLevel() != null) {
                return null; // the user chose a level here or above: BC logs as they said
            }
            if (manager.getProperty(name + ".level") != null) {
                return null; // configured in logging.properties, applied when the logger is made
            }
        }
        Logger logger = Logger.getLogger(LOGGER);
        if (logger.getLevel() != null) {
            return null;
        }
        logger.setLevel(QUIET);
        return logger;
    }

    private static String parent(String name) {
        int dot = name.lastIndexOf('.');
        return dot < 0 ? "" : name.substring(0, dot);
    }
}

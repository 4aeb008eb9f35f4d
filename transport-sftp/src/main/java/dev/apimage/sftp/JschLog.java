package dev.apimage.sftp;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * JSch's log lines to SLF4J under the logger {@code com.jcraft.jsch}, one level down: JSch logs
 * key-exchange proposals and every normal disconnect (with a stack trace) at INFO, which is
 * protocol detail for whoever embeds this SDK, not news. Its warnings and errors keep their level.
 * Set per JSch instance, so an application's own use of JSch keeps its own logger.
 */
final class JschLog implements com.jcraft.jsch.Logger {

    static final JschLog INSTANCE = new JschLog();

    private static final Logger LOG = LoggerFactory.getLogger("com.jcraft.jsch");

    private JschLog() {
    }

    @Override
    public boolean isEnabled(int level) {
        return switch (level) {
            case DEBUG, INFO -> LOG.isDebugEnabled();
            case WARN -> LOG.isWarnEnabled();
            default -> LOG.isErrorEnabled();
        };
    }

    @Override
    public void log(int level, String message) {
        log(level, message, null);
    }

    @Override
    public void log(int level, String message, Throwable cause) {
        // JSch logs what the server sends (its version string, disconnect reasons): escape it.
        message = dev.apimage.internal.LogText.printable(message, 1000);
        switch (level) {
            case DEBUG, INFO -> LOG.debug(message, cause);
            case WARN -> LOG.warn(message, cause);
            default -> LOG.error(message, cause);
        }
    }
}

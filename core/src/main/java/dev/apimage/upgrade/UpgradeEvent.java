package dev.apimage.upgrade;

import java.util.Objects;
import org.slf4j.event.Level;

/**
 * The controller's log events during an upgrade, as its syslog shows them, each a template with
 * the level it is logged at. The severity digit inside the text ({@code %INSTALL-3-...}) is the
 * controller's own and part of the text; the SLF4J level is chosen here, per event, never from the
 * text.
 */
public enum UpgradeEvent {
    /** A fetch from the image server started: {@code {0}} is the redacted URI. */
    INSTALL_STARTED(Level.INFO, "%INSTALL-5-INSTALL_START_INFO: Started install add {0}"),
    /** A fetch completed. */
    INSTALL_COMPLETED(Level.INFO, "%INSTALL-5-INSTALL_COMPLETED_INFO: Completed install add {0}"),
    /** A fetch failed: {@code {1}} is the reason line ({@code Failed to download file ...: ...}). */
    INSTALL_FAILED(Level.ERROR, "%INSTALL-3-OPERATION_ERROR_MESSAGE: Failed to install_add package {0}, Error: {1}"),
    /** An AP holds the image: {@code {0}} is the AP's name. */
    AP_IMAGE_DOWNLOAD_SUCCESS(Level.INFO,
            "%CAPWAPAC_SMGR_TRACE_MESSAGE-5-AP_JOIN_DISJOIN: AP Event: AP Image Download Success (AP {0})"),
    /** An AP failed for good (its retries used up): {@code {1}} is the reason. */
    AP_IMAGE_DOWNLOAD_FAILED(Level.ERROR,
            "%CAPWAPAC_SMGR_TRACE_MESSAGE-5-AP_JOIN_DISJOIN: AP Event: AP Image Download Failed (AP {0}): {1}");

    private final Level level;
    private final String template;

    UpgradeEvent(Level level, String template) {
        this.level = level;
        this.template = template;
    }

    /**
     * The level the event is logged at.
     *
     * @return the SLF4J level
     */
    public Level level() {
        return level;
    }

    /**
     * The template, with {@code {0}}, {@code {1}} for the arguments.
     *
     * @return the template
     */
    public String template() {
        return template;
    }

    /**
     * The event's line.
     *
     * @param args the arguments, already escaped and redacted
     * @return the line
     * @throws IllegalArgumentException when the template wants more arguments than given
     */
    public String line(String... args) {
        // One pass over the template: an argument that itself reads "{1}" stays as it is.
        StringBuilder out = new StringBuilder(template.length() + 64);
        for (int i = 0; i < template.length(); i++) {
            char c = template.charAt(i);
            if (c == '{' && i + 2 < template.length() && Character.isDigit(template.charAt(i + 1)) && template.charAt(i + 2) == '}') {
                int n = template.charAt(i + 1) - '0';
                if (n >= args.length) {
                    throw new IllegalArgumentException(name() + " needs more arguments than " + args.length);
                }
                out.append(Objects.requireNonNull(args[n], "argument"));
                i += 2;
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }
}

package dev.apimage.upgrade;

/**
 * The upgrade cannot run as configured; the message is the one the controller shows, for example
 * {@code Wireless network is Non-Homogeneous. Desktop (HTTP) mode is not supported.}
 */
public class UpgradeRefusedException extends Exception {
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message what the operator sees
     */
    public UpgradeRefusedException(String message) {
        super(message);
    }
}

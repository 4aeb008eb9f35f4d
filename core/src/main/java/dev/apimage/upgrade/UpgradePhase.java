package dev.apimage.upgrade;

/** The phases of an upgrade, as the controller's progress bar names them. */
public enum UpgradePhase {
    /** Planning and checking the profile. */
    INITIATE("Initiate"),
    /** Fetching the controller's own image type. */
    CONTROLLER_IMAGE_DOWNLOAD("Controller Image Download"),
    /** Fetching the other image types (with parallel mode, at the same time as the controller's). */
    AP_IMAGE_DOWNLOAD("AP Image Download"),
    /** Predownloading to the APs. */
    NETWORK_UPGRADE("Network Upgrade"),
    /** Every AP holds the image; activation callback. */
    ACTIVATE("Activate"),
    /** Reload callback; nothing here reboots. */
    RELOAD("Reload");

    private final String text;

    UpgradePhase(String text) {
        this.text = text;
    }

    /**
     * The phase as the controller shows it.
     *
     * @return the text
     */
    public String text() {
        return text;
    }
}

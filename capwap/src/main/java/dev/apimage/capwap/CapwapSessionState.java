package dev.apimage.capwap;

/**
 * Where a WTP's CAPWAP control session is, as the controller sees it (RFC 5415, 2.3).
 */
public enum CapwapSessionState {
    /** Waiting for the Join Request (after DTLS, or at once in the plain lab mode). */
    JOIN,
    /** Joined; waiting for Configuration Status or an Image Data Request. */
    CONFIGURE,
    /** Configured; waiting for the Change State Event Request. */
    DATA_CHECK,
    /** Normal operation. */
    RUN,
    /** The WTP downloads its image before it configures (RFC 5415, 9.1, Figure 6). */
    IMAGE_DATA,
    /** The WTP resets: into a new image, or on the controller's Reset Request. Final. */
    RESET,
    /** The session is over: refused, timed out, or the WTP went silent. Final. */
    DEAD;

    /**
     * Whether the session has ended.
     *
     * @return true for RESET and DEAD
     */
    public boolean isFinal() {
        return this == RESET || this == DEAD;
    }
}

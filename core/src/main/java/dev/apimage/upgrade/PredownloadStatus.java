package dev.apimage.upgrade;

/** An AP's predownload status as {@code show ap image} names it. */
public enum PredownloadStatus {
    /** Nothing to do (the AP already runs the target version) or not yet planned. */
    NONE("None"),
    /** Waiting: for its image to be fetched, for a start slot, or for a retry. */
    INITIATED("Initiated"),
    /** Downloading at join (after "Save", an AP that joins later gets its image into the primary slot). */
    DOWNLOADING("Downloading"),
    /** Blocks flowing into the backup slot. */
    PREDOWNLOADING("Predownloading"),
    /** Downloaded at join. */
    COMPLETED_DOWNLOADING("Completed downloading"),
    /** Predownloaded: the target image is the AP's backup image. */
    COMPLETE("Complete"),
    /** Failed; the row's next retry time says whether another attempt comes. */
    FAILED("Failed"),
    /** The AP's model is unknown to the catalog. */
    NOT_SUPPORTED("Not Supported");

    private final String text;

    PredownloadStatus(String text) {
        this.text = text;
    }

    /**
     * The status as the controller prints it.
     *
     * @return the text
     */
    public String text() {
        return text;
    }

    /**
     * Tells whether the AP's image download is over for this run (nothing more will happen unless retried).
     *
     * @return true for the final states
     */
    public boolean settled() {
        return this == NONE || this == COMPLETED_DOWNLOADING || this == COMPLETE || this == FAILED || this == NOT_SUPPORTED;
    }
}

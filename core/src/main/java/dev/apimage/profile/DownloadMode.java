package dev.apimage.profile;

import java.util.Locale;
import java.util.Optional;

/**
 * How the APs' images reach the controller: the {@code image-download-mode} of the profile.
 */
public enum DownloadMode {
    /** From a TFTP image server (UDP 69). */
    TFTP("tftp", true),
    /** From an SFTP image server (TCP 22); the controller logs in, never the AP. */
    SFTP("sftp", true),
    /** Uploaded from the operator's desktop; refused in a non-homogeneous network. */
    HTTP("http", false),
    /** The APs download from the vendor over the internet; outside this SDK's reach. */
    CCO("cco", false);

    private final String keyword;
    private final boolean usesImageServer;

    DownloadMode(String keyword, boolean usesImageServer) {
        this.keyword = keyword;
        this.usesImageServer = usesImageServer;
    }

    /**
     * The keyword of the controller CLI and the URI scheme ({@code tftp}, {@code sftp}, ...).
     *
     * @return the lower-case keyword
     */
    public String keyword() {
        return keyword;
    }

    /**
     * Tells whether this mode fetches images from an image server named in the profile.
     *
     * @return true for TFTP and SFTP
     */
    public boolean usesImageServer() {
        return usesImageServer;
    }

    /**
     * The mode for a CLI keyword, case-insensitive.
     *
     * @param keyword for example {@code tftp}
     * @return the mode, or empty when the keyword names none
     */
    public static Optional<DownloadMode> ofKeyword(String keyword) {
        for (DownloadMode m : values()) {
            if (m.keyword.equals(keyword.toLowerCase(Locale.ROOT))) {
                return Optional.of(m);
            }
        }
        return Optional.empty();
    }
}

package dev.apimage.image;

import java.io.IOException;

/**
 * A bundle archive or directory that cannot be opened safely: an archive entry that would land
 * outside the target, a link, an unsupported entry type, or an archive past the size limit.
 */
public class BundleException extends IOException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message what is wrong, naming the entry
     */
    public BundleException(String message) {
        super(dev.apimage.internal.LogText.printable(message, 1000));
    }

    /**
     * Creates the exception with a cause.
     *
     * @param message what is wrong
     * @param cause the underlying failure
     */
    public BundleException(String message, Throwable cause) {
        super(message, cause);
    }
}

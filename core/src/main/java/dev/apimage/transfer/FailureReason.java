package dev.apimage.transfer;

/**
 * Why a transfer failed. {@link #text()} is the wording of the controller's log
 * ({@code Failed to download file <uri>: No such file or directory}).
 */
public enum FailureReason {
    /** The file or its directory does not exist on the server. */
    NOT_FOUND("No such file or directory"),
    /** No answer, or no progress, within the configured time. */
    TIMED_OUT("Timed out"),
    /** The server refused to serve the file. */
    ACCESS_DENIED("Permission denied"),
    /** The server refused the credentials. */
    AUTHENTICATION_FAILED("Authentication failed"),
    /** The server's host key is unknown or has changed. */
    HOST_KEY_REJECTED("Host key rejected"),
    /** The receiving side (or the server, for uploads) has no space for the image. */
    NO_SPACE("No space left on device"),
    /** The received bytes do not have the expected size or digest. */
    INTEGRITY_MISMATCH("Integrity check failed"),
    /** The peer broke the protocol or reported an error of its own. */
    PROTOCOL_ERROR("Protocol error"),
    /** No transport provider is installed for the URI's scheme. */
    UNSUPPORTED_PROTOCOL("Protocol not supported"),
    /** A local read or write failed. */
    IO_ERROR("Input/output error"),
    /** The caller cancelled the transfer. */
    CANCELLED("Cancelled"),
    /** An option's value breaks its rule; nothing was opened. */
    INVALID_OPTION("Invalid argument");

    private final String text;

    FailureReason(String text) {
        this.text = text;
    }

    /**
     * The reason as the controller's log words it.
     *
     * @return for example {@code No such file or directory}
     */
    public String text() {
        return text;
    }
}

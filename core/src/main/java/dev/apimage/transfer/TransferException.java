package dev.apimage.transfer;

import dev.apimage.internal.Failures;
import dev.apimage.internal.LogText;
import java.io.IOException;
import java.util.Objects;
import java.util.Optional;

/**
 * A failed transfer. The message reads like the controller's log:
 * {@code Failed to download file tftp://172.16.5.27/Wrong-Path/ap1g6: No such file or directory},
 * always with the {@linkplain UriRedaction redacted} URI, followed by a detail in parentheses where
 * the peer said more ({@code Protocol error (server said: disk on fire)}).
 */
public class TransferException extends IOException {
    private static final long serialVersionUID = 1L;

    private final FailureReason reason;
    private final String redactedUri;
    private final String detail;

    /**
     * Creates the exception.
     *
     * @param reason why the transfer failed
     * @param redactedUri the URI as logs may show it (see {@link UriRedaction})
     * @param detail more words, or null; must not hold a secret
     * @param cause the underlying failure, or null
     */
    public TransferException(FailureReason reason, String redactedUri, String detail, Throwable cause) {
        super(message(reason, redactedUri, detail), cause);
        this.reason = Objects.requireNonNull(reason, "reason");
        this.redactedUri = LogText.printable(Objects.requireNonNull(redactedUri, "redactedUri"), 512);
        this.detail = detail == null || detail.isBlank() ? null : LogText.printable(detail, 200);
    }

    /**
     * Creates the exception without detail or cause.
     *
     * @param reason why the transfer failed
     * @param redactedUri the URI as logs may show it
     */
    public TransferException(FailureReason reason, String redactedUri) {
        this(reason, redactedUri, null, null);
    }

    private static String message(FailureReason reason, String uri, String detail) {
        String m = Failures.downloadFailed(uri, reason.text());
        return detail == null || detail.isBlank() ? m : m + " (" + LogText.printable(detail, 200) + ")";
    }

    /**
     * Why the transfer failed.
     *
     * @return the reason
     */
    public FailureReason reason() {
        return reason;
    }

    /**
     * The URI of the failed transfer, redacted.
     *
     * @return for example {@code sftp://*****@172.16.5.62/Documents/Wrong-Path/ap1g6}
     */
    public String redactedUri() {
        return redactedUri;
    }

    /**
     * More words about the failure, such as a server's error text.
     *
     * @return the detail, if any
     */
    public Optional<String> detail() {
        return Optional.ofNullable(detail);
    }
}

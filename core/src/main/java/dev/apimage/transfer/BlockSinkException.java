package dev.apimage.transfer;

import java.io.IOException;
import java.util.Objects;

/**
 * Thrown by a {@link BlockSink} that cannot take a block, with the reason the transfer should
 * fail with (for example {@link FailureReason#NO_SPACE} from a full staging area).
 */
public class BlockSinkException extends IOException {
    private static final long serialVersionUID = 1L;

    private final FailureReason reason;

    /**
     * Creates the exception.
     *
     * @param reason the reason the transfer fails with
     * @param message what happened, for the exception's detail
     * @param cause the underlying failure, or null
     */
    public BlockSinkException(FailureReason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = Objects.requireNonNull(reason, "reason");
    }

    /**
     * Creates the exception without a cause.
     *
     * @param reason the reason the transfer fails with
     * @param message what happened
     */
    public BlockSinkException(FailureReason reason, String message) {
        this(reason, message, null);
    }

    /**
     * The reason the transfer fails with.
     *
     * @return the reason
     */
    public FailureReason reason() {
        return reason;
    }
}

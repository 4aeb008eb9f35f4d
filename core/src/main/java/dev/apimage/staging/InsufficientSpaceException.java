package dev.apimage.staging;

import dev.apimage.transfer.BlockSinkException;
import dev.apimage.transfer.FailureReason;

/**
 * The staging area has less space than an image needs; thrown before any byte is written. The
 * message carries both numbers, like the AP's precheck:
 * {@code staging space: not enough, available 40000, required 50000}.
 */
public class InsufficientSpaceException extends BlockSinkException {
    private static final long serialVersionUID = 1L;

    private final long available;
    private final long required;

    /**
     * Creates the exception.
     *
     * @param available bytes available
     * @param required bytes required
     */
    public InsufficientSpaceException(long available, long required) {
        super(FailureReason.NO_SPACE, "staging space: not enough, available " + available + ", required " + required);
        this.available = available;
        this.required = required;
    }

    /**
     * Bytes that were available.
     *
     * @return bytes
     */
    public long available() {
        return available;
    }

    /**
     * Bytes that were required.
     *
     * @return bytes
     */
    public long required() {
        return required;
    }
}

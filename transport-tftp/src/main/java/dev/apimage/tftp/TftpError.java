package dev.apimage.tftp;

/**
 * A TFTP error code (RFC 1350 section 5, RFC 2347 for code 8). An open value class: codes outside
 * the table are kept as they are, so a peer's private code survives a round trip.
 *
 * @param code the 16-bit error code
 */
public record TftpError(int code) {

    /** 0: not defined, see error message. */
    public static final TftpError NOT_DEFINED = new TftpError(0);
    /** 1: file not found. */
    public static final TftpError FILE_NOT_FOUND = new TftpError(1);
    /** 2: access violation. */
    public static final TftpError ACCESS_VIOLATION = new TftpError(2);
    /** 3: disk full or allocation exceeded. */
    public static final TftpError DISK_FULL = new TftpError(3);
    /** 4: illegal TFTP operation. */
    public static final TftpError ILLEGAL_OPERATION = new TftpError(4);
    /** 5: unknown transfer ID. */
    public static final TftpError UNKNOWN_TID = new TftpError(5);
    /** 6: file already exists. */
    public static final TftpError FILE_EXISTS = new TftpError(6);
    /** 7: no such user. */
    public static final TftpError NO_SUCH_USER = new TftpError(7);
    /** 8: option negotiation refused (RFC 2347). */
    public static final TftpError OPTION_REFUSED = new TftpError(8);

    private static final String[] NAMES = {"Not defined", "File not found", "Access violation",
        "Disk full or allocation exceeded", "Illegal TFTP operation", "Unknown transfer ID",
        "File already exists", "No such user", "Option negotiation refused"};

    /**
     * Checks the range.
     *
     * @throws IllegalArgumentException outside 0..65535
     */
    public TftpError {
        if (code < 0 || code > 0xFFFF) {
            throw new IllegalArgumentException("TFTP error code out of range: " + code);
        }
    }

    /**
     * The code's name from the RFC table.
     *
     * @return for example {@code File not found}; {@code Error <n>} for codes outside the table
     */
    public String name() {
        return code < NAMES.length ? NAMES[code] : "Error " + code;
    }

    @Override
    public String toString() {
        return code + " (" + name() + ")";
    }
}

package dev.apimage.profile;

/**
 * A controller CLI block that does not describe a valid image download profile. The message names
 * the line ({@code line 3: ...}) and never quotes a password.
 */
public class ProfileParseException extends Exception {
    private static final long serialVersionUID = 1L;

    private final int line;

    /**
     * Creates the exception.
     *
     * @param line the 1-based line number, or 0 when the problem is the block as a whole
     * @param message what is wrong
     */
    public ProfileParseException(int line, String message) {
        super(line > 0 ? "line " + line + ": " + message : message);
        this.line = line;
    }

    /**
     * The offending line.
     *
     * @return the 1-based line number, or 0 when the problem is the block as a whole
     */
    public int line() {
        return line;
    }
}

package dev.apimage.image;

import java.util.Objects;

/**
 * One problem {@link ImageBundle#validate()} found, in plain words.
 *
 * @param severity whether the bundle is unusable ({@link Severity#ERROR}) or merely odd
 * @param file the file the finding is about, relative to the bundle directory, or empty for the
 *     bundle as a whole
 * @param message what is wrong, for an operator
 */
public record BundleFinding(Severity severity, String file, String message) {

    /** How bad a finding is. */
    public enum Severity {
        /** The bundle cannot be used for an upgrade as it is. */
        ERROR,
        /** Worth a look; the bundle can still be used. */
        WARNING
    }

    /** Checks that no component is null. */
    public BundleFinding {
        Objects.requireNonNull(severity, "severity");
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(message, "message");
    }

    @Override
    public String toString() {
        return severity + (file.isEmpty() ? "" : " " + file) + ": " + message;
    }
}

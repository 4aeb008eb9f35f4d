package dev.apimage.internal;

import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/** What went wrong, without the wrappers futures put around it; and the field's wording for it. */
public final class Failures {

    private Failures() {
    }

    /**
     * The cause a {@link CompletionException} or {@link ExecutionException} carries, however deep.
     *
     * @param error what a future reported
     * @return the first throwable that is not such a wrapper (or the last wrapper if it has no cause)
     */
    public static Throwable unwrap(Throwable error) {
        Throwable c = error;
        while ((c instanceof CompletionException || c instanceof ExecutionException) && c.getCause() != null) {
            c = c.getCause();
        }
        return c;
    }

    /**
     * The controller's line for a failed download, as the field document prints it:
     * {@code Failed to download file tftp://172.16.5.27/Wrong-Path/ap1g6: No such file or directory}.
     *
     * @param what the file (a redacted URI) or what stands for it; escaped here
     * @param reason the reason's text; escaped here
     * @return the line
     */
    public static String downloadFailed(String what, String reason) {
        return "Failed to download file " + LogText.printable(what, 512) + ": " + LogText.printable(reason, 512);
    }
}

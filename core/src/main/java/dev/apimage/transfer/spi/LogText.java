package dev.apimage.transfer.spi;

/**
 * Makes untrusted text (a requested file name, a peer's error message, a line of a configuration
 * file) safe to put into a log line or an exception: control characters become {@code ?} and the
 * text is cut to a length, so no input can forge log lines or flood them.
 */
public final class LogText {

    private LogText() {
    }

    /**
     * The printable form of a text.
     *
     * @param s any text, or null
     * @param max the most characters kept; {@code ...} marks a cut
     * @return the text with control characters replaced by {@code ?}
     */
    public static String printable(String s, int max) {
        if (s == null) {
            return "null";
        }
        StringBuilder b = new StringBuilder(Math.min(s.length(), max) + 3);
        for (int i = 0; i < s.length() && i < max; i++) {
            char c = s.charAt(i);
            b.append(Character.isISOControl(c) ? '?' : c);
        }
        if (s.length() > max) {
            b.append("...");
        }
        return b.toString();
    }
}

package dev.apimage.internal;

/**
 * Makes untrusted text (a requested file name, a peer's error message, a line of a configuration
 * file) safe to put into a log line, a terminal or an exception: every character that could end a
 * line, move the cursor or reorder what a reader sees becomes {@code ?}, and the text is cut to a
 * length, so no input can forge log lines, paint a terminal or flood either. Replaced: the C0 and
 * C1 controls and DEL (CR, LF, ESC among them), Unicode format characters (bidirectional
 * overrides, zero-width joiners), the line and paragraph separators, and unpaired surrogates.
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
            if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                int cp = s.codePointAt(i);
                if (safe(cp)) {
                    b.append(c).append(s.charAt(i + 1));
                } else {
                    b.append('?');
                }
                i++;
                continue;
            }
            b.append(Character.isSurrogate(c) || !safe(c) ? '?' : c);
        }
        if (s.length() > max) {
            b.append("...");
        }
        return b.toString();
    }

    /**
     * Whether a code point may reach a log or terminal as it is.
     *
     * @param cp a code point
     * @return false for controls, format characters and line or paragraph separators
     */
    public static boolean safe(int cp) {
        if (Character.isISOControl(cp)) {
            return false;
        }
        int t = Character.getType(cp);
        return t != Character.FORMAT && t != Character.LINE_SEPARATOR && t != Character.PARAGRAPH_SEPARATOR
                && t != Character.UNASSIGNED && t != Character.PRIVATE_USE;
    }
}

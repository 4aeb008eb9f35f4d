package dev.apimage.image;

import dev.apimage.internal.LogText;
import java.util.Arrays;
import java.util.Objects;

/**
 * A software version as the controller and the APs print it: dot-separated components, each a
 * number optionally followed by lower-case letters ({@code 17.9.4.27}, {@code 17.12.1.5},
 * {@code 8.10.130.0}, {@code 17.09.04a.0.6}).
 *
 * <p>Versions compare component by component: numerically first (so {@code 17.9} &lt;
 * {@code 17.12}, and {@code 17.09} equals {@code 17.9}), then by the letter suffix (no suffix
 * before {@code a}, {@code a} before {@code b}); when one version is a prefix of the other, the
 * shorter one is smaller. {@link #equals(Object)} agrees with that order, and it is what decides
 * whether an AP's version "does not match" the controller's. {@link #toString()} returns the text
 * exactly as parsed.
 */
public final class ImageVersion implements Comparable<ImageVersion> {

    private static final int MAX_COMPONENTS = 16;
    private static final int MAX_DIGITS = 9;
    private static final int MAX_SUFFIX = 8;

    private final String text;
    private final int[] numbers;
    private final String[] suffixes;

    private ImageVersion(String text, int[] numbers, String[] suffixes) {
        this.text = text;
        this.numbers = numbers;
        this.suffixes = suffixes;
    }

    /**
     * Parses a version.
     *
     * @param text for example {@code 17.9.4.27} or {@code 17.09.04a.0.6}; surrounding white space
     *     (as read from a {@code version.info} file) is ignored
     * @return the version
     * @throws IllegalArgumentException naming the offending position when the text is not a version
     */
    public static ImageVersion parse(String text) {
        Objects.requireNonNull(text, "text");
        String t = text.strip();
        if (t.isEmpty()) {
            throw new IllegalArgumentException("empty version");
        }
        String[] parts = t.split("\\.", -1);
        if (parts.length < 2 || parts.length > MAX_COMPONENTS) {
            throw new IllegalArgumentException("not a version: '" + LogText.printable(t, 64)
                    + "' (expected 2 to " + MAX_COMPONENTS + " dot-separated components such as 17.9.4.27)");
        }
        int[] numbers = new int[parts.length];
        String[] suffixes = new String[parts.length];
        for (int i = 0; i < parts.length; i++) {
            String p = parts[i];
            int d = 0;
            while (d < p.length() && p.charAt(d) >= '0' && p.charAt(d) <= '9') {
                d++;
            }
            int s = d;
            while (s < p.length() && p.charAt(s) >= 'a' && p.charAt(s) <= 'z') {
                s++;
            }
            if (d == 0 || d > MAX_DIGITS || s != p.length() || s - d > MAX_SUFFIX) {
                throw new IllegalArgumentException("not a version: '" + LogText.printable(t, 64)
                        + "': component " + (i + 1) + " ('" + LogText.printable(p, 64)
                        + "') must be 1-" + MAX_DIGITS + " digits optionally followed by up to "
                        + MAX_SUFFIX + " lower-case letters");
            }
            numbers[i] = Integer.parseInt(p, 0, d, 10);
            suffixes[i] = p.substring(d);
        }
        return new ImageVersion(t, numbers, suffixes);
    }

    /**
     * Number of dot-separated components.
     *
     * @return at least 2
     */
    public int componentCount() {
        return numbers.length;
    }

    /**
     * The numeric part of one component.
     *
     * @param index 0-based component index
     * @return the number, leading zeros dropped
     */
    public int number(int index) {
        return numbers[index];
    }

    /**
     * Tells whether an AP running this version must download {@code target}: true when the two
     * versions are not equal (the AP log's "Version does not match.").
     *
     * @param target the version the controller offers
     * @return true when a download is needed
     */
    public boolean differsFrom(ImageVersion target) {
        return !equals(target);
    }

    @Override
    public int compareTo(ImageVersion o) {
        int n = Math.min(numbers.length, o.numbers.length);
        for (int i = 0; i < n; i++) {
            int c = Integer.compare(numbers[i], o.numbers[i]);
            if (c != 0) {
                return c;
            }
            c = compareSuffix(suffixes[i], o.suffixes[i]);
            if (c != 0) {
                return c;
            }
        }
        return Integer.compare(numbers.length, o.numbers.length);
    }

    private static int compareSuffix(String a, String b) {
        // Shorter first, then alphabetical: "" < "a" < "b" < "aa", a stable total order.
        int c = Integer.compare(a.length(), b.length());
        return c != 0 ? c : a.compareTo(b);
    }

    @Override
    public boolean equals(Object obj) {
        return obj instanceof ImageVersion v
                && Arrays.equals(numbers, v.numbers)
                && Arrays.equals(suffixes, v.suffixes);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(numbers) + Arrays.hashCode(suffixes);
    }

    /** The version exactly as parsed (surrounding white space removed). */
    @Override
    public String toString() {
        return text;
    }
}

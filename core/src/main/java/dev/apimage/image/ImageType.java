package dev.apimage.image;

import dev.apimage.internal.LogText;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * An AP image type, the name under which one image of an AP bundle is stored and requested
 * ({@code ap1g4}, {@code ap1g5}, {@code ap1g6}, {@code ap1g6a}, {@code ap1g7}, {@code ap1g8},
 * {@code ap3g3}, ...).
 *
 * <p>The set of types is open: any name of 2 to 32 lower-case letters and digits starting with a
 * letter is a syntactically valid type, so a newer bundle's types work without a code change.
 * Which AP model takes which type is data, kept in the {@link ApModelCatalog}.
 *
 * @param name the type's name, as it appears in the bundle and in the CAPWAP Image Identifier
 */
public record ImageType(String name) implements Comparable<ImageType> {

    private static final Pattern SYNTAX = Pattern.compile("[a-z][a-z0-9]{1,31}");

    /** Catalyst 1810/1815/1830/1850 (Wave 2 "1G4"). */
    public static final ImageType AP1G4 = new ImageType("ap1g4");
    /** Catalyst 1540/1560 and 1800S family. */
    public static final ImageType AP1G5 = new ImageType("ap1g5");
    /** Catalyst 9117. */
    public static final ImageType AP1G6 = new ImageType("ap1g6");
    /** Catalyst 9124/9130. */
    public static final ImageType AP1G6A = new ImageType("ap1g6a");
    /** Catalyst 9115/9120. */
    public static final ImageType AP1G7 = new ImageType("ap1g7");
    /** Catalyst 9105. */
    public static final ImageType AP1G8 = new ImageType("ap1g8");
    /** Aironet 2800/3800/4800 and IW6300. */
    public static final ImageType AP3G3 = new ImageType("ap3g3");

    /**
     * Validates the name.
     *
     * @throws IllegalArgumentException when the name is not a valid image type name
     */
    public ImageType {
        Objects.requireNonNull(name, "name");
        if (!SYNTAX.matcher(name).matches()) {
            throw new IllegalArgumentException("not a valid AP image type name: '" + LogText.printable(name, 64)
                    + "' (expected 2-32 lower-case letters and digits starting with a letter, e.g. ap1g8)");
        }
    }

    /**
     * Parses an image type name.
     *
     * @param name for example {@code ap1g8}
     * @return the image type
     * @throws IllegalArgumentException when the name is not a valid image type name
     */
    public static ImageType of(String name) {
        return new ImageType(name);
    }

    /**
     * Tells whether a string is a syntactically valid image type name.
     *
     * @param name any string
     * @return true when {@link #of(String)} would accept it
     */
    public static boolean isValidName(String name) {
        return name != null && SYNTAX.matcher(name).matches();
    }

    @Override
    public int compareTo(ImageType other) {
        return name.compareTo(other.name);
    }

    @Override
    public String toString() {
        return name;
    }
}

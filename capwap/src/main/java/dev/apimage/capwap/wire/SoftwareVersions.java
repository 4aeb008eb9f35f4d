package dev.apimage.capwap.wire;

import dev.apimage.image.ImageVersion;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Software versions as WTP and AC Descriptors carry them (RFC 5415, 4.6.41 and 4.6.1: "vendor
 * specific", nominally UTF-8). Cisco APs put four bytes, one per dotted part ({@code 17.3.3.26} is
 * {@code 11 03 03 1A}); other stacks send the text. Both are read; either is written.
 */
public final class SoftwareVersions {

    private static final Pattern FOUR_BYTES = Pattern.compile("(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})");

    private SoftwareVersions() {
    }

    /**
     * Reads a version in either form.
     *
     * @param data the descriptor's data
     * @return the version, empty when the data is neither form
     */
    public static Optional<ImageVersion> decode(Octets data) {
        if (data.length() == 4 && !printable(data)) {
            return Optional.of(ImageVersion.parse(data.get(0) + "." + data.get(1) + "." + data.get(2) + "." + data.get(3)));
        }
        try {
            return Optional.of(ImageVersion.parse(data.utf8()));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    /**
     * Tells whether a version has the four-byte form: four dotted numbers, each at most 255.
     *
     * @param version the version
     * @return true when {@link #binary} can encode it
     */
    public static boolean hasBinaryForm(ImageVersion version) {
        var m = FOUR_BYTES.matcher(version.toString());
        if (!m.matches()) {
            return false;
        }
        for (int i = 1; i <= 4; i++) {
            if (Integer.parseInt(m.group(i)) > 255) {
                return false;
            }
        }
        return true;
    }

    /**
     * The four-byte form, as Cisco APs send it.
     *
     * @param version four dotted numbers of at most 255
     * @return four bytes
     * @throws IllegalArgumentException for other versions
     */
    public static Octets binary(ImageVersion version) {
        if (!hasBinaryForm(version)) {
            throw new IllegalArgumentException("version " + version + " has no four-byte form");
        }
        var m = FOUR_BYTES.matcher(version.toString());
        m.matches();
        return Octets.of((byte) Integer.parseInt(m.group(1)), (byte) Integer.parseInt(m.group(2)),
                (byte) Integer.parseInt(m.group(3)), (byte) Integer.parseInt(m.group(4)));
    }

    /**
     * The text form.
     *
     * @param version the version
     * @return its UTF-8 text
     */
    public static Octets text(ImageVersion version) {
        return Octets.utf8(version.toString());
    }

    private static boolean printable(Octets data) {
        for (int i = 0; i < data.length(); i++) {
            int b = data.get(i);
            if (b < 0x20 || b > 0x7E) {
                return false;
            }
        }
        return true;
    }
}

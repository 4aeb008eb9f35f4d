package dev.apimage.capwap.wire;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Objects;

/**
 * Immutable bytes of a message element (a Session ID, a MAC address, a version in its binary
 * form), compared by content and printed in hex, so that element records compare by value.
 */
public final class Octets {

    private static final Octets EMPTY = new Octets(new byte[0]);

    private final byte[] bytes;

    private Octets(byte[] bytes) {
        this.bytes = bytes;
    }

    /**
     * A copy of some bytes.
     *
     * @param bytes the bytes
     * @return the octets
     */
    public static Octets of(byte... bytes) {
        return bytes.length == 0 ? EMPTY : new Octets(bytes.clone());
    }

    /**
     * Text as UTF-8 bytes.
     *
     * @param text the text
     * @return the octets
     */
    public static Octets utf8(String text) {
        return new Octets(Objects.requireNonNull(text, "text").getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Parses hex digits, with or without {@code :} separators ({@code 00:1b:d5:aa:bb:cc}).
     *
     * @param hex the digits
     * @return the octets
     * @throws IllegalArgumentException when the text is not hex
     */
    public static Octets hex(String hex) {
        return new Octets(HexFormat.of().parseHex(hex.replace(":", "").replace("-", "").replace(".", "")));
    }

    /**
     * How many bytes.
     *
     * @return the length
     */
    public int length() {
        return bytes.length;
    }

    /**
     * One byte.
     *
     * @param i the index
     * @return the byte, unsigned
     */
    public int get(int i) {
        return bytes[i] & 0xFF;
    }

    /**
     * A copy of the bytes.
     *
     * @return the bytes
     */
    public byte[] toByteArray() {
        return bytes.clone();
    }

    /**
     * The bytes as UTF-8 text (invalid sequences become U+FFFD).
     *
     * @return the text
     */
    public String utf8() {
        return new String(bytes, StandardCharsets.UTF_8);
    }

    /**
     * The bytes as a MAC address: six hex pairs with colons ({@code 00:1b:d5:aa:bb:cc}).
     *
     * @return the text
     */
    public String mac() {
        return HexFormat.ofDelimiter(":").formatHex(bytes);
    }

    void writeTo(io.netty.buffer.ByteBuf out) {
        out.writeBytes(bytes);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Octets other && Arrays.equals(bytes, other.bytes);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(bytes);
    }

    /** The bytes in hex. */
    @Override
    public String toString() {
        return HexFormat.of().formatHex(bytes);
    }
}

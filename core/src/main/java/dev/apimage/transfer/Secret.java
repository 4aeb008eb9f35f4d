package dev.apimage.transfer;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Objects;

/**
 * A secret such as the {@code sftp-password} of an image download profile.
 *
 * <p>Its {@link #toString()} is always {@value #MASK}, whatever the secret; the value is only
 * handed out as a fresh copy by {@link #toCharArray()} or {@link #toUtf8()}, which a caller should
 * clear after use. Equality compares the values in constant time; the hash code is the same for
 * every secret so that it tells nothing about the value.
 */
public final class Secret {

    /** What every secret prints as. */
    public static final String MASK = "*****";

    private final char[] value;

    private Secret(char[] value) {
        this.value = value;
    }

    /**
     * Wraps a secret given as a string.
     *
     * @param value the secret
     * @return the secret
     */
    public static Secret of(String value) {
        return new Secret(Objects.requireNonNull(value, "value").toCharArray());
    }

    /**
     * Wraps a secret given as characters; the array is copied, so the caller may clear it.
     *
     * @param value the secret
     * @return the secret
     */
    public static Secret of(char[] value) {
        return new Secret(Objects.requireNonNull(value, "value").clone());
    }

    /**
     * A copy of the secret's characters; clear it after use.
     *
     * @return a new array
     */
    public char[] toCharArray() {
        return value.clone();
    }

    /**
     * The secret encoded as UTF-8, for APIs that take bytes; clear it after use.
     *
     * @return a new array
     */
    public byte[] toUtf8() {
        ByteBuffer b = StandardCharsets.UTF_8.encode(CharBuffer.wrap(value));
        byte[] out = new byte[b.remaining()];
        b.get(out);
        if (b.hasArray()) {
            Arrays.fill(b.array(), (byte) 0);
        }
        return out;
    }

    /**
     * Number of characters, for validation messages that must not show the value.
     *
     * @return the length
     */
    public int length() {
        return value.length;
    }

    /**
     * Tells whether the secret contains a character.
     *
     * @param c the character
     * @return true when present
     */
    boolean contains(char c) {
        for (char v : value) {
            if (v == c) {
                return true;
            }
        }
        return false;
    }

    /**
     * One character, for checks that must not copy the whole value.
     *
     * @param i the index, below {@link #length()}
     * @return the character
     */
    public char charAt(int i) {
        return value[i];
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof Secret s)) {
            return false;
        }
        byte[] a = toUtf8();
        byte[] b = s.toUtf8();
        try {
            return MessageDigest.isEqual(a, b);
        } finally {
            Arrays.fill(a, (byte) 0);
            Arrays.fill(b, (byte) 0);
        }
    }

    @Override
    public int hashCode() {
        return 0x5ec2e7;
    }

    /** Always {@value #MASK}. */
    @Override
    public String toString() {
        return MASK;
    }
}

package dev.apimage.capwap;

import dev.apimage.internal.LogText;
import dev.apimage.transfer.Secret;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The pre-shared keys of DTLS PSK mode (RFC 5415, 2.4.4.2): one key shared by every AP, or a key
 * per PSK identity. Keys are {@link Secret}s of hexadecimal digits; neither {@link #toString()} nor
 * an exception ever shows one.
 */
public final class PskKeys {

    private final Secret shared;
    private final Map<String, Secret> byIdentity;

    private PskKeys(Secret shared, Map<String, Secret> byIdentity) {
        this.shared = shared;
        this.byIdentity = Map.copyOf(byIdentity);
    }

    /**
     * One key for every identity.
     *
     * @param hexKey the key in hexadecimal, at least 16 bytes
     * @return the keys
     * @throws IllegalArgumentException when the key is not hexadecimal or too short
     */
    public static PskKeys shared(Secret hexKey) {
        check(hexKey, "the shared key");
        return new PskKeys(hexKey, Map.of());
    }

    /**
     * A key per identity.
     *
     * @param byIdentity identity to key in hexadecimal
     * @return the keys
     * @throws IllegalArgumentException when a key is not hexadecimal or too short, or an identity is empty
     */
    public static PskKeys of(Map<String, Secret> byIdentity) {
        if (byIdentity.isEmpty()) {
            throw new IllegalArgumentException("no PSK identity given");
        }
        byIdentity.forEach((identity, key) -> {
            checkIdentity(identity);
            check(key, "the key of identity " + LogText.printable(identity, 64));
        });
        return new PskKeys(null, byIdentity);
    }

    /**
     * Reads a key file: one line with a hexadecimal key (shared), or lines {@code identity = hexkey};
     * blank lines and lines starting with {@code #} are skipped.
     *
     * @param file the file
     * @return the keys
     * @throws IOException when the file cannot be read
     * @throws IllegalArgumentException when it holds no key or a malformed line (the line number is
     *     given, never its text)
     */
    public static PskKeys read(Path file) throws IOException {
        Map<String, Secret> keys = new HashMap<>();
        Secret single = null;
        int n = 0;
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            n++;
            String t = line.strip();
            if (t.isEmpty() || t.startsWith("#")) {
                continue;
            }
            int eq = t.indexOf('=');
            if (eq < 0) {
                if (single != null || !keys.isEmpty()) {
                    throw new IllegalArgumentException(file.getFileName() + " line " + n + ": a key without an identity in a file of several");
                }
                single = Secret.of(t);
                checkLine(single, file, n);
                continue;
            }
            if (single != null) {
                throw new IllegalArgumentException(file.getFileName() + " line " + n + ": identities after a shared key");
            }
            String identity = t.substring(0, eq).strip();
            Secret key = Secret.of(t.substring(eq + 1).strip());
            try {
                checkIdentity(identity);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(file.getFileName() + " line " + n + ": " + e.getMessage());
            }
            checkLine(key, file, n);
            if (keys.put(identity, key) != null) {
                throw new IllegalArgumentException(file.getFileName() + " line " + n + ": identity given twice");
            }
        }
        if (single != null) {
            return new PskKeys(single, Map.of());
        }
        if (keys.isEmpty()) {
            throw new IllegalArgumentException(file.getFileName() + " holds no key");
        }
        return new PskKeys(null, keys);
    }

    /**
     * The key for an identity the AP named.
     *
     * @param identity the PSK identity
     * @return its key, or the shared key, or empty when the identity is unknown
     */
    public Optional<Secret> keyFor(String identity) {
        return shared != null ? Optional.of(shared) : Optional.ofNullable(byIdentity.get(identity));
    }

    /**
     * Whether one key serves every identity.
     *
     * @return true for a shared key
     */
    public boolean isShared() {
        return shared != null;
    }

    /**
     * The key bytes of a hexadecimal key.
     *
     * @param hexKey the key
     * @return its bytes (the caller clears them after use)
     */
    public static byte[] bytes(Secret hexKey) {
        char[] c = hexKey.toCharArray();
        try {
            byte[] b = new byte[c.length / 2];
            for (int i = 0; i < b.length; i++) {
                b[i] = (byte) (Character.digit(c[2 * i], 16) << 4 | Character.digit(c[2 * i + 1], 16));
            }
            return b;
        } finally {
            java.util.Arrays.fill(c, '\0');
        }
    }

    private static void checkLine(Secret key, Path file, int line) {
        try {
            check(key, "the key");
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file.getFileName() + " line " + line + ": " + e.getMessage());
        }
    }

    private static void check(Secret key, String what) {
        Objects.requireNonNull(key, "key");
        char[] c = key.toCharArray();
        try {
            if (c.length % 2 != 0 || c.length < 32) {
                throw new IllegalArgumentException(what + " must be at least 16 bytes in hexadecimal (an even number of digits, 32 or more)");
            }
            for (char x : c) {
                if (Character.digit(x, 16) < 0) {
                    throw new IllegalArgumentException(what + " is not hexadecimal");
                }
            }
        } finally {
            java.util.Arrays.fill(c, '\0');
        }
    }

    private static void checkIdentity(String identity) {
        if (identity == null || identity.isEmpty() || identity.getBytes(StandardCharsets.UTF_8).length > 128) {
            throw new IllegalArgumentException("a PSK identity must be 1 to 128 bytes");
        }
    }

    @Override
    public String toString() {
        return shared != null ? "PskKeys[one shared key]" : "PskKeys[" + byIdentity.size() + " identities]";
    }
}

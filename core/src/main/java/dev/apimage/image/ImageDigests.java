package dev.apimage.image;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * The SHA-256 and MD5 digests of one image, as lower-case hex. MD5 is what CAPWAP's Image
 * Information element carries (RFC 5415, 4.6.27); SHA-256 is what operators compare.
 *
 * @param sha256 64 hex digits
 * @param md5 32 hex digits
 */
public record ImageDigests(String sha256, String md5) {

    private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");
    private static final Pattern MD5 = Pattern.compile("[0-9a-f]{32}");
    private static final int CHUNK = 1 << 20;

    /**
     * Validates and lower-cases both digests.
     *
     * @throws IllegalArgumentException when a digest is not hex of the right length
     */
    public ImageDigests {
        sha256 = Objects.requireNonNull(sha256, "sha256").toLowerCase(Locale.ROOT);
        md5 = Objects.requireNonNull(md5, "md5").toLowerCase(Locale.ROOT);
        if (!SHA256.matcher(sha256).matches()) {
            throw new IllegalArgumentException("SHA-256 must be 64 hex digits");
        }
        if (!MD5.matcher(md5).matches()) {
            throw new IllegalArgumentException("MD5 must be 32 hex digits");
        }
    }

    /**
     * Computes both digests of a file in one pass through a {@link FileChannel}, 1 MiB at a time,
     * never holding the whole file in memory.
     *
     * @param file the file
     * @return its digests
     * @throws IOException when the file cannot be read
     */
    public static ImageDigests of(Path file) throws IOException {
        Hasher h = new Hasher();
        ByteBuffer buf = ByteBuffer.allocateDirect(CHUNK);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            while (ch.read(buf) >= 0) {
                buf.flip();
                h.update(buf);
                buf.clear();
            }
        }
        return h.finish();
    }

    /**
     * The MD5 digest as 16 raw bytes, as the CAPWAP Image Information element carries it.
     *
     * @return a new array of 16 bytes
     */
    public byte[] md5Bytes() {
        return HexFormat.of().parseHex(md5);
    }

    /**
     * Incremental SHA-256 and MD5 over a stream of buffers. Reuses the digests' internal scratch
     * arrays, so updating allocates nothing in steady state. Not thread-safe.
     */
    public static final class Hasher {
        private final MessageDigest sha256 = digest("SHA-256");
        private final MessageDigest md5 = digest("MD5");

        /** Creates a hasher at the start of a stream. */
        public Hasher() {
        }

        /**
         * Adds the remaining bytes of a buffer; the buffer's position is left unchanged.
         *
         * @param block the bytes to add
         */
        public void update(ByteBuffer block) {
            int pos = block.position();
            sha256.update(block);
            block.position(pos);
            md5.update(block);
            block.position(pos);
        }

        /**
         * Finishes both digests and resets the hasher for a new stream.
         *
         * @return the digests of everything added since creation or the last finish
         */
        public ImageDigests finish() {
            HexFormat hex = HexFormat.of();
            return new ImageDigests(hex.formatHex(sha256.digest()), hex.formatHex(md5.digest()));
        }

        private static MessageDigest digest(String algorithm) {
            try {
                return MessageDigest.getInstance(algorithm);
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException(algorithm + " is required by the Java platform", e);
            }
        }
    }
}

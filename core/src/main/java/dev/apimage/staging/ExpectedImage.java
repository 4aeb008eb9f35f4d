package dev.apimage.staging;

import dev.apimage.image.ImageDigests;
import java.util.Locale;
import java.util.Optional;

/**
 * What a staged image must be to be committed: its size, and optionally its SHA-256 and MD5
 * (CAPWAP's Image Information carries size and MD5).
 *
 * @param size the exact size in bytes
 * @param sha256 hex SHA-256, if known
 * @param md5 hex MD5, if known
 */
public record ExpectedImage(long size, Optional<String> sha256, Optional<String> md5) {

    /** Checks the size and lower-cases the digests. */
    public ExpectedImage {
        if (size < 0) {
            throw new IllegalArgumentException("expected size must not be negative: " + size);
        }
        sha256 = sha256.map(s -> s.toLowerCase(Locale.ROOT));
        md5 = md5.map(s -> s.toLowerCase(Locale.ROOT));
    }

    /**
     * Only the size is known.
     *
     * @param size bytes
     * @return the expectation
     */
    public static ExpectedImage ofSize(long size) {
        return new ExpectedImage(size, Optional.empty(), Optional.empty());
    }

    /**
     * Size and both digests are known.
     *
     * @param size bytes
     * @param digests the digests
     * @return the expectation
     */
    public static ExpectedImage of(long size, ImageDigests digests) {
        return new ExpectedImage(size, Optional.of(digests.sha256()), Optional.of(digests.md5()));
    }

    /**
     * Size and MD5 are known, as from CAPWAP's Image Information element.
     *
     * @param size bytes
     * @param md5Hex 32 hex digits
     * @return the expectation
     */
    public static ExpectedImage ofMd5(long size, String md5Hex) {
        return new ExpectedImage(size, Optional.empty(), Optional.of(md5Hex));
    }
}

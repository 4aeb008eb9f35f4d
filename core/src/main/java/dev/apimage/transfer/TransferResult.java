package dev.apimage.transfer;

import dev.apimage.image.ImageDigests;
import java.time.Duration;
import java.util.Optional;

/**
 * A completed transfer.
 *
 * @param redactedUri the source, as logs may show it
 * @param bytes bytes transferred (from the start offset)
 * @param elapsed wall time from start to completion
 * @param digests SHA-256 and MD5 of the whole file; empty for a resumed transfer or when
 *     {@link TransferOptions#COMPUTE_DIGESTS} is off
 */
public record TransferResult(String redactedUri, long bytes, Duration elapsed, Optional<ImageDigests> digests) {

    /**
     * Average throughput.
     *
     * @return bytes per second
     */
    public double bytesPerSecond() {
        long nanos = Math.max(1, elapsed.toNanos());
        return bytes * 1e9 / nanos;
    }
}

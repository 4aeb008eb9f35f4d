package dev.apimage.transfer;

import java.time.Duration;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * A snapshot of a transfer's progress.
 *
 * @param bytes bytes received so far (counting from the start offset of a resumed transfer)
 * @param total the file's size when known, or -1
 * @param elapsed time since the transfer started
 * @param bytesPerSecond average rate since the start
 */
public record TransferProgress(long bytes, long total, Duration elapsed, double bytesPerSecond) {

    /**
     * The size, when the protocol told it.
     *
     * @return the total bytes
     */
    public OptionalLong totalBytes() {
        return total < 0 ? OptionalLong.empty() : OptionalLong.of(total);
    }

    /**
     * Completion in percent.
     *
     * @return 0..100, or empty when the size is unknown
     */
    public Optional<Integer> percent() {
        if (total < 0) {
            return Optional.empty();
        }
        return Optional.of(total == 0 ? 100 : (int) Math.min(100, bytes * 100 / total));
    }

    /**
     * Estimated time to completion at the average rate so far.
     *
     * @return the estimate, or empty when size or rate is unknown
     */
    public Optional<Duration> eta() {
        if (total < 0 || bytesPerSecond <= 0) {
            return Optional.empty();
        }
        long remaining = Math.max(0, total - bytes);
        return Optional.of(Duration.ofMillis((long) (remaining * 1000.0 / bytesPerSecond)));
    }
}

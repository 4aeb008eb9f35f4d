package dev.apimage.upgrade;

import dev.apimage.internal.Durations;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;

/**
 * Limits and timing of an upgrade. The defaults are the field's: at most 100 APs predownloading at
 * once, started in batches of 16 every 60 s, and here 3 retries 60 s apart, doubling.
 *
 * @param maxConcurrent the most APs predownloading at once
 * @param batchSize the most APs started per batch interval
 * @param batchInterval the time between batches
 * @param maxRetries attempts after the first before an AP is failed for good
 * @param retryBackoff the wait before the first retry; doubled for each further one
 * @param clock the clock for retry times in the report
 */
public record UpgradeSettings(int maxConcurrent, int batchSize, Duration batchInterval, int maxRetries, Duration retryBackoff,
        Clock clock) {

    /** Checks the values. */
    public UpgradeSettings {
        if (maxConcurrent < 1 || batchSize < 1 || maxRetries < 0) {
            throw new IllegalArgumentException("maxConcurrent and batchSize must be at least 1, maxRetries not negative");
        }
        Durations.positive(batchInterval, "batchInterval");
        Durations.notNegative(retryBackoff, "retryBackoff");
        Objects.requireNonNull(clock, "clock");
    }

    /**
     * The field's defaults.
     *
     * @return 100 concurrent, batches of 16 every 60 s, 3 retries from 60 s
     */
    public static UpgradeSettings defaults() {
        return new UpgradeSettings(100, 16, Duration.ofSeconds(60), 3, Duration.ofSeconds(60), Clock.systemUTC());
    }

    /**
     * With other concurrency limits.
     *
     * @param concurrent the most at once
     * @param batch the most started per interval
     * @param interval the batch interval
     * @return new settings
     */
    public UpgradeSettings withConcurrency(int concurrent, int batch, Duration interval) {
        return new UpgradeSettings(concurrent, batch, interval, maxRetries, retryBackoff, clock);
    }

    /**
     * With other retries.
     *
     * @param retries attempts after the first
     * @param backoff the first wait, doubled per retry
     * @return new settings
     */
    public UpgradeSettings withRetries(int retries, Duration backoff) {
        return new UpgradeSettings(maxConcurrent, batchSize, batchInterval, retries, backoff, clock);
    }
}

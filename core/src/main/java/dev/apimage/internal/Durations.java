package dev.apimage.internal;

import java.time.Duration;
import java.util.Objects;

/** Checks of durations given by callers, with an error that names the setting. */
public final class Durations {

    private Durations() {
    }

    /**
     * Checks that a duration is above zero.
     *
     * @param d the duration
     * @param what the setting's name, for the error
     * @return {@code d}
     * @throws IllegalArgumentException when it is zero or negative
     * @throws NullPointerException when it is null
     */
    public static Duration positive(Duration d, String what) {
        if (Objects.requireNonNull(d, what).isNegative() || d.isZero()) {
            throw new IllegalArgumentException(what + " must be positive: " + d);
        }
        return d;
    }

    /**
     * Checks that a duration is not below zero.
     *
     * @param d the duration
     * @param what the setting's name, for the error
     * @return {@code d}
     * @throws IllegalArgumentException when it is negative
     * @throws NullPointerException when it is null
     */
    public static Duration notNegative(Duration d, String what) {
        if (Objects.requireNonNull(d, what).isNegative()) {
            throw new IllegalArgumentException(what + " must not be negative: " + d);
        }
        return d;
    }
}

package dev.apimage.transfer;

import java.time.Duration;
import java.util.Objects;
import java.util.function.Predicate;

/**
 * A typed, named setting of a transfer with its default, such as
 * {@link TransferOptions#CONNECT_TIMEOUT}. Transports define their own (TFTP's block size, SFTP's
 * known-hosts file) as constants of this type. An option knows which values are valid
 * ({@link #validating}): {@link Transports#open} checks every option set before it opens anything
 * and reports a bad one as a {@link TransferException}, like any other failure.
 *
 * @param <T> the value's type
 */
public final class TransferOption<T> {

    private final String name;
    private final Class<T> type;
    private final T defaultValue;
    private final Predicate<? super T> valid;
    private final String rule;

    private TransferOption(String name, Class<T> type, T defaultValue, Predicate<? super T> valid, String rule) {
        this.name = Objects.requireNonNull(name, "name");
        this.type = Objects.requireNonNull(type, "type");
        this.defaultValue = defaultValue;
        this.valid = Objects.requireNonNull(valid, "valid");
        this.rule = Objects.requireNonNull(rule, "rule");
        if (defaultValue != null && !valid.test(defaultValue)) {
            throw new IllegalArgumentException(name + ": the default " + defaultValue + " is not " + rule);
        }
    }

    /**
     * Defines an option.
     *
     * @param name a dotted name, unique across transports, for example {@code tftp.blksize}
     * @param type the value's class
     * @param defaultValue the value when none is set; may be null for "not set"
     * @param <T> the value's type
     * @return the option
     */
    public static <T> TransferOption<T> of(String name, Class<T> type, T defaultValue) {
        return new TransferOption<>(name, type, defaultValue, v -> true, "any value");
    }

    /**
     * Defines an option whose values must pass a check.
     *
     * @param name a dotted name, unique across transports
     * @param type the value's class
     * @param defaultValue the value when none is set (it must pass the check); may be null
     * @param valid the check
     * @param rule what the check asks for, for the error (for example {@code "8 to 65464"})
     * @param <T> the value's type
     * @return the option
     */
    public static <T> TransferOption<T> validating(String name, Class<T> type, T defaultValue,
            Predicate<? super T> valid, String rule) {
        return new TransferOption<>(name, type, defaultValue, valid, rule);
    }

    /**
     * An integer option within bounds.
     *
     * @param name a dotted name
     * @param defaultValue the default, within the bounds
     * @param min the smallest valid value
     * @param max the largest valid value
     * @return the option
     */
    public static TransferOption<Integer> inRange(String name, int defaultValue, int min, int max) {
        return validating(name, Integer.class, defaultValue, v -> v >= min && v <= max, min + " to " + max);
    }

    /**
     * A duration option that must be above zero.
     *
     * @param name a dotted name
     * @param defaultValue the default
     * @return the option
     */
    public static TransferOption<Duration> positiveDuration(String name, Duration defaultValue) {
        return validating(name, Duration.class, defaultValue, d -> !d.isNegative() && !d.isZero(), "positive");
    }

    /**
     * Checks a value against this option's rule.
     *
     * @param value the value (null always passes: it means the default)
     * @throws IllegalArgumentException naming the option and its rule when the value fails
     */
    public void check(Object value) {
        if (value != null && !valid.test(cast(value))) {
            throw new IllegalArgumentException(name + " must be " + rule + ", not " + value);
        }
    }

    /**
     * The option's name.
     *
     * @return the dotted name
     */
    public String name() {
        return name;
    }

    /**
     * The value's class.
     *
     * @return the class
     */
    public Class<T> type() {
        return type;
    }

    /**
     * The default value.
     *
     * @return the default, or null when the option has none
     */
    public T defaultValue() {
        return defaultValue;
    }

    T cast(Object value) {
        return type.cast(value);
    }

    @Override
    public String toString() {
        return name;
    }
}

package dev.apimage.transfer;

import dev.apimage.time.NanoClock;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The settings of one transfer: an immutable map from {@link TransferOption} to value. Options not
 * set read as their default. The common options are defined here; transports define their own.
 *
 * <pre>{@code
 * TransferOptions o = TransferOptions.builder()
 *         .set(TransferOptions.IDLE_TIMEOUT, Duration.ofSeconds(20))
 *         .set(TransferOptions.USERNAME, "admin")
 *         .build();
 * }</pre>
 */
public final class TransferOptions {

    /**
     * Time allowed to reach the server (TCP connect, SSH handshake, first TFTP answer). Default
     * 30 s, in the range a controller waits before it logs "Timed out".
     */
    public static final TransferOption<Duration> CONNECT_TIMEOUT =
            TransferOption.positiveDuration("connect.timeout", Duration.ofSeconds(30));
    /** Time without any progress after which the transfer fails as timed out. Default 30 s. */
    public static final TransferOption<Duration> IDLE_TIMEOUT =
            TransferOption.positiveDuration("idle.timeout", Duration.ofSeconds(30));
    /** Byte offset to start from, to resume an earlier transfer. Default 0. */
    public static final TransferOption<Long> START_OFFSET = TransferOption.validating("start.offset", Long.class, 0L,
            v -> v >= 0, "at least 0");
    /** Whether the result carries SHA-256 and MD5 of the bytes (only for transfers from offset 0). Default true. */
    public static final TransferOption<Boolean> COMPUTE_DIGESTS =
            TransferOption.of("compute.digests", Boolean.class, Boolean.TRUE);
    /** User name for servers that log in, when the URI names none. */
    public static final TransferOption<String> USERNAME = TransferOption.of("username", String.class, null);
    /** Password for servers that log in. */
    public static final TransferOption<Secret> PASSWORD = TransferOption.of("password", Secret.class, null);
    /** A private key file for servers that log in with keys. */
    public static final TransferOption<Path> IDENTITY_FILE = TransferOption.of("identity.file", Path.class, null);
    /** Minimum interval between two progress reports to listeners (zero: every block). Default 200 ms. */
    public static final TransferOption<Duration> PROGRESS_INTERVAL =
            TransferOption.validating("progress.interval", Duration.class,
            Duration.ofMillis(200), d -> !d.isNegative(), "zero or more");

    /**
     * The clock transfers read time from and time out on. Unset means real time; tests set a
     * {@link dev.apimage.time.VirtualClock} and step it.
     */
    public static final TransferOption<NanoClock> CLOCK = TransferOption.of("clock", NanoClock.class, null);

    private static final TransferOptions DEFAULTS = new TransferOptions(Map.of());

    private final Map<TransferOption<?>, Object> values;

    private TransferOptions(Map<TransferOption<?>, Object> values) {
        this.values = values;
    }

    /**
     * Options with every value at its default.
     *
     * @return the defaults
     */
    public static TransferOptions defaults() {
        return DEFAULTS;
    }

    /**
     * A builder with nothing set.
     *
     * @return the builder
     */
    public static Builder builder() {
        return new Builder(Map.of());
    }

    /**
     * A builder starting from these options.
     *
     * @return the builder
     */
    public Builder toBuilder() {
        return new Builder(values);
    }

    /**
     * The value of an option.
     *
     * @param option the option
     * @param <T> the value's type
     * @return the value set, or the option's default (which may be null)
     */
    public <T> T get(TransferOption<T> option) {
        Object v = values.get(option);
        return v == null ? option.defaultValue() : option.cast(v);
    }

    /**
     * The value of an option, empty when neither set nor defaulted.
     *
     * @param option the option
     * @param <T> the value's type
     * @return the value
     */
    public <T> Optional<T> find(TransferOption<T> option) {
        return Optional.ofNullable(get(option));
    }

    /**
     * Tells whether an option was set explicitly.
     *
     * @param option the option
     * @return true when set
     */
    public boolean isSet(TransferOption<?> option) {
        return values.containsKey(option);
    }

    /**
     * Checks every option set against its rule (see {@link TransferOption#validating}).
     *
     * @throws IllegalArgumentException naming the first option that fails
     */
    public void check() {
        values.forEach(TransferOption::check);
    }

    /** Lists the options set; secrets print masked. */
    @Override
    public String toString() {
        return "TransferOptions" + values;
    }

    /** Builds {@link TransferOptions}. */
    public static final class Builder {
        private final Map<TransferOption<?>, Object> values;

        private Builder(Map<TransferOption<?>, Object> initial) {
            this.values = new LinkedHashMap<>(initial);
        }

        /**
         * Sets an option.
         *
         * @param option the option
         * @param value its value; null removes it (back to the default)
         * @param <T> the value's type
         * @return this builder
         */
        public <T> Builder set(TransferOption<T> option, T value) {
            Objects.requireNonNull(option, "option");
            if (value == null) {
                values.remove(option);
            } else {
                values.put(option, option.cast(value));
            }
            return this;
        }

        /**
         * Builds the options.
         *
         * @return the immutable options
         */
        public TransferOptions build() {
            return new TransferOptions(Collections.unmodifiableMap(new LinkedHashMap<>(values)));
        }
    }
}

package dev.apimage.transfer;

import java.util.Objects;

/**
 * A typed, named setting of a transfer with its default, such as
 * {@link TransferOptions#CONNECT_TIMEOUT}. Transports define their own (TFTP's block size, SFTP's
 * known-hosts file) as constants of this type.
 *
 * @param <T> the value's type
 */
public final class TransferOption<T> {

    private final String name;
    private final Class<T> type;
    private final T defaultValue;

    private TransferOption(String name, Class<T> type, T defaultValue) {
        this.name = Objects.requireNonNull(name, "name");
        this.type = Objects.requireNonNull(type, "type");
        this.defaultValue = defaultValue;
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
        return new TransferOption<>(name, type, defaultValue);
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

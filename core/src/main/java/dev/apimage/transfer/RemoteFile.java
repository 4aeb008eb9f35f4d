package dev.apimage.transfer;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * What a server says about the file a transfer reads, before its first block: the size, and the
 * modification time where the protocol carries one (SFTP's attributes, a local file; TFTP's
 * {@code tsize} option gives only the size). The image cache uses it to tell a changed file from
 * the one it holds.
 *
 * @param size the file's size in bytes
 * @param modified its modification time as the server reports it, at the server's resolution
 */
public record RemoteFile(long size, Optional<Instant> modified) {

    /** Checks the size. */
    public RemoteFile {
        if (size < 0) {
            throw new IllegalArgumentException("size must not be negative: " + size);
        }
        Objects.requireNonNull(modified, "modified");
    }

    /**
     * A file of which only the size is known.
     *
     * @param size bytes
     * @return the description
     */
    public static RemoteFile ofSize(long size) {
        return new RemoteFile(size, Optional.empty());
    }
}

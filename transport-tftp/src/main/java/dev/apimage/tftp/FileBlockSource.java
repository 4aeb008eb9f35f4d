package dev.apimage.tftp;

import io.netty.buffer.ByteBuf;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.Objects;

/**
 * A served file, read block by block with positional reads ({@code pread}) straight into each DATA
 * packet's pooled direct buffer: one system call per block, no copy through the heap and nothing
 * allocated per block.
 *
 * <p>Why not a memory mapping: the file must stay what it was when the transfer began, and a
 * mapping cannot fail cleanly when it does not. Reading a mapped page that a truncation removed
 * raises SIGBUS, which the JVM delivers as an asynchronous {@code InternalError} at some later
 * point of the same thread, where Netty may take it for a socket failure and close a channel
 * that other transfers share. A positional read past the new end just returns short, which this
 * source reports as a {@link SourceChangedException}. An in-place rewrite or a replacement does
 * not show in the reads, so the source also checks the file through its path (identity, size,
 * modification time) at the first block, every {@link #CHECK_BYTES} of offset and at the last
 * block. The transfer then ends with an ERROR instead of serving a mixture of two files.
 *
 * <p>A read from the page cache is accepted on the event loop, as a mapped read would be; a file
 * that must come from a slow disk is better served from a warm cache.
 */
final class FileBlockSource implements WindowedSender.Source, AutoCloseable {

    /** How far apart the file is checked through its path; a stat per 256 KiB costs nothing next to the reads. */
    static final long CHECK_BYTES = 256 * 1024;

    /** The served file is no longer what it was when the transfer began. */
    static final class SourceChangedException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        SourceChangedException(String message) {
            super(message, null, false, false);
        }
    }

    private final FileChannel channel;
    private final Path path;
    private final Object fileKey;
    private final FileTime modified;
    private final long size;
    private long nextCheck;
    private boolean closed;

    /**
     * Serves an open file; the channel is closed by {@link #close()}.
     *
     * @param channel the file, opened for reading
     * @param path the path it was opened through, checked for changes during the transfer
     * @param attributes the file's attributes read when it was opened
     */
    FileBlockSource(FileChannel channel, Path path, BasicFileAttributes attributes) throws IOException {
        this.channel = channel;
        this.path = path;
        this.fileKey = attributes.fileKey();
        this.modified = attributes.lastModifiedTime();
        boolean ok = false;
        try {
            size = channel.size();
            ok = true;
        } finally {
            if (!ok) {
                channel.close();
            }
        }
    }

    long size() {
        return size;
    }

    @Override
    public void read(ByteBuf out, long offset, int length) {
        if (closed) {
            throw new SourceChangedException("file source closed");
        }
        if (offset >= nextCheck || offset + length >= size) {
            check();
            nextCheck = offset + CHECK_BYTES;
        }
        int done = 0;
        try {
            while (done < length) {
                int n = out.writeBytes(channel, offset + done, length - done);
                if (n <= 0) {
                    throw new SourceChangedException("file truncated during the transfer: it ends at " + (offset + done)
                            + " bytes, was " + size);
                }
                done += n;
            }
        } catch (IOException e) {
            throw new SourceChangedException("file unreadable during the transfer: " + e.getMessage());
        }
    }

    /** Fails when the file is no longer the one opened: shorter or longer, deleted, replaced, rewritten. */
    void check() {
        try {
            long now = channel.size();
            if (now != size) {
                throw new SourceChangedException("file changed during the transfer: " + now + " bytes, was " + size);
            }
            BasicFileAttributes a = Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            if (!Objects.equals(a.fileKey(), fileKey)) {
                throw new SourceChangedException("file replaced during the transfer");
            }
            if (a.size() != size || !a.lastModifiedTime().equals(modified)) {
                throw new SourceChangedException("file modified during the transfer");
            }
        } catch (NoSuchFileException e) {
            throw new SourceChangedException("file deleted during the transfer");
        } catch (IOException e) {
            throw new SourceChangedException("file unreadable during the transfer: " + e.getMessage());
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            channel.close();
        } catch (IOException e) {
            // read-only descriptor: nothing to flush
        }
    }
}

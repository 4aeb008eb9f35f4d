package dev.apimage.capwap.internal;

import dev.apimage.internal.LogText;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.Objects;

/**
 * One image file, open once for every AP that streams it; each block is read with a positional
 * read straight into the datagram's buffer. Not a mapping: a mapped page that a truncation removed
 * faults (SIGBUS, delivered by the JVM as an asynchronous {@code InternalError} at some later
 * point, where Netty may close the shared socket), while a positional read past the new end returns
 * short and ends just that stream.
 */
public final class OpenImageFile implements AutoCloseable {

    private final String key;
    private final long size;
    private final byte[] md5;
    private final FileChannel file;
    private final Path path;
    private final Object fileKey;
    private final FileTime modified;

    private OpenImageFile(String key, long size, byte[] md5, FileChannel file, Path path, BasicFileAttributes attributes) {
        this.key = key;
        this.size = size;
        this.md5 = md5;
        this.file = file;
        this.path = path;
        this.fileKey = attributes.fileKey();
        this.modified = attributes.lastModifiedTime();
    }

    /**
     * Opens a file that must have a given size. Blocks: call it off the event loop.
     *
     * @param key what identifies this file among the open ones
     * @param path the file
     * @param size its expected size; at most {@link Integer#MAX_VALUE}, the most Image Information carries here
     * @param md5 its MD5
     * @return the open file
     * @throws IOException when it cannot be opened or has another size
     */
    public static OpenImageFile open(String key, Path path, long size, byte[] md5) throws IOException {
        if (size > Integer.MAX_VALUE) {
            throw new IOException("image " + path.getFileName() + " of " + size
                    + " bytes exceeds what CAPWAP Image Information and this streamer can carry");
        }
        BasicFileAttributes attributes = Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        FileChannel fc = FileChannel.open(path, StandardOpenOption.READ);
        try {
            if (fc.size() != size) {
                throw new IOException("cached image " + path.getFileName() + " has " + fc.size() + " bytes, expected " + size);
            }
            return new OpenImageFile(key, size, md5.clone(), fc, path, attributes);
        } catch (IOException | RuntimeException e) {
            fc.close();
            throw e;
        }
    }

    /**
     * What identifies the file among the open ones.
     *
     * @return the key
     */
    public String key() {
        return key;
    }

    /**
     * The file's size when opened.
     *
     * @return bytes
     */
    public long size() {
        return size;
    }

    /**
     * The file's MD5, for the Image Information element.
     *
     * @return the digest; do not modify
     */
    public byte[] md5() {
        return md5;
    }

    /**
     * The descriptor blocks are read from.
     *
     * @return the channel
     */
    public FileChannel channel() {
        return file;
    }

    /**
     * Null while the file is the one opened, else why not: its size through the descriptor, and
     * through its path its identity, size and modification time (a rewrite in place, a replacement
     * or a deletion do not show in the reads). A stat of an open, cached file: cheap enough for the
     * event loop every so often.
     *
     * @return null, or the reason
     */
    public String changed() {
        String why = resized();
        if (why != null) {
            return why;
        }
        try {
            BasicFileAttributes a = Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            if (!Objects.equals(a.fileKey(), fileKey) || a.size() != size || !a.lastModifiedTime().equals(modified)) {
                return "image file replaced or modified while streaming";
            }
            return null;
        } catch (NoSuchFileException e) {
            return "image file deleted while streaming";
        } catch (IOException e) {
            return "image file unreadable while streaming: " + LogText.printable(e.getMessage(), 200);
        }
    }

    /**
     * Null while the descriptor still shows the size opened, else why not: the part of
     * {@link #changed()} that allocates nothing (an {@code fstat}), for checks every few blocks.
     *
     * @return null, or the reason
     */
    public String resized() {
        try {
            long now = file.size();
            return now == size ? null : "image file changed while streaming: " + now + " bytes, was " + size;
        } catch (IOException e) {
            return "image file unreadable while streaming: " + LogText.printable(e.getMessage(), 200);
        }
    }

    /** Closes the descriptor; streams still reading it end with a read error. */
    @Override
    public void close() {
        try {
            file.close();
        } catch (IOException e) {
            // a read-only descriptor: nothing was lost
        }
    }
}

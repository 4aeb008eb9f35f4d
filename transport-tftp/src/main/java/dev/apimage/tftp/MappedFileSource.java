package dev.apimage.tftp;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.util.internal.PlatformDependent;
import java.io.IOException;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.Objects;

/**
 * A served file mapped into memory once per transfer, in segments of at most 1 GiB. Each DATA
 * payload is copied from the mapping straight into the packet's pooled direct buffer: no read
 * system call on the event loop and nothing allocated per block.
 *
 * <p>The file must stay what it was when the transfer began. A mapping does not protect against
 * that: reading a page that a truncation removed raises SIGBUS, which the JVM turns into an
 * {@link InternalError}; an in-place rewrite changes the bytes under the reader. So the source
 * checks the file: its size through the open descriptor before every window, and its identity,
 * size and modification time through its path at the first block, every {@link #CHECK_BYTES} of
 * offset and at the last block. A failed check, or a fault that still slips between a check and a
 * copy, becomes a {@link SourceChangedException} (the fault may also surface later on the same
 * thread as the {@code InternalError} itself, which the transfer treats the same way): the
 * transfer then ends with an ERROR instead of serving a mixture of two files.
 */
final class MappedFileSource implements WindowedSender.Source, AutoCloseable {

    private static final long SEGMENT = 1L << 30;
    /** How far apart the file is checked; a stat per 256 KiB costs nothing next to the copies. */
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
    private final MappedByteBuffer[] maps;
    private final ByteBuf[] views;
    private long nextCheck;
    private boolean closed;

    /**
     * Maps an open file; the channel stays open, for the checks, until {@link #close()}.
     *
     * @param channel the file, opened for reading
     * @param path the path it was opened through, checked for changes during the transfer
     * @param attributes the file's attributes read when it was opened
     */
    MappedFileSource(FileChannel channel, Path path, BasicFileAttributes attributes) throws IOException {
        this.channel = channel;
        this.path = path;
        this.fileKey = attributes.fileKey();
        this.modified = attributes.lastModifiedTime();
        boolean ok = false;
        try {
            size = channel.size();
            int n = (int) ((size + SEGMENT - 1) / SEGMENT);
            maps = new MappedByteBuffer[n];
            views = new ByteBuf[n];
            for (int i = 0; i < n; i++) {
                long pos = i * SEGMENT;
                maps[i] = channel.map(FileChannel.MapMode.READ_ONLY, pos, Math.min(SEGMENT, size - pos));
                views[i] = Unpooled.wrappedBuffer(maps[i]);
            }
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
        int seg = (int) (offset / SEGMENT);
        int at = (int) (offset % SEGMENT);
        int first = (int) Math.min(length, SEGMENT - at);
        try {
            out.writeBytes(views[seg], at, first);
            if (first < length) {
                out.writeBytes(views[seg + 1], 0, length - first);
            }
        } catch (InternalError e) {
            // SIGBUS on a page past the file's new end.
            throw new SourceChangedException("file truncated during the transfer");
        }
    }

    /**
     * A truncation is what turns a mapped read into a fault, so the size is checked through the
     * descriptor (one fstat) before every window; the fuller check runs every {@link #CHECK_BYTES}.
     */
    @Override
    public void beforeWindow() {
        long now;
        try {
            now = channel.size();
        } catch (IOException e) {
            throw new SourceChangedException("file unreadable during the transfer: " + e.getMessage());
        }
        if (now != size) {
            throw new SourceChangedException("file changed during the transfer: " + now + " bytes, was " + size);
        }
    }

    /** Fails when the file is no longer the one mapped: shorter or longer, deleted, replaced, rewritten. */
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
        for (int i = 0; i < maps.length; i++) {
            if (maps[i] != null) {
                // Unmap now rather than at some later GC; the file may be replaced meanwhile.
                PlatformDependent.freeDirectBuffer(maps[i]);
                maps[i] = null;
            }
        }
        try {
            channel.close();
        } catch (IOException e) {
            // read-only descriptor: nothing to flush
        }
    }
}

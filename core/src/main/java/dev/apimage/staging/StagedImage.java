package dev.apimage.staging;

import dev.apimage.image.ImageDigests;
import dev.apimage.staging.internal.TrailingDigests;
import dev.apimage.staging.internal.WrittenRanges;
import dev.apimage.transfer.BlockSink;
import dev.apimage.transfer.BlockSinkException;
import dev.apimage.transfer.FailureReason;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One image being written into a {@link StagingArea}: a {@link BlockSink} over a temporary file.
 *
 * <p>Blocks may arrive in any order (parallel ranges) and be written again (retransmissions).
 * The digests are computed while the image is written, but not by the writer: two digest workers
 * read back what is in place contiguously from the start (from the page cache) and hash it, so a
 * transport handing blocks to this sink is never held up by SHA-256 or MD5. When a write covered
 * bytes already written, the digests are computed anew from the file at commit. Small blocks that
 * follow each other are combined and written together, so a failing disk may be reported by a
 * later write or by the commit rather than by the write of the block itself.
 *
 * <p>{@link #commit(ExpectedImage)} flushes to disk, checks size and digests, and renames
 * atomically to the final name; {@link #abort()} (and {@link #close()} before commit) deletes the
 * temporary file. Not thread-safe: one writer at a time.
 */
public final class StagedImage implements BlockSink, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(StagedImage.class);
    /** Blocks of this size or more go to the file as they come; smaller ones are combined. */
    private static final int COMBINE_LIMIT = 128 << 10;

    private final StagingArea area;
    private final Path target;
    private final Path temp;
    private final FileChannel channel;
    private final WrittenRanges written = new WrittenRanges();
    private final TrailingDigests digests;
    /** Small blocks that follow each other, combined here and written together: one system call per buffer, not per block. */
    private ByteBuffer pending;
    private long pendingOffset;
    private long reservation;
    private long allowed;
    private boolean sizeKnown;
    private boolean ended;

    StagedImage(StagingArea area, Path target, Path temp, long reservation, long allowed) throws IOException {
        this.area = area;
        this.target = target;
        this.temp = temp;
        this.reservation = reservation;
        this.allowed = allowed;
        this.channel = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, StandardOpenOption.READ);
        this.digests = new TrailingDigests(channel);
    }

    /**
     * The name the image will have once committed.
     *
     * @return the final path
     */
    public Path target() {
        return target;
    }

    /**
     * The temporary file being written.
     *
     * @return its path (hidden, ending in {@code .part})
     */
    public Path temporaryFile() {
        return temp;
    }

    @Override
    public void expectSize(long size) throws IOException {
        ensureOpen();
        if (size > reservation) {
            if (!area.reserveMore(size - reservation)) {
                long available = area.availableBytes() + reservation;
                abort();
                throw new InsufficientSpaceException(available, size);
            }
            reservation = size;
        }
        allowed = size;
        sizeKnown = true;
    }

    /** Blocks are written at their offsets, so any order is fine; the digests follow the contiguous prefix. */
    @Override
    public boolean acceptsAnyOrder() {
        return true;
    }

    @Override
    public void write(ByteBuffer block, long offset) throws IOException {
        ensureOpen();
        int n = block.remaining();
        if (offset < 0) {
            throw new IllegalArgumentException("negative offset " + offset);
        }
        if (offset + n > allowed) {
            long a = allowed;
            abort();
            if (sizeKnown) {
                throw new BlockSinkException(FailureReason.INTEGRITY_MISMATCH, "block at offset " + offset
                        + " runs past the announced size of " + a + " bytes");
            }
            throw new InsufficientSpaceException(a, offset + n);
        }
        if (pending != null && pending.position() > 0
                && (offset != pendingOffset + pending.position() || n > pending.remaining())) {
            flush();
        }
        if (n >= COMBINE_LIMIT) {
            writeThrough(block, offset);
            return;
        }
        if (pending == null) {
            // Sized to the blocks seen, 32 to 64 of them: a small-block stream (1 KB CAPWAP blocks,
            // 1,468-byte TFTP blocks) costs one system call per 64 KiB and holds little memory.
            // Direct, so that each block is copied once (here) and the write takes it as it is; the
            // JDK would copy a heap buffer into a temporary direct one first.
            pending = ByteBuffer.allocateDirect(Math.max(16 << 10, Math.min(COMBINE_LIMIT * 2, Integer.highestOneBit(n) * 64)));
        }
        if (pending.position() == 0) {
            pendingOffset = offset;
        }
        if (n > pending.remaining()) {
            writeThrough(block, offset); // a block larger than this image's buffer
            return;
        }
        pending.put(block);
        if (!pending.hasRemaining()) {
            flush();
        }
    }

    /** Writes the combined blocks, if any, to the file. */
    private void flush() throws IOException {
        if (pending == null || pending.position() == 0) {
            return;
        }
        ByteBuffer p = pending;
        p.flip();
        try {
            writeThrough(p, pendingOffset); // a failure aborts the image, which drops the buffer
        } finally {
            p.clear();
        }
    }

    private void writeThrough(ByteBuffer block, long offset) throws IOException {
        int n = block.remaining();
        long pos = offset;
        try {
            while (block.hasRemaining()) {
                pos += channel.write(block, pos);
            }
        } catch (IOException e) {
            abort();
            String m = String.valueOf(e.getMessage());
            if (m.contains("No space left on device")) {
                throw new BlockSinkException(FailureReason.NO_SPACE, "staging write failed: " + m, e);
            }
            throw new BlockSinkException(FailureReason.IO_ERROR, "staging write failed: " + m, e);
        }
        long before = written.prefix();
        long prefix = written.add(offset, n);
        if (prefix != before) {
            digests.advanceTo(prefix);
        }
    }

    /**
     * Flushes the image to disk, verifies it, and renames it to its final name.
     *
     * @param expected the size and digests it must have
     * @return the committed image
     * @throws BlockSinkException with {@link FailureReason#INTEGRITY_MISMATCH} when size or a
     *     digest differs (the temporary file is then deleted), or another reason when the disk fails
     * @throws IOException when the file cannot be flushed or renamed (the temporary file is then deleted)
     */
    public CommittedImage commit(ExpectedImage expected) throws IOException {
        ensureOpen();
        boolean success = false;
        try {
            flush();
            channel.force(true);
            long size = channel.size();
            if (size != expected.size()) {
                throw new BlockSinkException(FailureReason.INTEGRITY_MISMATCH,
                        "image " + target.getFileName() + " has " + size + " bytes, expected " + expected.size());
            }
            ImageDigests d;
            if (!written.overlapped() && written.prefix() == size) {
                d = digests.finish(size);
            } else {
                digests.cancel();
                d = ImageDigests.of(temp);
            }
            check("SHA-256", expected.sha256(), d.sha256());
            check("MD5", expected.md5(), d.md5());
            channel.close();
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            syncDirectory();
            success = true;
            LOG.debug("staged image {} committed, {} bytes", target.getFileName(), size);
            return new CommittedImage(target, size, d);
        } finally {
            if (success) {
                end();
            } else {
                abort();
            }
        }
    }

    private void check(String what, Optional<String> expected, String actual) throws BlockSinkException {
        if (expected.isPresent() && !expected.get().equals(actual)) {
            throw new BlockSinkException(FailureReason.INTEGRITY_MISMATCH,
                    "image " + target.getFileName() + " " + what + " " + actual + ", expected " + expected.get());
        }
    }

    private void syncDirectory() {
        // Makes the rename durable; some file systems refuse to open a directory, which is harmless.
        try (FileChannel dir = FileChannel.open(target.getParent(), StandardOpenOption.READ)) {
            dir.force(true);
        } catch (IOException e) {
            LOG.debug("directory sync not supported: {}", e.toString());
        }
    }

    /** Deletes the temporary file; nothing is left under the final name. Idempotent. */
    public void abort() {
        if (ended) {
            return;
        }
        end();
        try {
            Files.deleteIfExists(temp);
        } catch (IOException e) {
            LOG.warn("cannot delete unfinished image {}: {} (removed at the next open of the area)", temp, e.toString());
        }
    }

    private void end() {
        ended = true;
        pending = null;
        digests.cancel();
        area.release(reservation);
        reservation = 0;
        try {
            channel.close();
        } catch (IOException e) {
            LOG.debug("closing {} failed: {}", temp, e.toString());
        }
    }

    /**
     * Tells whether the image was committed or aborted.
     *
     * @return true once ended
     */
    public boolean isEnded() {
        return ended;
    }

    private void ensureOpen() throws BlockSinkException {
        if (ended) {
            throw new BlockSinkException(FailureReason.IO_ERROR, "staged image " + target.getFileName() + " already ended");
        }
    }

    /** Aborts the image unless it was committed. */
    @Override
    public void close() {
        abort();
    }

    @Override
    public String toString() {
        return "StagedImage[" + target.getFileName() + (ended ? ", ended" : "") + "]";
    }
}

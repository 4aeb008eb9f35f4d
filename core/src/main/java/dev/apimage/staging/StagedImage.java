package dev.apimage.staging;

import dev.apimage.image.ImageDigests;
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
 * <p>Blocks may arrive in any order (parallel ranges) and be written again (retransmissions);
 * when they arrive in order the digests are computed on the way, otherwise by reading the file
 * back at commit. {@link #commit(ExpectedImage)} flushes to disk, checks size and digests, and
 * renames atomically to the final name; {@link #abort()} (and {@link #close()} before commit)
 * deletes the temporary file. Not thread-safe: one writer at a time.
 */
public final class StagedImage implements BlockSink, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(StagedImage.class);

    private final StagingArea area;
    private final Path target;
    private final Path temp;
    private final FileChannel channel;
    private final ImageDigests.Hasher hasher = new ImageDigests.Hasher();
    private long reservation;
    private long allowed;
    private long nextInOrder;
    private boolean inOrder = true;
    private boolean sizeKnown;
    private boolean ended;

    StagedImage(StagingArea area, Path target, Path temp, long reservation, long allowed) throws IOException {
        this.area = area;
        this.target = target;
        this.temp = temp;
        this.reservation = reservation;
        this.allowed = allowed;
        this.channel = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, StandardOpenOption.READ);
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

    /** Blocks are written at their offsets, so any order is fine; digests are then computed at commit. */
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
        if (inOrder) {
            if (offset == nextInOrder) {
                hasher.update(block);
                nextInOrder += n;
            } else {
                inOrder = false;
            }
        }
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
            channel.force(true);
            long size = channel.size();
            if (size != expected.size()) {
                throw new BlockSinkException(FailureReason.INTEGRITY_MISMATCH,
                        "image " + target.getFileName() + " has " + size + " bytes, expected " + expected.size());
            }
            ImageDigests digests = inOrder && nextInOrder == size ? hasher.finish() : ImageDigests.of(temp);
            check("SHA-256", expected.sha256(), digests.sha256());
            check("MD5", expected.md5(), digests.md5());
            channel.close();
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            syncDirectory();
            success = true;
            LOG.debug("staged image {} committed, {} bytes", target.getFileName(), size);
            return new CommittedImage(target, size, digests);
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

package dev.apimage.staging;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The directory where a receiver (an AP, the controller's cache) stages images: the AP's
 * {@code /tmp/part.tar} made safe.
 *
 * <p>Every image is written to a hidden temporary file beside its final name
 * ({@code .ap1g8.<random>.part}), flushed to disk, verified, and only then renamed atomically to
 * its final name; aborting deletes the temporary file. So a half-written image is never visible
 * under the final name, whatever fails, including a JVM killed between write and rename: the
 * temporary file it leaves is removed the next time the area is opened ("Cleanup tmp files").
 *
 * <p>Space: {@link #precheck(long)} compares what is available with what an image needs and
 * fails before any byte moves. Available space is the file system's usable space, further bounded
 * by an optional capacity (an AP's small flash, a quota), minus what images being staged have
 * reserved.
 */
public final class StagingArea {

    private static final Logger LOG = LoggerFactory.getLogger(StagingArea.class);
    /** A final name: no separator, no control character, not hidden, at most 200 characters. */
    private static final Pattern NAME = Pattern.compile("[^./\\\\\\p{Cntrl}][^/\\\\\\p{Cntrl}]{0,199}");
    /** Exactly the temporary names this class makes, so cleanup touches nothing else. */
    private static final Pattern TEMP = Pattern.compile("\\..+\\.[0-9a-f]{1,16}\\.part");
    static final String PART_SUFFIX = ".part";

    private final Path directory;
    private final long capacity;
    private final AtomicLong reserved = new AtomicLong();

    private StagingArea(Path directory, long capacity) {
        this.directory = directory;
        this.capacity = capacity;
    }

    /**
     * Opens (creating if needed) a staging area bounded only by its file system, and removes
     * temporary files left by an earlier run.
     *
     * @param directory the directory
     * @return the area
     * @throws IOException when the directory cannot be created or listed
     */
    public static StagingArea open(Path directory) throws IOException {
        return open(directory, Long.MAX_VALUE);
    }

    /**
     * Opens (creating if needed) a staging area holding at most {@code capacityBytes} of images,
     * and removes temporary files left by an earlier run.
     *
     * @param directory the directory
     * @param capacityBytes the most the area's images may occupy
     * @return the area
     * @throws IOException when the directory cannot be created or listed
     */
    public static StagingArea open(Path directory, long capacityBytes) throws IOException {
        Objects.requireNonNull(directory, "directory");
        if (capacityBytes < 0) {
            throw new IllegalArgumentException("capacity must not be negative: " + capacityBytes);
        }
        Files.createDirectories(directory);
        StagingArea area = new StagingArea(directory.toAbsolutePath(), capacityBytes);
        area.cleanup();
        return area;
    }

    private void cleanup() throws IOException {
        int removed = 0;
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(directory, ".*" + PART_SUFFIX)) {
            for (Path p : ds) {
                if (TEMP.matcher(p.getFileName().toString()).matches() && Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
                    Files.deleteIfExists(p);
                    removed++;
                }
            }
        }
        if (removed > 0) {
            LOG.info("Cleanup tmp files ... removed {} unfinished image(s) in {}", removed, directory);
        }
    }

    /**
     * The staging directory.
     *
     * @return its absolute path
     */
    public Path directory() {
        return directory;
    }

    /**
     * The configured capacity.
     *
     * @return bytes, {@link Long#MAX_VALUE} when bounded only by the file system
     */
    public long capacity() {
        return capacity;
    }

    /**
     * Bytes available for a new image now.
     *
     * @return the smaller of the file system's usable space and the capacity left, less what
     *     images being staged have reserved
     * @throws IOException when the file system cannot be asked
     */
    public long availableBytes() throws IOException {
        long fs = Files.getFileStore(directory).getUsableSpace();
        long byCapacity = capacity == Long.MAX_VALUE ? Long.MAX_VALUE : capacity - committedBytes();
        return Math.max(0, Math.min(fs, byCapacity) - reserved.get());
    }

    private long committedBytes() throws IOException {
        long sum = 0;
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(directory)) {
            for (Path p : ds) {
                String n = p.getFileName().toString();
                if (!n.endsWith(PART_SUFFIX) && Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
                    sum += Files.size(p);
                }
            }
        }
        return sum;
    }

    /**
     * The AP's PRECHECK: fails, before any byte moves, when less than {@code required} bytes are
     * available.
     *
     * @param required bytes the image needs
     * @return bytes available
     * @throws InsufficientSpaceException with both numbers when there is not enough
     * @throws IOException when the file system cannot be asked
     */
    public long precheck(long required) throws IOException {
        long available = availableBytes();
        if (available < required) {
            LOG.warn("staging space: not enough, available {}, required {}", available, required);
            throw new InsufficientSpaceException(available, required);
        }
        LOG.debug("staging space: OK available {}, required {}", available, required);
        return available;
    }

    /**
     * Starts staging an image: checks space for {@code expectedSize} (when known) and creates the
     * temporary file.
     *
     * @param name the final file name, for example {@code ap1g8}; no {@code /}, {@code \\} or
     *     control character, not starting with {@code .}, at most 200 characters
     * @param expectedSize the image's size, or -1 when not yet known
     * @return the image being staged; commit or abort it (closing aborts)
     * @throws InsufficientSpaceException when the space is not there
     * @throws IOException when the temporary file cannot be created
     */
    public StagedImage begin(String name, long expectedSize) throws IOException {
        if (name == null || !NAME.matcher(name).matches() || name.endsWith(PART_SUFFIX)) {
            throw new IllegalArgumentException("not a valid staged image name: '" + name + "'");
        }
        long allowed;
        if (expectedSize >= 0) {
            precheck(expectedSize);
            reserved.addAndGet(expectedSize);
            allowed = expectedSize;
        } else {
            allowed = availableBytes();
        }
        Path temp = directory.resolve("." + name + "." + Long.toHexString(ThreadLocalRandom.current().nextLong()) + PART_SUFFIX);
        try {
            StagedImage image = new StagedImage(this, directory.resolve(name), temp, expectedSize >= 0 ? expectedSize : 0, allowed);
            if (expectedSize >= 0) {
                image.expectSize(expectedSize);
            }
            return image;
        } catch (IOException | RuntimeException e) {
            if (expectedSize >= 0) {
                reserved.addAndGet(-expectedSize);
            }
            throw e;
        }
    }

    /**
     * A committed image of this area.
     *
     * @param name the image's final name
     * @return its path, or empty when no committed image has that name
     */
    public Optional<Path> image(String name) {
        Path p = directory.resolve(name);
        return NAME.matcher(name).matches() && Files.isRegularFile(p) ? Optional.of(p) : Optional.empty();
    }

    /** Raises the reservation of an image whose size became known after it began. */
    boolean reserveMore(long bytes) throws IOException {
        long available = availableBytes();
        if (available < bytes) {
            return false;
        }
        reserved.addAndGet(bytes);
        return true;
    }

    void release(long bytes) {
        reserved.addAndGet(-bytes);
    }

    @Override
    public String toString() {
        return "StagingArea[" + directory + (capacity == Long.MAX_VALUE ? "" : ", capacity " + capacity) + "]";
    }
}

package dev.apimage.image;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Objects;

/**
 * One AP image of an {@link ImageBundle}: its type, file and size, and digests computed on first
 * use (streamed through a file channel) and then kept.
 */
public final class BundleImage {

    private final ImageType type;
    private final Path file;
    private final long size;
    private volatile ImageDigests digests;

    BundleImage(ImageType type, Path file, long size) {
        this.type = Objects.requireNonNull(type);
        this.file = Objects.requireNonNull(file);
        this.size = size;
    }

    /**
     * The image type, which is also the file's name.
     *
     * @return the type
     */
    public ImageType type() {
        return type;
    }

    /**
     * The image file.
     *
     * @return its path inside the bundle directory
     */
    public Path file() {
        return file;
    }

    /**
     * The file's size when the bundle was opened.
     *
     * @return bytes
     */
    public long size() {
        return size;
    }

    /**
     * SHA-256 and MD5 of the image, computed on the first call (one pass over the file) and
     * cached afterwards.
     *
     * @return the digests
     * @throws IOException when the file cannot be read
     */
    public ImageDigests digests() throws IOException {
        ImageDigests d = digests;
        if (d == null) {
            synchronized (this) {
                d = digests;
                if (d == null) {
                    d = ImageDigests.of(file);
                    digests = d;
                }
            }
        }
        return d;
    }

    @Override
    public String toString() {
        return "BundleImage[" + type + ", " + size + " bytes]";
    }
}

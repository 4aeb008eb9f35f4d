package dev.apimage.staging;

import dev.apimage.image.ImageDigests;
import java.nio.file.Path;

/**
 * An image that has been verified and moved to its final name.
 *
 * @param file the final file
 * @param size its size in bytes
 * @param digests its digests
 */
public record CommittedImage(Path file, long size, ImageDigests digests) {
}

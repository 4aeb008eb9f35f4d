package dev.apimage.upgrade;

import dev.apimage.image.ImageType;
import dev.apimage.image.ImageVersion;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * One row of {@code show ap image}, with the GUI's extra columns.
 *
 * @param name the AP's name
 * @param primaryImage the version it runs
 * @param backupImage the version in its backup slot
 * @param status the predownload status
 * @param predownloadVersion the version being or been predownloaded
 * @param nextRetryTime when the next attempt starts, if one is scheduled
 * @param retryCount attempts made after the first
 * @param method how the image reaches the AP ({@code TFTP}, {@code SFTP} or {@code Controller}), empty when none
 * @param imageType the AP's image type, empty for an unknown model
 * @param role the AP's role
 * @param percent percent of the image the AP has acknowledged
 * @param eta estimated time left, while downloading and the rate is known
 * @param failure why the last attempt failed, if it did
 */
public record ApImageRow(String name, ImageVersion primaryImage, Optional<ImageVersion> backupImage, PredownloadStatus status,
        Optional<ImageVersion> predownloadVersion, Optional<Instant> nextRetryTime, int retryCount, Optional<String> method,
        Optional<ImageType> imageType, String role, int percent, Optional<Duration> eta, Optional<String> failure) {
}

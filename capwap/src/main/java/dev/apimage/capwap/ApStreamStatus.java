package dev.apimage.capwap;

import dev.apimage.image.ImageType;
import java.net.InetSocketAddress;
import java.util.Optional;

/**
 * One AP as the controller's image streamer sees it.
 *
 * @param ap the AP's address
 * @param imageType the image it asked for
 * @param phase where its download is
 * @param bytesAcknowledged image bytes the AP has acknowledged
 * @param size the image's size, -1 while it is being fetched
 * @param messages Image Data requests acknowledged
 * @param retransmissions requests sent again after a timeout
 * @param failure why it failed, when it did
 */
public record ApStreamStatus(InetSocketAddress ap, ImageType imageType, Phase phase, long bytesAcknowledged, long size,
        long messages, long retransmissions, Optional<String> failure) {

    /** Where one AP's download is, on the controller. */
    public enum Phase {
        /** The image is being fetched from the image server (once for all APs of the type). */
        FETCHING,
        /** Blocks are going out. */
        STREAMING,
        /** The AP acknowledged the last block. */
        COMPLETED,
        /** The AP got an error result, stopped answering, or the fetch failed. */
        FAILED
    }

    /**
     * Percent acknowledged.
     *
     * @return 0..100, 0 while the size is unknown
     */
    public int percent() {
        return size <= 0 ? (phase == Phase.COMPLETED ? 100 : 0) : (int) (bytesAcknowledged * 100 / size);
    }
}

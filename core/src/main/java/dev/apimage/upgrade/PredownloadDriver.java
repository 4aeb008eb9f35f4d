package dev.apimage.upgrade;

import dev.apimage.cache.ImageCache.CachedImage;
import java.util.concurrent.CompletableFuture;

/**
 * How the upgrade gets an image onto one AP: the protocol side (CAPWAP image data, in the
 * {@code capwap} module), kept out of the protocol-free orchestration.
 */
@FunctionalInterface
public interface PredownloadDriver {

    /** Hears the progress of one AP's download. */
    @FunctionalInterface
    interface Listener {
        /**
         * The AP acknowledged more of the image. May be called from any thread, per block.
         *
         * @param bytes bytes so far
         * @param total the image's size
         */
        void onProgress(long bytes, long total);
    }

    /**
     * Sends one AP its image.
     *
     * @param ap the AP and its image type
     * @param image the image, already in the controller's cache
     * @param progress where to report progress
     * @return completes when the AP has stored and verified the image, exceptionally with the
     *     reason otherwise; cancelling it should stop the AP's download
     */
    CompletableFuture<Void> predownload(PlannedAp ap, CachedImage image, Listener progress);
}

package dev.apimage.capwap;

import dev.apimage.cache.ImageCache.CachedImage;
import dev.apimage.cache.ImageCache;
import dev.apimage.image.ImageType;
import dev.apimage.profile.ImageDownloadProfile;
import dev.apimage.transfer.FailureReason;
import dev.apimage.transfer.TransferException;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Where the controller's image streamer gets the image an AP asks for.
 */
@FunctionalInterface
public interface ImageSource {

    /**
     * The image of a type, as a local file with its size and digests.
     *
     * @param imageType the type the AP put into its Image Identifier, for example {@code ap1g8}
     * @return completes with the image, or exceptionally with a {@link TransferException} whose
     *     message is the controller's log line ({@code Failed to download file ...: ...})
     */
    CompletableFuture<CachedImage> image(ImageType imageType);

    /**
     * Images from the server an image download profile names, each type fetched once through the
     * cache (by whichever transport the profile's mode selects) and then shared by every AP that
     * asks this source: the source keeps the first image it got of each type, and the cache's hold
     * on it, for its whole life, so every AP of one streamer run gets the same bytes. A failed
     * fetch is not kept, so the next request retries. For a changed file on the server, make a new
     * source (a new upgrade); the cache then tells the changed file from the one it holds.
     *
     * @param profile the profile
     * @param cache the controller's image cache
     * @return the source
     */
    static ImageSource fromProfile(ImageDownloadProfile profile, ImageCache cache) {
        Objects.requireNonNull(profile, "profile");
        Objects.requireNonNull(cache, "cache");
        Map<ImageType, CompletableFuture<CachedImage>> fetched = new ConcurrentHashMap<>();
        return type -> {
            CompletableFuture<CachedImage> f = fetched.computeIfAbsent(type, t -> {
                try {
                    return cache.fetch(t, profile.imageUri(t), null);
                } catch (RuntimeException e) {
                    return CompletableFuture.failedFuture(new TransferException(FailureReason.UNSUPPORTED_PROTOCOL,
                            profile.redactedImageUri(t), e.getMessage(), e));
                }
            });
            f.whenComplete((ok, failure) -> {
                if (failure != null) {
                    fetched.remove(type, f);
                }
            });
            return f;
        };
    }
}

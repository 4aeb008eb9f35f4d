package dev.apimage.cache;

import dev.apimage.staging.CommittedImage;
import dev.apimage.staging.ExpectedImage;
import dev.apimage.staging.StagedImage;
import dev.apimage.staging.StagingArea;
import dev.apimage.transfer.FailureReason;
import dev.apimage.transfer.TransferException;
import dev.apimage.transfer.TransferListener;
import dev.apimage.transfer.TransferOptions;
import dev.apimage.transfer.TransferResult;
import dev.apimage.transfer.TransferSession;
import dev.apimage.transfer.Transports;
import dev.apimage.transfer.UriRedaction;
import java.io.IOException;
import java.net.URI;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The controller's image cache: each image is fetched from its server once, through whatever
 * transport its URI names, into a file of a {@link StagingArea}, and shared by every AP that needs
 * it. What is held for fan-out is that one file (the OS pages it in), never a copy per AP and never
 * the whole image on the heap.
 *
 * <p>Concurrent requests for the same image share one fetch. A failed fetch is forgotten, so the
 * next request (a retry) fetches again; a completed one is kept until {@link #evict(String)} or
 * {@link #close()}. Staging writes and the final fsync run on the cache's own thread, never on a
 * transport's network thread.
 */
public final class ImageCache implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ImageCache.class);

    /**
     * One cached image.
     *
     * @param name the cache name (the image type)
     * @param redactedUri where it came from, as logs may show it
     * @param image the committed file with its size and digests
     */
    public record CachedImage(String name, String redactedUri, CommittedImage image) {
    }

    private final StagingArea area;
    private final TransferOptions options;
    private final Map<String, CompletableFuture<CachedImage>> entries = new ConcurrentHashMap<>();
    private final ExecutorService worker = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "apimage-image-cache");
        t.setDaemon(true);
        return t;
    });

    /**
     * Creates a cache over a staging area.
     *
     * @param area where fetched images are kept
     * @param options the transfer options for every fetch (timeouts, credentials)
     */
    public ImageCache(StagingArea area, TransferOptions options) {
        this.area = Objects.requireNonNull(area, "area");
        this.options = Objects.requireNonNull(options, "options");
    }

    /**
     * The image under {@code name}, fetched from {@code uri} unless it is cached or being fetched.
     *
     * @param name the cache name, for example the image type {@code ap1g8}
     * @param uri where to fetch it from
     * @param listener progress of the fetch when this call starts it, or null
     * @return completes with the image, or exceptionally with a {@link TransferException}
     */
    public CompletableFuture<CachedImage> fetch(String name, URI uri, TransferListener listener) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(uri, "uri");
        CompletableFuture<CachedImage> mine = new CompletableFuture<>();
        CompletableFuture<CachedImage> existing = entries.putIfAbsent(name, mine);
        if (existing != null) {
            return existing;
        }
        start(name, uri, listener, mine);
        mine.whenComplete((ok, failure) -> {
            if (failure != null) {
                entries.remove(name, mine);
            }
        });
        return mine;
    }

    private void start(String name, URI uri, TransferListener listener, CompletableFuture<CachedImage> result) {
        String redacted = UriRedaction.redact(uri);
        StagedImage staged;
        TransferSession session;
        try {
            session = Transports.open(uri, options);
            staged = area.begin(name, -1);
        } catch (TransferException e) {
            result.completeExceptionally(e);
            return;
        } catch (IOException | RuntimeException e) {
            result.completeExceptionally(new TransferException(FailureReason.IO_ERROR, redacted,
                    "cannot stage the image: " + e.getMessage(), e));
            return;
        }
        if (listener != null) {
            session.addListener(listener);
        }
        LOG.debug("fetching {} into the image cache", redacted);
        session.start(staged).whenCompleteAsync((TransferResult r, Throwable failure) -> {
            session.close();
            if (failure != null) {
                staged.abort();
                Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
                result.completeExceptionally(cause instanceof TransferException ? cause
                        : new TransferException(FailureReason.IO_ERROR, redacted, String.valueOf(cause.getMessage()), cause));
                return;
            }
            try {
                ExpectedImage expected = r.digests().map(d -> ExpectedImage.of(r.bytes(), d)).orElse(ExpectedImage.ofSize(r.bytes()));
                CommittedImage image = staged.commit(expected);
                result.complete(new CachedImage(name, redacted, image));
            } catch (IOException e) {
                result.completeExceptionally(new TransferException(FailureReason.IO_ERROR, redacted,
                        "cannot store the image: " + e.getMessage(), e));
            }
        }, worker);
    }

    /**
     * Forgets a completed image and deletes its file; a fetch in progress is left alone.
     *
     * @param name the cache name
     */
    public void evict(String name) {
        CompletableFuture<CachedImage> f = entries.get(name);
        if (f != null && f.isDone() && !f.isCompletedExceptionally() && entries.remove(name, f)) {
            try {
                java.nio.file.Files.deleteIfExists(f.join().image().file());
            } catch (IOException e) {
                LOG.warn("cannot delete cached image {}: {}", name, e.toString());
            }
        }
    }

    /** Stops the cache's thread; cached files stay on disk. */
    @Override
    public void close() {
        worker.shutdown();
    }
}

package dev.apimage.cache;

import dev.apimage.image.ImageDigests;
import dev.apimage.image.ImageType;
import dev.apimage.internal.Failures;
import dev.apimage.staging.CommittedImage;
import dev.apimage.staging.ExpectedImage;
import dev.apimage.staging.StagedImage;
import dev.apimage.staging.StagingArea;
import dev.apimage.transfer.BlockSink;
import dev.apimage.transfer.BlockSinkException;
import dev.apimage.transfer.FailureReason;
import dev.apimage.transfer.RemoteFile;
import dev.apimage.transfer.TransferException;
import dev.apimage.transfer.TransferListener;
import dev.apimage.transfer.TransferOptions;
import dev.apimage.transfer.TransferResult;
import dev.apimage.transfer.TransferSession;
import dev.apimage.transfer.Transports;
import dev.apimage.transfer.UriRedaction;
import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The controller's image cache: each image is fetched from its server into a file of a
 * {@link StagingArea} and shared by every AP that needs it. What is held for fan-out is that one
 * file (the OS pages it in), never a copy per AP and never the whole image on the heap.
 *
 * <h2>What an entry is</h2>
 * An entry is identified by its <em>source</em>, the image URI normalised and without credentials
 * (scheme and host in lower case, the protocol's default port filled in, the path normalised; a
 * user name is kept, since two accounts may see different files, a password never), together
 * with what the server said about the file when it was fetched: its size and, where the protocol
 * gives one, its modification time ({@link RemoteFile}). The name passed to {@link #fetch} (the
 * image type) only names the file; two sources never share an entry, whatever their names.
 *
 * <h2>When an entry is reused</h2>
 * <ul>
 *   <li>Concurrent calls for the same source share one fetch.
 *   <li>A later call asks the server again. When the server reports both size and modification
 *       time and they equal the entry's, the transfer is stopped before its first block and the
 *       entry is reused. When it reports only a size (TFTP), the size alone cannot prove the file
 *       unchanged, so the image is downloaded again; if its SHA-256 equals the entry's, the entry
 *       is kept and the new copy dropped, otherwise the new image replaces it. The wrong image is
 *       never handed out to save a download. (A caller that wants one image for the life of an
 *       upgrade keeps the {@link CachedImage} it got, as {@code NetworkUpgrade} does.)
 *   <li>A failed fetch is forgotten, so the next call (a retry) fetches again.
 * </ul>
 *
 * <h2>Holding, budget and eviction</h2>
 * Every {@link CachedImage} handed out is a hold on its entry until {@link #release(CachedImage)}.
 * The cache keeps at most {@link Builder#budgetBytes(long) budget} bytes of entries: before a new
 * image is written (as soon as its size is known) and after each commit, entries that nobody holds
 * are deleted, least recently used first. An entry still held is never deleted, even when it has
 * been replaced by a newer image of the same source; it goes when its last hold is released. A
 * fetch that cannot fit even after eviction fails with {@link FailureReason#NO_SPACE}.
 *
 * <h2>On disk</h2>
 * Each entry is the image file (written to a temporary name, flushed, verified, renamed) and a
 * small description beside it ({@code <file>.entry}, written the same atomic way, after the
 * image). A cache opened on a directory of an earlier process takes its entries back; before one
 * is first reused its size and both digests are checked against the description, and an entry
 * that fails the check is deleted and fetched again. Files of the cache's own naming without a
 * description (a crash between the two renames) are deleted at open.
 *
 * <p>Staging writes, verification, deletion and the final fsync run on the cache's own thread,
 * never on a transport's network thread or the caller's.
 */
public final class ImageCache implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ImageCache.class);
    private static final String ENTRY_SUFFIX = ".entry";
    /** {@code <name>-<12 hex of the source's hash>-<16 hex>}: what this cache names its files. */
    private static final Pattern FILE = Pattern.compile("[^./\\\\\\p{Cntrl}][^/\\\\\\p{Cntrl}]{0,150}-[0-9a-f]{12}-[0-9a-f]{16}");

    /**
     * One cached image, as handed to a caller of {@link ImageCache#fetch}: a hold on the entry
     * until {@link ImageCache#release(CachedImage)}.
     *
     * @param name the cache name (the image type)
     * @param redactedUri where it came from, as logs may show it
     * @param image the committed file with its size and digests
     */
    public record CachedImage(String name, String redactedUri, CommittedImage image) {
    }

    /**
     * What the cache holds now, for reports and tests.
     *
     * @param entries entries on disk (current and replaced-but-held)
     * @param bytes their total size
     * @param held entries with at least one hold
     * @param budgetBytes the configured budget
     * @param downloads fetches that moved the image (not stopped as unchanged)
     * @param reused fetches answered by an entry (shared in flight, unchanged, or equal content)
     * @param evicted entries deleted for the budget or because they were replaced
     */
    public record Stats(int entries, long bytes, int held, long budgetBytes, long downloads, long reused, long evicted) {
    }

    private final StagingArea area;
    private final TransferOptions options;
    private final long budget;
    private final Object lock = new Object();
    /** Source → its newest complete entry. */
    private final Map<String, Entry> current = new HashMap<>();
    /** Every entry on disk, by file, including replaced ones still held. */
    private final Map<Path, Entry> all = new HashMap<>();
    /** Source → the fetch in flight. */
    private final Map<String, Flight> inFlight = new HashMap<>();
    private long clock;
    private boolean closed;
    private long downloads;
    private long reused;
    private long evicted;
    /** One worker, so cache work runs in order; handed tasks by transport threads, which never wait on it. */
    private final ExecutorService worker = dev.apimage.internal.DaemonThreads.workerPool("apimage-image-cache", 1);

    /** One entry; all fields but the final ones are guarded by {@link #lock}. */
    private static final class Entry {
        final String source;
        final String name;
        final String redactedUri;
        final RemoteFile remote;
        final CommittedImage image;
        int holders;
        long lastUsed;
        boolean verified;
        boolean gone;

        Entry(String source, String name, String redactedUri, RemoteFile remote, CommittedImage image, boolean verified) {
            this.source = source;
            this.name = name;
            this.redactedUri = redactedUri;
            this.remote = remote;
            this.image = image;
            this.verified = verified;
        }

        Path descriptionFile() {
            return image.file().resolveSibling(image.file().getFileName() + ENTRY_SUFFIX);
        }
    }

    /**
     * Creates a cache over a staging area, with no budget beyond the area's own capacity.
     *
     * @param area where fetched images are kept
     * @param options the transfer options for every fetch (timeouts, credentials)
     */
    public ImageCache(StagingArea area, TransferOptions options) {
        this(builder(area).options(options));
    }

    private ImageCache(Builder b) {
        this.area = Objects.requireNonNull(b.area, "area");
        this.options = Objects.requireNonNull(b.options, "options");
        this.budget = b.budget;
        load();
    }

    /**
     * Starts configuring a cache.
     *
     * @param area where fetched images are kept
     * @return a builder
     */
    public static Builder builder(StagingArea area) {
        return new Builder(area);
    }

    /** Configures an {@link ImageCache}. */
    public static final class Builder {
        private final StagingArea area;
        private TransferOptions options = TransferOptions.defaults();
        private long budget = Long.MAX_VALUE;

        private Builder(StagingArea area) {
            this.area = Objects.requireNonNull(area, "area");
        }

        /**
         * Transfer options for every fetch; default {@link TransferOptions#defaults()}.
         *
         * @param options timeouts, credentials
         * @return this builder
         */
        public Builder options(TransferOptions options) {
            this.options = Objects.requireNonNull(options, "options");
            return this;
        }

        /**
         * The most bytes of images the cache keeps; entries nobody holds are evicted, least
         * recently used first, to stay within it. Default unbounded (the staging area's capacity
         * and file system still apply).
         *
         * @param bytes the budget, positive
         * @return this builder
         */
        public Builder budgetBytes(long bytes) {
            if (bytes <= 0) {
                throw new IllegalArgumentException("cache budget must be positive: " + bytes);
            }
            this.budget = bytes;
            return this;
        }

        /**
         * Opens the cache, taking back the entries an earlier process left in the area.
         *
         * @return the cache
         */
        public ImageCache build() {
            return new ImageCache(this);
        }
    }

    /**
     * The image from {@code uri}: an entry of the same source when the server's file is unchanged,
     * otherwise fetched. The returned image is held until {@link #release(CachedImage)}.
     *
     * @param type the AP image type; names the file only
     * @param uri where to fetch it from
     * @param listener progress of the fetch when this call starts it, or null
     * @return completes with the image, or exceptionally with a {@link TransferException}
     */
    public CompletableFuture<CachedImage> fetch(ImageType type, URI uri, TransferListener listener) {
        return fetch(Objects.requireNonNull(type, "type").name(), uri, listener);
    }

    /**
     * Fetches a file that is not an AP image (the controller's own image) under a name of its own;
     * otherwise as {@link #fetch(ImageType, URI, TransferListener)}.
     *
     * @param name the cache name; names the file only
     * @param uri where to fetch it from
     * @param listener progress of the fetch when this call starts it, or null
     * @return completes with the image, or exceptionally with a {@link TransferException}
     */
    public CompletableFuture<CachedImage> fetch(String name, URI uri, TransferListener listener) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(uri, "uri");
        String source = sourceOf(uri);
        Flight flight;
        synchronized (lock) {
            if (closed) {
                return CompletableFuture.failedFuture(new TransferException(FailureReason.CANCELLED, UriRedaction.redact(uri),
                        "the image cache is closed", null));
            }
            flight = inFlight.get(source);
            if (flight != null) {
                reused++;
            } else {
                flight = new Flight(source);
                inFlight.put(source, flight);
                Flight f = flight;
                worker.execute(() -> start(name, uri, listener, f));
            }
            flight.callers++;
        }
        return flight.future.thenApply(e -> new CachedImage(e.name, e.redactedUri, e.image));
    }

    /** One fetch in progress and how many callers wait for it; each gets a hold when it ends. */
    private static final class Flight {
        final String source;
        final CompletableFuture<Entry> future = new CompletableFuture<>();
        int callers;
        TransferSession session;

        Flight(String source) {
            this.source = source;
        }
    }

    /** Ends a flight with an entry that is not gone, giving every caller its hold. Under the lock. */
    private void land(Flight f, Entry e) {
        inFlight.remove(f.source, f);
        e.holders += f.callers;
        e.lastUsed = ++clock;
    }

    private void fail(Flight f, Throwable failure) {
        synchronized (lock) {
            inFlight.remove(f.source, f);
        }
        f.future.completeExceptionally(failure);
    }

    /**
     * Gives back a hold taken by {@link #fetch}. An entry with no hold left may be evicted; a
     * replaced one is deleted now. Releasing an image this cache does not hold has no effect.
     *
     * @param image what {@link #fetch} completed with
     */
    public void release(CachedImage image) {
        Objects.requireNonNull(image, "image");
        Entry drop = null;
        synchronized (lock) {
            Entry e = all.get(image.image().file());
            if (e == null || e.holders == 0) {
                return;
            }
            e.holders--;
            if (e.holders == 0 && current.get(e.source) != e) {
                drop = e;
                forget(e);
            }
        }
        if (drop != null) {
            Entry d = drop;
            worker.execute(() -> delete(d));
        }
    }

    /**
     * Forgets the completed entries cached under {@code name} that nobody holds, and deletes
     * their files; fetches in progress and held entries are left alone.
     *
     * @param name the cache name
     */
    public void evict(String name) {
        List<Entry> drop = new ArrayList<>();
        synchronized (lock) {
            for (Entry e : new ArrayList<>(all.values())) {
                if (e.name.equals(name) && e.holders == 0) {
                    forget(e);
                    drop.add(e);
                }
            }
        }
        worker.execute(() -> drop.forEach(this::delete));
    }

    /**
     * What the cache holds now.
     *
     * @return a snapshot
     */
    public Stats stats() {
        synchronized (lock) {
            int held = 0;
            long bytes = 0;
            for (Entry e : all.values()) {
                bytes += e.image.size();
                if (e.holders > 0) {
                    held++;
                }
            }
            return new Stats(all.size(), bytes, held, budget, downloads, reused, evicted);
        }
    }

    /**
     * Cancels the fetches in progress and stops the cache's thread, waiting up to ten seconds for
     * its work (commits, deletions) to end; cached files stay on disk for the next cache opened on
     * the area.
     */
    @Override
    public void close() {
        List<TransferSession> running = new ArrayList<>();
        synchronized (lock) {
            closed = true; // under the lock: a fetch either started before or is refused

            for (Flight f : inFlight.values()) {
                if (f.session != null) {
                    running.add(f.session);
                }
            }
        }
        running.forEach(TransferSession::cancel);
        worker.shutdown();
        try {
            if (!worker.awaitTermination(10, java.util.concurrent.TimeUnit.SECONDS)) {
                LOG.warn("image cache: work still running 10 s after close");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    // ---- fetching (on the worker) ----

    private void start(String name, URI uri, TransferListener listener, Flight flight) {
        String source = flight.source;
        String redacted = UriRedaction.redact(uri);
        Entry known;
        synchronized (lock) {
            known = current.get(source);
        }
        if (known != null && !verifyTakenBack(known)) {
            known = null;
        }
        TransferSession session;
        StagedImage staged;
        try {
            session = Transports.open(uri, options);
            staged = area.begin(fileName(name, source), -1);
        } catch (TransferException e) {
            fail(flight, e);
            return;
        } catch (IOException | RuntimeException e) {
            fail(flight, new TransferException(FailureReason.IO_ERROR, redacted, "cannot stage the image: " + e.getMessage(), e));
            return;
        }
        if (listener != null) {
            session.addListener(listener);
        }
        synchronized (lock) {
            flight.session = session;
        }
        Revalidating sink = new Revalidating(staged, known, redacted);
        LOG.debug("fetching {} into the image cache", redacted);
        session.start(sink).whenCompleteAsync((TransferResult r, Throwable failure) -> {
            session.close();
            Entry unchanged = sink.unchanged;
            if (unchanged != null) {
                staged.abort();
                synchronized (lock) {
                    reused++;
                    land(flight, unchanged);
                    unchanged.holders--; // the pin taken when the server described the file
                }
                LOG.debug("{} unchanged on the server ({} bytes, modified {}): reusing the cached image", redacted,
                        unchanged.remote.size(), unchanged.remote.modified().orElse(null));
                flight.future.complete(unchanged);
                return;
            }
            if (failure != null) {
                staged.abort();
                Throwable cause = Failures.unwrap(failure);
                fail(flight, cause instanceof TransferException ? cause
                        : new TransferException(FailureReason.IO_ERROR, redacted, String.valueOf(cause.getMessage()), cause));
                return;
            }
            try {
                ExpectedImage expected = r.digests().map(d -> ExpectedImage.of(r.bytes(), d)).orElse(ExpectedImage.ofSize(r.bytes()));
                CommittedImage image = staged.commit(expected);
                RemoteFile remote = sink.remote != null ? sink.remote : RemoteFile.ofSize(image.size());
                flight.future.complete(admit(new Entry(source, name, redacted, remote, image, true), sink.known, flight));
            } catch (IOException | RuntimeException e) {
                fail(flight, new TransferException(FailureReason.IO_ERROR, redacted, "cannot store the image: " + e.getMessage(), e));
            }
        }, worker);
    }

    /**
     * Makes a freshly committed image the source's entry, or drops it when the entry it was
     * checked against has the same content; gives the flight's callers their holds; then trims to
     * the budget.
     */
    private Entry admit(Entry fresh, Entry known, Flight flight) {
        if (known != null && known.image.size() == fresh.image.size() && known.image.digests().equals(fresh.image.digests())) {
            boolean keep = false;
            synchronized (lock) {
                if (!known.gone) {
                    keep = true;
                    reused++;
                    downloads++;
                    land(flight, known);
                }
            }
            if (keep) {
                delete(fresh.image.file(), null);
                LOG.debug("{} downloaded again with the same content: keeping the cached image", fresh.redactedUri);
                return known;
            }
        }
        try {
            writeDescription(fresh);
        } catch (IOException e) {
            // Still usable in this process; without its description it is not taken back later.
            LOG.warn("cannot describe cached image {}: {}", fresh.image.file().getFileName(), e.toString());
        }
        List<Entry> drop = new ArrayList<>();
        synchronized (lock) {
            downloads++;
            Entry previous = current.put(fresh.source, fresh);
            all.put(fresh.image.file(), fresh);
            land(flight, fresh);
            if (previous != null && previous != fresh && previous.holders == 0) {
                forget(previous);
                drop.add(previous);
            }
            drop.addAll(trim(0, fresh));
        }
        drop.forEach(this::delete);
        return fresh;
    }

    /** Entries nobody holds, least recently used first, removed until {@code incoming} more bytes fit. Under the lock. */
    private List<Entry> trim(long incoming, Entry keep) {
        List<Entry> drop = new ArrayList<>();
        if (budget == Long.MAX_VALUE) {
            return drop;
        }
        long bytes = 0;
        for (Entry e : all.values()) {
            bytes += e.image.size();
        }
        List<Entry> idle = new ArrayList<>();
        for (Entry e : all.values()) {
            if (e.holders == 0 && e != keep) {
                idle.add(e);
            }
        }
        idle.sort((a, b) -> Long.compare(a.lastUsed, b.lastUsed));
        for (Entry e : idle) {
            if (bytes + incoming <= budget) {
                break;
            }
            forget(e);
            drop.add(e);
            bytes -= e.image.size();
        }
        return drop;
    }

    private long heldBytes() {
        long held = 0;
        for (Entry e : all.values()) {
            if (e.holders > 0) {
                held += e.image.size();
            }
        }
        return held;
    }

    /** Removes an entry from the maps; its file is deleted by the caller, off the lock. Under the lock. */
    private void forget(Entry e) {
        e.gone = true;
        all.remove(e.image.file(), e);
        current.remove(e.source, e);
        evicted++;
    }

    private void delete(Entry e) {
        delete(e.image.file(), e.descriptionFile());
    }

    private static void delete(Path file, Path description) {
        try {
            if (description != null) {
                Files.deleteIfExists(description);
            }
            Files.deleteIfExists(file);
        } catch (IOException ex) {
            LOG.warn("cannot delete cached image {}: {}", file.getFileName(), ex.toString());
        }
    }

    /**
     * The sink of a fetch: stops the transfer before its first block when the server describes
     * the same file as the entry it knows, and makes room under the budget otherwise. Called on the
     * transport's thread; it only compares values and updates the maps (files are deleted on the
     * worker).
     */
    private final class Revalidating implements BlockSink {
        private final StagedImage staged;
        private final String redacted;
        final Entry known;
        RemoteFile remote;
        volatile Entry unchanged;

        Revalidating(StagedImage staged, Entry known, String redacted) {
            this.staged = staged;
            this.known = known;
            this.redacted = redacted;
        }

        @Override
        public void expectFile(RemoteFile file) throws IOException {
            remote = file;
            if (known != null && file.modified().isPresent() && file.equals(known.remote)) {
                synchronized (lock) {
                    if (!known.gone) {
                        known.holders++; // pinned until the flight lands on it
                        unchanged = known;
                    }
                }
                if (unchanged != null) {
                    throw new BlockSinkException(FailureReason.CANCELLED, "unchanged on the server; the cached image is used");
                }
            }
            List<Entry> drop;
            synchronized (lock) {
                drop = trim(file.size(), null);
                long inUse = 0;
                for (Entry e : all.values()) {
                    inUse += e.image.size();
                }
                if (budget != Long.MAX_VALUE && inUse + file.size() > budget) {
                    long held = heldBytes();
                    drop.forEach(e -> worker.execute(() -> delete(e)));
                    throw new BlockSinkException(FailureReason.NO_SPACE, "image of " + file.size() + " bytes does not fit the image cache's budget of "
                            + budget + " bytes (" + held + " bytes held by running upgrades)");
                }
            }
            drop.forEach(e -> worker.execute(() -> delete(e)));
            staged.expectSize(file.size());
        }

        @Override
        public void write(ByteBuffer block, long offset) throws IOException {
            staged.write(block, offset);
        }

        @Override
        public boolean acceptsAnyOrder() {
            return staged.acceptsAnyOrder();
        }

        @Override
        public String toString() {
            return "cache sink for " + redacted;
        }
    }

    // ---- identity ----

    /**
     * The normalised source of a URI: what identifies an image regardless of credentials.
     *
     * @param uri an image URI
     * @return for example {@code sftp://calo@172.16.5.62:22/Documents/sftp_files/ap3g3}
     */
    static String sourceOf(URI uri) {
        URI n = uri.normalize();
        if (n.isOpaque()) {
            return n.getScheme() + ":" + n.getSchemeSpecificPart();
        }
        String scheme = n.getScheme() == null ? "" : n.getScheme().toLowerCase(Locale.ROOT);
        StringBuilder b = new StringBuilder(scheme).append("://");
        String user = n.getUserInfo();
        if (user != null) {
            int colon = user.indexOf(':');
            b.append(colon >= 0 ? user.substring(0, colon) : user).append('@');
        }
        if (n.getHost() != null) {
            b.append(n.getHost().toLowerCase(Locale.ROOT));
            int port = n.getPort() >= 0 ? n.getPort() : defaultPort(scheme);
            if (port >= 0) {
                b.append(':').append(port);
            }
        }
        String path = n.getPath() == null ? "" : n.getPath().replaceAll("/{2,}", "/");
        return b.append(path).toString();
    }

    private static int defaultPort(String scheme) {
        return switch (scheme) {
            case "tftp" -> 69;
            case "sftp" -> 22;
            default -> -1;
        };
    }

    private static String fileName(String name, String source) {
        String prefix = name.length() > 150 ? name.substring(0, 150) : name;
        return prefix + "-" + hash(source).substring(0, 12) + "-" + String.format("%016x", ThreadLocalRandom.current().nextLong());
    }

    private static String hash(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is a required JDK algorithm", e);
        }
    }

    // ---- on disk ----

    private void writeDescription(Entry e) throws IOException {
        Properties p = new Properties();
        p.setProperty("source", e.source);
        p.setProperty("name", e.name);
        p.setProperty("redactedUri", e.redactedUri);
        p.setProperty("remoteSize", Long.toString(e.remote.size()));
        e.remote.modified().ifPresent(m -> p.setProperty("remoteModified", m.toString()));
        p.setProperty("size", Long.toString(e.image.size()));
        p.setProperty("sha256", e.image.digests().sha256());
        p.setProperty("md5", e.image.digests().md5());
        Path target = e.descriptionFile();
        Path temp = target.resolveSibling("." + target.getFileName() + "." + Long.toHexString(ThreadLocalRandom.current().nextLong()) + ".part");
        try {
            try (FileChannel ch = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
                 Writer w = java.nio.channels.Channels.newWriter(ch, StandardCharsets.UTF_8)) {
                p.store(w, null);
                w.flush();
                ch.force(true);
            }
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    /** Takes back the entries an earlier process left; removes images without a description. */
    private void load() {
        Path dir = area.directory();
        List<Path> images = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path p : ds) {
                if (FILE.matcher(p.getFileName().toString()).matches() && Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
                    images.add(p);
                }
            }
        } catch (IOException e) {
            LOG.warn("cannot list the image cache {}: {}", dir, e.toString());
            return;
        }
        for (Path image : images) {
            Path description = image.resolveSibling(image.getFileName() + ENTRY_SUFFIX);
            Optional<Entry> e = readDescription(image, description);
            if (e.isEmpty()) {
                delete(image, description);
                continue;
            }
            Entry entry = e.get();
            Entry other = current.get(entry.source);
            all.put(image, entry);
            if (other == null || other.image.file().toFile().lastModified() < image.toFile().lastModified()) {
                current.put(entry.source, entry);
            }
        }
        // Older entries of the same source than the one taken back are not reachable: drop them.
        for (Entry e : new ArrayList<>(all.values())) {
            if (current.get(e.source) != e) {
                all.remove(e.image.file());
                delete(e);
            }
        }
        if (!all.isEmpty()) {
            LOG.info("image cache {}: {} image(s) kept from an earlier run, verified before reuse", dir, all.size());
        }
    }

    private static Optional<Entry> readDescription(Path image, Path description) {
        if (!Files.isRegularFile(description, LinkOption.NOFOLLOW_LINKS)) {
            return Optional.empty();
        }
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(description, StandardCharsets.UTF_8)) {
            p.load(r);
            String modified = p.getProperty("remoteModified");
            RemoteFile remote = new RemoteFile(Long.parseLong(p.getProperty("remoteSize")),
                    modified == null ? Optional.empty() : Optional.of(Instant.parse(modified)));
            long size = Long.parseLong(p.getProperty("size"));
            ImageDigests digests = new ImageDigests(p.getProperty("sha256"), p.getProperty("md5"));
            return Optional.of(new Entry(Objects.requireNonNull(p.getProperty("source")), Objects.requireNonNull(p.getProperty("name")),
                    Objects.requireNonNull(p.getProperty("redactedUri")), remote, new CommittedImage(image, size, digests), false));
        } catch (IOException | RuntimeException e) {
            LOG.warn("image cache: unreadable description {}, the image is fetched again: {}", description.getFileName(), e.toString());
            return Optional.empty();
        }
    }

    /** Checks an entry taken back from disk before its first reuse; drops it when it fails. On the worker. */
    private boolean verifyTakenBack(Entry e) {
        synchronized (lock) {
            if (e.verified) {
                return true;
            }
        }
        String problem;
        try {
            long size = Files.size(e.image.file());
            if (size != e.image.size()) {
                problem = size + " bytes, expected " + e.image.size();
            } else {
                ImageDigests actual = ImageDigests.of(e.image.file());
                problem = actual.equals(e.image.digests()) ? null : "digests differ from those recorded";
            }
        } catch (IOException ex) {
            problem = ex.toString();
        }
        synchronized (lock) {
            if (problem == null) {
                e.verified = true;
                return true;
            }
            if (!e.gone) {
                forget(e);
            }
        }
        LOG.warn("image cache: {} failed verification ({}); fetching it again", e.image.file().getFileName(), problem);
        delete(e);
        return false;
    }
}

package dev.apimage.upgrade;

import dev.apimage.internal.Failures;
import dev.apimage.internal.DaemonThreads;
import dev.apimage.cache.ImageCache;
import dev.apimage.cache.ImageCache.CachedImage;
import dev.apimage.image.ApModelCatalog;
import dev.apimage.image.ImageType;
import dev.apimage.image.ImageVersion;
import dev.apimage.profile.DownloadMode;
import dev.apimage.transfer.TransferException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The controller's upgrade of a network: "Save" (arm the profile for APs that join later) or
 * "Save &amp; Download" (predownload to every AP now), with the controller's limits, retries, and
 * the status of {@code show ap image}.
 *
 * <p>Each image type is fetched once per upgrade into the {@link ImageCache} (a file, not the
 * heap) and fanned out to every AP of that type through a {@link PredownloadDriver}. The
 * controller's own type is fetched first ("Controller Image Download"), the other types after it
 * ("AP Image Download"), or all at once with the profile's parallel mode. APs start in batches
 * ({@link UpgradeSettings#batchSize()} per {@link UpgradeSettings#batchInterval()}) up to
 * {@link UpgradeSettings#maxConcurrent()} at a time; a failed AP is retried after a doubling
 * backoff and never holds up the others. When every AP that needed the image has it, the
 * activation and reload callbacks run; nothing reboots here.
 *
 * <p>Events go to SLF4J and to the {@link Listener} as the controller's syslog lines:
 * {@code %INSTALL-5-INSTALL_START_INFO: Started install add tftp://...},
 * {@code %INSTALL-3-OPERATION_ERROR_MESSAGE: Failed to install_add package ..., Error: Failed to download file ...: No such file or directory},
 * {@code %CAPWAPAC_SMGR_TRACE_MESSAGE-5-AP_JOIN_DISJOIN: AP Event: AP Image Download Success}.
 * URIs are always redacted.
 *
 * <p>All state lives on one thread of the upgrade's own; the methods here are thread-safe.
 */
public final class NetworkUpgrade implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(NetworkUpgrade.class);

    /** Receives the controller's log lines. */
    @FunctionalInterface
    public interface Listener {
        /**
         * One event, as the controller's syslog shows it.
         *
         * @param line for example {@code %INSTALL-5-INSTALL_COMPLETED_INFO: Completed install add tftp://...}
         */
        void onEvent(String line);
    }

    /** The last two phases: the SDK calls back, the caller decides what activation means. */
    public interface Activation {
        /**
         * Every AP holds the target image as its backup: make it the next boot image.
         *
         * @param snapshot the upgrade's state
         */
        default void activate(UpgradeSnapshot snapshot) {
        }

        /**
         * Reload the network into the new image.
         *
         * @param snapshot the upgrade's state
         */
        default void reload(UpgradeSnapshot snapshot) {
        }
    }

    private final class Task {
        final PlannedAp planned;
        final boolean atJoin;
        PredownloadStatus status;
        ImageVersion primary;
        Optional<ImageVersion> backup;
        int retries;
        Instant nextRetry;
        String failure;
        final AtomicLong bytes = new AtomicLong();
        final AtomicLong total = new AtomicLong(-1);
        volatile long startedNanos;
        CompletableFuture<Void> inflight;
        ScheduledFuture<?> retryTimer;

        Task(PlannedAp planned, boolean atJoin) {
            this.planned = planned;
            this.atJoin = atJoin;
            this.primary = planned.ap().primaryVersion();
            this.backup = planned.ap().backupVersion();
            this.status = switch (planned.action()) {
                case NONE -> PredownloadStatus.NONE;
                case NOT_SUPPORTED -> PredownloadStatus.NOT_SUPPORTED;
                default -> PredownloadStatus.INITIATED;
            };
        }

        boolean needsImage() {
            return planned.action() == PlanAction.FROM_CONTROLLER || planned.action() == PlanAction.FROM_IMAGE_SERVER;
        }

        ImageType type() {
            return planned.imageType().orElseThrow();
        }

        ApImageRow row() {
            long t = total.get();
            long b = bytes.get();
            int percent = status == PredownloadStatus.COMPLETE || status == PredownloadStatus.COMPLETED_DOWNLOADING ? 100
                    : t > 0 ? (int) (b * 100 / t) : 0;
            Optional<Duration> eta = Optional.empty();
            if ((status == PredownloadStatus.PREDOWNLOADING || status == PredownloadStatus.DOWNLOADING) && t > 0 && b > 0) {
                long elapsed = System.nanoTime() - startedNanos;
                eta = Optional.of(Duration.ofNanos((long) (elapsed * ((double) (t - b) / b))));
            } else if (percent == 100) {
                eta = Optional.of(Duration.ZERO);
            }
            Optional<String> method = switch (planned.action()) {
                case FROM_CONTROLLER -> Optional.of("Controller");
                case FROM_IMAGE_SERVER -> Optional.of(plan.profile().mode().keyword().toUpperCase(java.util.Locale.ROOT));
                default -> Optional.empty();
            };
            return new ApImageRow(planned.ap().name(), primary, backup, status,
                    needsImage() ? Optional.of(plan.targetVersion()) : Optional.empty(), Optional.ofNullable(nextRetry), retries,
                    method, planned.imageType(), planned.ap().role(), percent, eta, Optional.ofNullable(failure));
        }
    }

    private final class TypeState {
        final ImageType type;
        CachedImage image;
        boolean fetching;
        final List<Task> waiting = new ArrayList<>();

        TypeState(ImageType type) {
            this.type = type;
        }
    }

    private final UpgradePlan plan;
    private final ImageCache cache;
    private final PredownloadDriver driver;
    private final UpgradeSettings settings;
    private final Listener listener;
    private final Activation activation;
    private final boolean armed;
    private final java.util.function.Function<ImageType, java.net.URI> locator;
    private final ScheduledExecutorService exec;
    private final List<Task> tasks = new ArrayList<>();
    private final Map<ImageType, TypeState> types = new LinkedHashMap<>();
    private final Deque<Task> ready = new ArrayDeque<>();
    private final Deque<ImageType> fetchQueue = new ArrayDeque<>();
    private final CompletableFuture<UpgradeSnapshot> completion = new CompletableFuture<>();
    private UpgradePhase phase = UpgradePhase.INITIATE;
    private UpgradeSnapshot.Outcome outcome = UpgradeSnapshot.Outcome.RUNNING;
    private ScheduledFuture<?> ticker;
    private int active;
    private int startedThisBatch;

    private NetworkUpgrade(Builder b, boolean armed) {
        this.plan = b.plan;
        this.cache = Objects.requireNonNull(b.cache, "cache");
        this.driver = Objects.requireNonNull(b.driver, "driver");
        this.settings = b.settings;
        this.listener = b.listener;
        this.activation = b.activation;
        this.locator = b.locator;
        this.armed = armed;
        this.exec = DaemonThreads.scheduler("apimage-upgrade");
    }

    /**
     * Starts configuring an upgrade of a plan.
     *
     * @param plan the plan
     * @return a builder
     */
    public static Builder builder(UpgradePlan plan) {
        return new Builder(plan);
    }

    /** Configures a {@link NetworkUpgrade}; {@link #cache} and {@link #driver} are required. */
    public static final class Builder {
        private final UpgradePlan plan;
        private ImageCache cache;
        private PredownloadDriver driver;
        private UpgradeSettings settings = UpgradeSettings.defaults();
        private Listener listener = line -> { };
        private Activation activation = new Activation() { };
        private java.util.function.Function<ImageType, java.net.URI> locator;

        private Builder(UpgradePlan plan) {
            this.plan = Objects.requireNonNull(plan, "plan");
            this.locator = plan.profile()::imageUri;
        }

        /**
         * Where images are fetched to, once per type.
         *
         * @param cache the cache
         * @return this builder
         */
        public Builder cache(ImageCache cache) {
            this.cache = cache;
            return this;
        }

        /**
         * What sends an image to an AP.
         *
         * @param driver the driver
         * @return this builder
         */
        public Builder driver(PredownloadDriver driver) {
            this.driver = driver;
            return this;
        }

        /**
         * Limits, retries and clock; default {@link UpgradeSettings#defaults()}.
         *
         * @param settings the settings
         * @return this builder
         */
        public Builder settings(UpgradeSettings settings) {
            this.settings = Objects.requireNonNull(settings, "settings");
            return this;
        }

        /**
         * Receives the controller's log lines.
         *
         * @param listener the listener
         * @return this builder
         */
        public Builder listener(Listener listener) {
            this.listener = Objects.requireNonNull(listener, "listener");
            return this;
        }

        /**
         * The activate and reload callbacks.
         *
         * @param activation the callbacks
         * @return this builder
         */
        public Builder activation(Activation activation) {
            this.activation = Objects.requireNonNull(activation, "activation");
            return this;
        }

        /**
         * Where an image type is fetched from; default the profile's image URI
         * ({@code <mode>://[user@]server<path>/<type>}). A lab may point it elsewhere, a
         * {@code file:} mirror say.
         *
         * @param locator image type to URI
         * @return this builder
         */
        public Builder imageLocator(java.util.function.Function<ImageType, java.net.URI> locator) {
            this.locator = Objects.requireNonNull(locator, "locator");
            return this;
        }

        /**
         * "Save &amp; Download": starts predownload on every AP of the plan now.
         *
         * @return the running upgrade
         * @throws UpgradeRefusedException when the profile's mode fetches from no image server
         *     (desktop HTTP, CCO): the SDK does not download from an operator's browser or from
         *     the internet
         */
        public NetworkUpgrade saveAndDownload() throws UpgradeRefusedException {
            checkMode(plan);
            NetworkUpgrade u = new NetworkUpgrade(this, false);
            u.exec.execute(u::begin);
            return u;
        }

        /**
         * "Save": arms the profile. APs of the plan keep their images; an AP that joins later
         * ({@link NetworkUpgrade#apJoined(JoinedAp, ApModelCatalog)}) downloads its image at join.
         *
         * @return the armed upgrade; close it to disarm
         * @throws UpgradeRefusedException when the profile's mode fetches from no image server
         */
        public NetworkUpgrade save() throws UpgradeRefusedException {
            checkMode(plan);
            NetworkUpgrade u = new NetworkUpgrade(this, true);
            u.exec.execute(() -> {
                for (PlannedAp p : plan.aps()) {
                    Task t = u.new Task(p, false);
                    if (t.status == PredownloadStatus.INITIATED) {
                        t.status = PredownloadStatus.NONE; // armed only: nothing moves for APs already joined
                    }
                    u.tasks.add(t);
                }
                u.ticker = u.exec.scheduleAtFixedRate(u::tick, 0, settings.batchInterval().toNanos(), TimeUnit.NANOSECONDS);
            });
            return u;
        }
    }

    private static void checkMode(UpgradePlan plan) throws UpgradeRefusedException {
        DownloadMode mode = plan.profile().mode();
        if (mode == DownloadMode.CCO) {
            throw new UpgradeRefusedException("Image download mode CCO: the APs download their images from Cisco over the internet."
                    + " This SDK does not download from the internet; use TFTP or SFTP with a local image server.");
        }
        if (!mode.usesImageServer()) {
            if (!plan.homogeneous()) {
                throw new UpgradeRefusedException(UpgradePlan.NON_HOMOGENEOUS_HTTP);
            }
            throw new UpgradeRefusedException("Desktop (HTTP) mode: the image is uploaded from the operator's browser,"
                    + " which this SDK cannot do; use TFTP or SFTP with a local image server.");
        }
    }

    /**
     * An AP joined an armed ("Save") upgrade: it downloads its image now when it needs one.
     *
     * @param ap the AP
     * @param catalog model number to image type
     * @throws IllegalStateException when the upgrade was started with "Save &amp; Download"
     */
    public void apJoined(JoinedAp ap, ApModelCatalog catalog) {
        if (!armed) {
            throw new IllegalStateException("APs join an armed upgrade (Save); this one was Save & Download");
        }
        PlannedAp p = UpgradePlan.planOne(ap, plan.controllerImageType(), plan.targetVersion(), catalog);
        exec.execute(() -> {
            Task t = new Task(p, true);
            tasks.add(t);
            if (t.needsImage()) {
                t.status = PredownloadStatus.DOWNLOADING;
                want(t);
            }
        });
    }

    private void begin() {
        for (PlannedAp p : plan.aps()) {
            tasks.add(new Task(p, false));
        }
        LOG.info("Upgrade to {}: {} APs, {} need an image, {} not supported, non-homogeneous: {}", plan.targetVersion(), tasks.size(),
                tasks.stream().filter(Task::needsImage).count(), plan.withAction(PlanAction.NOT_SUPPORTED).size(), !plan.homogeneous());
        // The controller's own type first, then the APs' types; with parallel mode all at once.
        for (ImageType type : plan.imageTypesToFetch()) {
            fetchQueue.add(type);
        }
        for (Task t : tasks) {
            if (t.needsImage()) {
                state(t.type()).waiting.add(t);
            }
        }
        phase = UpgradePhase.CONTROLLER_IMAGE_DOWNLOAD;
        ticker = exec.scheduleAtFixedRate(this::tick, 0, settings.batchInterval().toNanos(), TimeUnit.NANOSECONDS);
        nextFetches();
        settleIfDone();
    }

    private TypeState state(ImageType type) {
        return types.computeIfAbsent(type, TypeState::new);
    }

    private void nextFetches() {
        boolean parallel = plan.profile().parallelMode();
        while (!fetchQueue.isEmpty()) {
            if (!parallel && types.values().stream().anyMatch(s -> s.fetching)) {
                return;
            }
            ImageType type = fetchQueue.poll();
            if (!type.equals(plan.controllerImageType()) && phase.ordinal() < UpgradePhase.AP_IMAGE_DOWNLOAD.ordinal()) {
                phase = UpgradePhase.AP_IMAGE_DOWNLOAD;
            }
            fetch(state(type));
        }
    }

    private void fetch(TypeState s) {
        if (s.fetching || s.image != null) {
            return;
        }
        s.fetching = true;
        String uri = uri(s.type);
        event("%INSTALL-5-INSTALL_START_INFO: Started install add " + uri);
        CompletableFuture<CachedImage> f;
        try {
            f = cache.fetch(s.type.name(), locator.apply(s.type), null);
        } catch (RuntimeException e) {
            f = CompletableFuture.failedFuture(e);
        }
        f.whenComplete((image, error) -> exec.execute(() -> fetched(s, image, error)));
    }

    private void fetched(TypeState s, CachedImage image, Throwable error) {
        s.fetching = false;
        String uri = uri(s.type);
        List<Task> waiting = new ArrayList<>(s.waiting);
        s.waiting.clear();
        if (error != null) {
            Throwable cause = Failures.unwrap(error);
            String reason = cause instanceof TransferException ? cause.getMessage()
                    : Failures.downloadFailed(uri, String.valueOf(cause.getMessage()));
            event("%INSTALL-3-OPERATION_ERROR_MESSAGE: Failed to install_add package " + uri + ", Error: " + reason);
            for (Task t : waiting) {
                if (outcome == UpgradeSnapshot.Outcome.RUNNING) {
                    failed(t, reason);
                }
            }
        } else if (outcome != UpgradeSnapshot.Outcome.RUNNING) {
            cache.release(image); // arrived after the upgrade ended
        } else {
            s.image = image;
            event("%INSTALL-5-INSTALL_COMPLETED_INFO: Completed install add " + uri);
            ready.addAll(waiting);
        }
        nextFetches();
        pump();
        settleIfDone();
    }

    private String uri(ImageType type) {
        try {
            return dev.apimage.transfer.UriRedaction.redact(locator.apply(type));
        } catch (RuntimeException e) {
            return type.name();
        }
    }

    private void want(Task t) {
        TypeState s = state(t.type());
        if (s.image != null) {
            ready.add(t);
            pump();
        } else {
            s.waiting.add(t);
            fetch(s);
        }
    }

    private void tick() {
        startedThisBatch = 0;
        pump();
    }

    /**
     * Starts every retry that waits for its backoff now, as the retry timers would, and returns
     * when the upgrade's thread has done so; for tests that step retries instead of waiting.
     */
    void retriesDueNow() {
        try {
            exec.submit(() -> {
                for (Task t : tasks) {
                    if (t.retryTimer != null && t.retryTimer.cancel(false)) {
                        retry(t);
                    }
                }
            }).get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        }
    }

    /**
     * Opens the next batch now, as the batch timer would, and returns when the upgrade's thread has
     * done so; for tests that step batches instead of waiting for the interval.
     */
    void nextBatchNow() {
        try {
            exec.submit(this::tick).get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        }
    }

    private void pump() {
        while (!ready.isEmpty() && active < settings.maxConcurrent() && startedThisBatch < settings.batchSize()
                && outcome == UpgradeSnapshot.Outcome.RUNNING) {
            start(ready.poll());
        }
    }

    private void start(Task t) {
        active++;
        startedThisBatch++;
        if (phase.ordinal() < UpgradePhase.NETWORK_UPGRADE.ordinal() && !t.atJoin) {
            phase = UpgradePhase.NETWORK_UPGRADE;
        }
        t.status = t.atJoin ? PredownloadStatus.DOWNLOADING : PredownloadStatus.PREDOWNLOADING;
        t.bytes.set(0);
        t.startedNanos = System.nanoTime();
        CachedImage image = state(t.type()).image;
        t.total.set(image.image().size());
        CompletableFuture<Void> f;
        try {
            f = driver.predownload(t.planned, image, (b, total) -> {
                t.bytes.set(b);
                t.total.set(total);
            });
        } catch (RuntimeException e) {
            f = CompletableFuture.failedFuture(e);
        }
        t.inflight = f;
        f.whenComplete((ok, error) -> exec.execute(() -> finished(t, error)));
    }

    private void finished(Task t, Throwable error) {
        active--;
        t.inflight = null;
        if (outcome != UpgradeSnapshot.Outcome.RUNNING) {
            return;
        }
        if (error == null) {
            t.failure = null;
            if (t.atJoin) {
                t.status = PredownloadStatus.COMPLETED_DOWNLOADING;
                t.primary = plan.targetVersion();
            } else {
                t.status = PredownloadStatus.COMPLETE;
                t.backup = Optional.of(plan.targetVersion());
            }
            event("%CAPWAPAC_SMGR_TRACE_MESSAGE-5-AP_JOIN_DISJOIN: AP Event: AP Image Download Success (AP " + t.planned.ap().name() + ")");
        } else {
            Throwable cause = Failures.unwrap(error);
            failed(t, cause instanceof CancellationException ? "Cancelled" : String.valueOf(cause.getMessage()));
        }
        pump();
        settleIfDone();
    }

    private void failed(Task t, String reason) {
        t.failure = reason;
        t.status = PredownloadStatus.FAILED;
        if (t.retries < settings.maxRetries()) {
            Duration wait = settings.retryBackoff().multipliedBy(1L << Math.min(t.retries, 20));
            t.retries++;
            t.nextRetry = settings.clock().instant().plus(wait);
            LOG.info("AP {}: {}; retry {} of {} at {}", t.planned.ap().name(), reason, t.retries, settings.maxRetries(), t.nextRetry);
            t.retryTimer = exec.schedule(() -> retry(t), wait.toNanos(), TimeUnit.NANOSECONDS);
        } else {
            t.nextRetry = null;
            event("%CAPWAPAC_SMGR_TRACE_MESSAGE-5-AP_JOIN_DISJOIN: AP Event: AP Image Download Failed (AP " + t.planned.ap().name()
                    + "): " + reason);
        }
    }

    private void retry(Task t) {
        t.retryTimer = null;
        if (outcome != UpgradeSnapshot.Outcome.RUNNING) {
            return;
        }
        t.nextRetry = null;
        t.status = t.atJoin ? PredownloadStatus.DOWNLOADING : PredownloadStatus.INITIATED;
        want(t);
    }

    private void settleIfDone() {
        if (armed || outcome != UpgradeSnapshot.Outcome.RUNNING) {
            return;
        }
        for (Task t : tasks) {
            if (!t.status.settled() || t.nextRetry != null) {
                return;
            }
        }
        stopTimers();
        boolean allGood = tasks.stream().allMatch(t -> t.status != PredownloadStatus.FAILED);
        if (allGood) {
            phase = UpgradePhase.ACTIVATE;
            callback(() -> activation.activate(compute()), "activate");
            phase = UpgradePhase.RELOAD;
            callback(() -> activation.reload(compute()), "reload");
            outcome = UpgradeSnapshot.Outcome.SUCCEEDED;
            LOG.info("Upgrade to {} complete: every AP holds the image", plan.targetVersion());
        } else {
            outcome = UpgradeSnapshot.Outcome.FAILED;
            LOG.warn("Upgrade to {} failed: {} AP(s) could not get the image", plan.targetVersion(),
                    tasks.stream().filter(t -> t.status == PredownloadStatus.FAILED).count());
        }
        releaseImages();
        completion.complete(compute());
    }

    /** Gives the cache back the images this upgrade held; they may be evicted from now on. */
    private void releaseImages() {
        for (TypeState s : types.values()) {
            if (s.image != null) {
                cache.release(s.image);
                s.image = null;
            }
        }
    }

    private void callback(Runnable r, String what) {
        try {
            r.run();
        } catch (RuntimeException e) {
            LOG.warn("{} callback failed: {}", what, e.toString());
        }
    }

    private void stopTimers() {
        if (ticker != null) {
            ticker.cancel(false);
        }
        for (Task t : tasks) {
            if (t.retryTimer != null) {
                t.retryTimer.cancel(false);
                t.retryTimer = null;
            }
        }
    }

    private void event(String line) {
        if (line.startsWith("%INSTALL-3") || line.contains("Download Failed")) {
            LOG.error(line);
        } else {
            LOG.info(line);
        }
        try {
            listener.onEvent(line);
        } catch (RuntimeException e) {
            LOG.warn("upgrade listener failed: {}", e.toString());
        }
    }

    private UpgradeSnapshot compute() {
        List<ApImageRow> rows = new ArrayList<>(tasks.size());
        for (Task t : tasks) {
            rows.add(t.row());
        }
        return new UpgradeSnapshot(phase, outcome, rows);
    }

    /**
     * The status now: counters, rows, phase.
     *
     * @return a snapshot
     */
    public UpgradeSnapshot snapshot() {
        try {
            return exec.submit(this::compute).get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } catch (ExecutionException | java.util.concurrent.RejectedExecutionException e) {
            return completion.getNow(new UpgradeSnapshot(phase, outcome, List.of()));
        }
    }

    /**
     * Completes when every AP has settled (completed, failed for good, or needed nothing), with the
     * final snapshot; never for an armed ("Save") upgrade.
     *
     * @return the completion
     */
    public CompletableFuture<UpgradeSnapshot> completion() {
        return completion;
    }

    /** Stops the upgrade: no new starts, downloads in flight cancelled, retries dropped. */
    public void cancel() {
        exec.execute(() -> {
            if (outcome != UpgradeSnapshot.Outcome.RUNNING) {
                return;
            }
            outcome = UpgradeSnapshot.Outcome.CANCELLED;
            stopTimers();
            ready.clear();
            for (Task t : tasks) {
                if (t.inflight != null) {
                    t.inflight.cancel(true);
                }
                if (!t.status.settled() || t.nextRetry != null) {
                    t.status = PredownloadStatus.FAILED;
                    t.failure = "Cancelled";
                    t.nextRetry = null;
                }
            }
            LOG.warn("Upgrade to {} cancelled", plan.targetVersion());
            releaseImages();
            completion.complete(compute());
        });
    }

    /** Cancels a running upgrade and stops its thread. */
    @Override
    public void close() {
        cancel();
        exec.shutdown();
        try {
            exec.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

}

package dev.apimage.upgrade;

import dev.apimage.cache.ImageCache.CachedImage;
import dev.apimage.cache.ImageCache;
import dev.apimage.image.ApModelCatalog;
import dev.apimage.image.ImageType;
import dev.apimage.internal.DaemonThreads;
import dev.apimage.profile.DownloadMode;
import dev.apimage.time.NanoClock;
import dev.apimage.transfer.UriRedaction;
import dev.apimage.upgrade.internal.ApPredownload;
import dev.apimage.upgrade.internal.UpgradeConductor;
import dev.apimage.upgrade.internal.UpgradeReport;
import java.net.URI;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
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
 * <p>Events go to SLF4J, at the level their {@link UpgradeEvent} gives, and to the
 * {@link Listener} as the controller's syslog lines:
 * {@code %INSTALL-5-INSTALL_START_INFO: Started install add tftp://...},
 * {@code %INSTALL-3-OPERATION_ERROR_MESSAGE: Failed to install_add package ..., Error: Failed to download file ...: No such file or directory},
 * {@code %CAPWAPAC_SMGR_TRACE_MESSAGE-5-AP_JOIN_DISJOIN: AP Event: AP Image Download Success}.
 * URIs are always redacted.
 *
 * <p>This class is the shell: its own thread, the cache, the driver and the listener. The logic is
 * a single-threaded conductor that reacts to events and to its deadlines on the upgrade's
 * {@link NanoClock} ({@link Builder#clock}), so a test steps batches and retries in virtual time.
 * The methods here are thread-safe.
 */
public final class NetworkUpgrade implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(NetworkUpgrade.class);

    /** Receives the controller's log lines and the APs' status changes; called on the upgrade's thread. */
    @FunctionalInterface
    public interface Listener {
        /**
         * One event, as the controller's syslog shows it.
         *
         * @param line for example {@code %INSTALL-5-INSTALL_COMPLETED_INFO: Completed install add tftp://...}
         */
        void onEvent(String line);

        /**
         * One event with its kind; by default passes the line to {@link #onEvent(String)}.
         *
         * @param event the kind
         * @param line the text
         */
        default void onEvent(UpgradeEvent event, String line) {
            onEvent(line);
        }

        /**
         * An AP's {@code show ap image} row changed (status, retries, versions).
         *
         * @param row the AP's row now
         */
        default void onApStatus(ApImageRow row) {
        }
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

    private final boolean armed;
    private final UpgradePlan plan;
    private final ImageCache cache;
    private final PredownloadDriver driver;
    private final Listener listener;
    private final Activation activation;
    private final Function<ImageType, URI> locator;
    private final ScheduledExecutorService exec;
    private final NanoClock clock;
    private final UpgradeConductor conductor;
    private final CompletableFuture<UpgradeSnapshot> completion = new CompletableFuture<>();
    private final Map<ApPredownload, CompletableFuture<Void>> inflight = new HashMap<>();
    private NanoClock.Timer wakeUp;
    private long wakeUpAt = Long.MAX_VALUE;

    private NetworkUpgrade(Builder b, boolean armed) {
        this.plan = b.plan;
        this.cache = Objects.requireNonNull(b.cache, "cache");
        this.driver = Objects.requireNonNull(b.driver, "driver");
        this.listener = b.listener;
        this.activation = b.activation;
        this.locator = b.locator;
        this.armed = armed;
        this.exec = DaemonThreads.scheduler("apimage-upgrade");
        this.clock = b.clock == null ? NanoClock.on(exec) : b.clock.handingTo(exec);
        this.conductor = new UpgradeConductor(plan, b.settings, armed, new Shell());
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
        private Function<ImageType, URI> locator;
        private NanoClock clock;

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
        public Builder imageLocator(Function<ImageType, URI> locator) {
            this.locator = Objects.requireNonNull(locator, "locator");
            return this;
        }

        /**
         * The clock batches and retries run on. Default: real time on the upgrade's thread. A
         * {@link dev.apimage.time.VirtualClock} set here runs the upgrade in virtual time: its
         * tasks are handed to the upgrade's thread. Step it once the upgrade has handled what
         * happened ({@link NetworkUpgrade#snapshot()} returns after that), so that its timer for
         * the next deadline is set before time passes over it.
         *
         * @param clock the clock
         * @return this builder
         */
        public Builder clock(NanoClock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
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
            u.onThread(u.conductor::begin);
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
            u.onThread(u.conductor::begin);
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
        onThread(now -> conductor.joined(p, now));
    }

    /** Runs a conductor event on the upgrade's thread, then sets the timer for its next deadline. */
    private void onThread(java.util.function.LongConsumer event) {
        exec.execute(() -> {
            event.accept(clock.nanoTime());
            rearm();
        });
    }

    /** One timer, at the conductor's next deadline: no periodic tick. */
    private void rearm() {
        long at = conductor.nextDeadline();
        if (at == wakeUpAt) {
            return;
        }
        if (wakeUp != null) {
            wakeUp.cancel();
            wakeUp = null;
        }
        wakeUpAt = at;
        if (at != Long.MAX_VALUE) {
            wakeUp = clock.schedule(this::wake, at - clock.nanoTime());
        }
    }

    private void wake() {
        wakeUp = null;
        wakeUpAt = Long.MAX_VALUE;
        conductor.doWork(clock.nanoTime());
        rearm();
    }

    /** The conductor's effects, all on the upgrade's thread. */
    private final class Shell implements UpgradeConductor.Effects {
        @Override
        public void fetch(ImageType type) {
            CompletableFuture<CachedImage> f;
            try {
                f = cache.fetch(type, locator.apply(type), null);
            } catch (RuntimeException e) {
                f = CompletableFuture.failedFuture(e);
            }
            f.whenComplete((image, error) -> onThread(now -> conductor.onFetched(type, image, error, now)));
        }

        @Override
        public String uriOf(ImageType type) {
            try {
                return UriRedaction.redact(locator.apply(type));
            } catch (RuntimeException e) {
                return type.name();
            }
        }

        @Override
        public void predownload(ApPredownload ap, CachedImage image) {
            CompletableFuture<Void> f;
            try {
                f = driver.predownload(ap.planned(), image, ap::progress);
            } catch (RuntimeException e) {
                f = CompletableFuture.failedFuture(e);
            }
            inflight.put(ap, f);
            f.whenComplete((ok, error) -> onThread(now -> {
                inflight.remove(ap);
                conductor.onPredownloadEnded(ap, error, now);
            }));
        }

        @Override
        public void cancelPredownload(ApPredownload ap) {
            CompletableFuture<Void> f = inflight.remove(ap);
            if (f != null) {
                f.cancel(true);
            }
        }

        @Override
        public void event(UpgradeEvent event, String line) {
            LOG.atLevel(event.level()).log(line);
            try {
                listener.onEvent(event, line);
            } catch (RuntimeException e) {
                LOG.warn("upgrade listener failed: {}", e.toString());
            }
        }

        @Override
        public void changed(ApPredownload ap) {
            try {
                listener.onApStatus(UpgradeReport.row(ap, plan, clock.nanoTime()));
            } catch (RuntimeException e) {
                LOG.warn("upgrade listener failed: {}", e.toString());
            }
        }

        @Override
        public void release(CachedImage image) {
            cache.release(image);
        }

        @Override
        public void activate(UpgradeSnapshot snapshot) {
            callback(() -> activation.activate(snapshot), "activate");
        }

        @Override
        public void reload(UpgradeSnapshot snapshot) {
            callback(() -> activation.reload(snapshot), "reload");
        }

        @Override
        public void ended(UpgradeSnapshot snapshot) {
            if (wakeUp != null) {
                wakeUp.cancel();
                wakeUp = null;
                wakeUpAt = Long.MAX_VALUE;
            }
            completion.complete(snapshot);
        }
    }

    private static void callback(Runnable r, String what) {
        try {
            r.run();
        } catch (RuntimeException e) {
            LOG.warn("{} callback failed: {}", what, e.toString());
        }
    }

    /**
     * The status now: counters, rows, phase.
     *
     * @return a snapshot
     */
    public UpgradeSnapshot snapshot() {
        try {
            return exec.submit(() -> conductor.snapshot(clock.nanoTime())).get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } catch (ExecutionException | RejectedExecutionException e) {
            return completion.getNow(new UpgradeSnapshot(UpgradePhase.INITIATE, UpgradeSnapshot.Outcome.CANCELLED, List.of()));
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
        try {
            onThread(conductor::cancel);
        } catch (RejectedExecutionException e) {
            // closed already
        }
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

package dev.apimage.upgrade.internal;

import dev.apimage.cache.ImageCache.CachedImage;
import dev.apimage.image.ImageType;
import dev.apimage.internal.Failures;
import dev.apimage.transfer.TransferException;
import dev.apimage.upgrade.PlanAction;
import dev.apimage.upgrade.PlannedAp;
import dev.apimage.upgrade.PredownloadStatus;
import dev.apimage.upgrade.UpgradeEvent;
import dev.apimage.upgrade.UpgradePhase;
import dev.apimage.upgrade.UpgradePlan;
import dev.apimage.upgrade.UpgradeSettings;
import dev.apimage.upgrade.UpgradeSnapshot;
import dev.apimage.upgrade.internal.ApPredownload.Event;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CancellationException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The upgrade's conductor: single-threaded, it reacts to events (a fetch ended, an AP's download
 * ended, an AP joined, cancel) and to its deadlines ({@link #doWork(long)}: a batch opens, a retry
 * is due), each with the time on the upgrade's clock, and tells its {@link Effects} what to do.
 * It owns no thread and reads no clock, in the manner of an Agrona {@code Agent}: the caller runs
 * it on one thread and calls {@code doWork} at {@link #nextDeadline()}, so tests drive it in
 * virtual time.
 *
 * <p>Order: each image type is fetched once; the controller's own type first ("Controller Image
 * Download"), the others after it ("AP Image Download"), or all at once with the profile's parallel
 * mode. APs start in batches ({@link UpgradeSettings#batchSize()} per
 * {@link UpgradeSettings#batchInterval()}), at most {@link UpgradeSettings#maxConcurrent()} at a
 * time; a failed AP is retried after a doubling backoff and never holds up the others. When every
 * AP that needed the image holds it, activation and reload are asked for.
 */
public final class UpgradeConductor {

    private static final Logger LOG = LoggerFactory.getLogger(UpgradeConductor.class);

    /** What the conductor asks of the world; every method is called on the conductor's thread. */
    public interface Effects {
        /**
         * Start fetching an image type; answer with {@link UpgradeConductor#onFetched}.
         *
         * @param type the type
         */
        void fetch(ImageType type);

        /**
         * The redacted URI an image type is fetched from, for the log lines.
         *
         * @param type the type
         * @return the URI's text
         */
        String uriOf(ImageType type);

        /**
         * Start an AP's download; answer with {@link UpgradeConductor#onPredownloadEnded}.
         *
         * @param ap the AP
         * @param image its image, in the cache
         */
        void predownload(ApPredownload ap, CachedImage image);

        /**
         * Stop an AP's download in flight (the upgrade was cancelled).
         *
         * @param ap the AP
         */
        void cancelPredownload(ApPredownload ap);

        /**
         * One of the controller's log events.
         *
         * @param event the event
         * @param line its text
         */
        void event(UpgradeEvent event, String line);

        /**
         * An AP's status changed.
         *
         * @param ap the AP
         */
        void changed(ApPredownload ap);

        /**
         * The cache may evict this image from now on.
         *
         * @param image the image
         */
        void release(CachedImage image);

        /**
         * Every AP holds the image: activate it.
         *
         * @param snapshot the state
         */
        void activate(UpgradeSnapshot snapshot);

        /**
         * Reload into the image.
         *
         * @param snapshot the state
         */
        void reload(UpgradeSnapshot snapshot);

        /**
         * The upgrade has ended.
         *
         * @param snapshot the final state
         */
        void ended(UpgradeSnapshot snapshot);
    }

    /** One image type: fetched once, then shared by every AP of the type. */
    private static final class TypeState {
        final ImageType type;
        CachedImage image;
        boolean fetching;
        final List<ApPredownload> waiting = new ArrayList<>();

        TypeState(ImageType type) {
            this.type = type;
        }
    }

    private final UpgradePlan plan;
    private final UpgradeSettings settings;
    private final Effects effects;
    private final boolean armed;
    private final long batchNanos;
    private final List<ApPredownload> aps = new ArrayList<>();
    private final Map<ImageType, TypeState> types = new LinkedHashMap<>();
    private final Deque<ApPredownload> ready = new ArrayDeque<>();
    private final Deque<ImageType> fetchQueue = new ArrayDeque<>();
    private UpgradePhase phase = UpgradePhase.INITIATE;
    private UpgradeSnapshot.Outcome outcome = UpgradeSnapshot.Outcome.RUNNING;
    private int active;
    private int startedThisBatch;
    private long nextBatchAt;
    private boolean begun;

    /**
     * A conductor, not yet begun.
     *
     * @param plan the plan
     * @param settings limits and retries
     * @param armed true for "Save" (arm for APs that join later), false for "Save &amp; Download"
     * @param effects what it asks of the world
     */
    public UpgradeConductor(UpgradePlan plan, UpgradeSettings settings, boolean armed, Effects effects) {
        this.plan = Objects.requireNonNull(plan, "plan");
        this.settings = Objects.requireNonNull(settings, "settings");
        this.effects = Objects.requireNonNull(effects, "effects");
        this.armed = armed;
        this.batchNanos = settings.batchInterval().toNanos();
    }

    /**
     * Starts: every AP of the plan, the first fetches, the first batch.
     *
     * @param now the upgrade's clock
     */
    public void begin(long now) {
        if (begun) {
            throw new IllegalStateException("already begun");
        }
        begun = true;
        nextBatchAt = now;
        for (PlannedAp p : plan.aps()) {
            ApPredownload ap = new ApPredownload(p, false);
            aps.add(ap);
            if (armed) {
                transition(ap, Event.ARMED, now, null); // nothing moves for APs already joined
            }
        }
        if (armed) {
            return;
        }
        LOG.info("Upgrade to {}: {} APs, {} need an image, {} not supported, non-homogeneous: {}", plan.targetVersion(), aps.size(),
                aps.stream().filter(ApPredownload::needsImage).count(), plan.withAction(PlanAction.NOT_SUPPORTED).size(),
                !plan.homogeneous());
        fetchQueue.addAll(plan.imageTypesToFetch());
        for (ApPredownload ap : aps) {
            if (ap.needsImage()) {
                state(ap.type()).waiting.add(ap);
            }
        }
        phase = UpgradePhase.CONTROLLER_IMAGE_DOWNLOAD;
        nextFetches();
        doWork(now);
    }

    /**
     * An AP joined an armed upgrade: it downloads its image now when it needs one.
     *
     * @param planned the AP, planned against the upgrade's target
     * @param now the upgrade's clock
     */
    public void joined(PlannedAp planned, long now) {
        ApPredownload ap = new ApPredownload(planned, true);
        aps.add(ap);
        effects.changed(ap);
        if (ap.needsImage() && outcome == UpgradeSnapshot.Outcome.RUNNING) {
            want(ap, now);
        }
    }

    /**
     * A fetch ended.
     *
     * @param type the type fetched
     * @param image the image, or null when the fetch failed
     * @param error why it failed, or null
     * @param now the upgrade's clock
     */
    public void onFetched(ImageType type, CachedImage image, Throwable error, long now) {
        TypeState s = state(type);
        s.fetching = false;
        String uri = effects.uriOf(type);
        List<ApPredownload> waiting = new ArrayList<>(s.waiting);
        s.waiting.clear();
        if (error != null) {
            Throwable cause = Failures.unwrap(error);
            String reason = cause instanceof TransferException ? cause.getMessage()
                    : Failures.downloadFailed(uri, String.valueOf(cause.getMessage()));
            event(UpgradeEvent.INSTALL_FAILED, uri, reason);
            if (outcome == UpgradeSnapshot.Outcome.RUNNING) {
                for (ApPredownload ap : waiting) {
                    fail(ap, reason, now);
                }
            }
        } else if (outcome != UpgradeSnapshot.Outcome.RUNNING) {
            effects.release(image); // arrived after the upgrade ended
        } else {
            s.image = image;
            event(UpgradeEvent.INSTALL_COMPLETED, uri);
            ready.addAll(waiting);
        }
        nextFetches();
        pump(now);
        settleIfDone(now);
    }

    /**
     * An AP's download ended.
     *
     * @param ap the AP
     * @param error why it failed, or null when the AP holds the image
     * @param now the upgrade's clock
     */
    public void onPredownloadEnded(ApPredownload ap, Throwable error, long now) {
        active--;
        if (outcome != UpgradeSnapshot.Outcome.RUNNING) {
            return;
        }
        if (error == null) {
            transition(ap, Event.SUCCEEDED, now, null);
            event(UpgradeEvent.AP_IMAGE_DOWNLOAD_SUCCESS, ap.name());
        } else {
            Throwable cause = Failures.unwrap(error);
            fail(ap, cause instanceof CancellationException ? "Cancelled" : String.valueOf(cause.getMessage()), now);
        }
        pump(now);
        settleIfDone(now);
    }

    /**
     * The deadlines: opens a batch when its interval is over, starts the retries that are due.
     *
     * @param now the upgrade's clock
     */
    public void doWork(long now) {
        if (!begun || outcome != UpgradeSnapshot.Outcome.RUNNING) {
            return;
        }
        if (now - nextBatchAt >= 0) {
            startedThisBatch = 0;
            while (now - nextBatchAt >= 0) {
                nextBatchAt += batchNanos;
            }
        }
        for (ApPredownload ap : new ArrayList<>(aps)) {
            if (ap.retryPending() && now - ap.retryAtNanos() >= 0) {
                transition(ap, Event.RETRY_DUE, now, null);
                want(ap, now);
            }
        }
        pump(now);
        settleIfDone(now);
    }

    /**
     * When {@link #doWork(long)} has something to do next.
     *
     * @return on the upgrade's clock; {@link Long#MAX_VALUE} when nothing is due
     */
    public long nextDeadline() {
        if (!begun || outcome != UpgradeSnapshot.Outcome.RUNNING) {
            return Long.MAX_VALUE;
        }
        long next = nextBatchAt;
        for (ApPredownload ap : aps) {
            if (ap.retryPending() && ap.retryAtNanos() - next < 0) {
                next = ap.retryAtNanos();
            }
        }
        return next;
    }

    /**
     * Stops: no new starts, downloads in flight cancelled, retries dropped.
     *
     * @param now the upgrade's clock
     */
    public void cancel(long now) {
        if (outcome != UpgradeSnapshot.Outcome.RUNNING) {
            return;
        }
        outcome = UpgradeSnapshot.Outcome.CANCELLED;
        ready.clear();
        for (ApPredownload ap : aps) {
            if (ap.status() == PredownloadStatus.PREDOWNLOADING || ap.status() == PredownloadStatus.DOWNLOADING) {
                effects.cancelPredownload(ap);
            }
            transition(ap, Event.CANCELLED, now, null);
        }
        LOG.warn("Upgrade to {} cancelled", plan.targetVersion());
        releaseImages();
        effects.ended(snapshot(now));
    }

    /**
     * The state now.
     *
     * @param now the upgrade's clock
     * @return the snapshot
     */
    public UpgradeSnapshot snapshot(long now) {
        return UpgradeReport.snapshot(phase, outcome, aps, plan, now);
    }

    /**
     * Whether the upgrade still runs.
     *
     * @return true until it has succeeded, failed or been cancelled
     */
    public boolean running() {
        return outcome == UpgradeSnapshot.Outcome.RUNNING;
    }

    // --- the steps ---

    private TypeState state(ImageType type) {
        return types.computeIfAbsent(type, TypeState::new);
    }

    private void transition(ApPredownload ap, Event event, long now, String reason) {
        PredownloadStatus before = ap.status();
        boolean retryBefore = ap.retryPending();
        ap.on(event, now, settings, plan.targetVersion(), reason);
        if (ap.status() != before || ap.retryPending() != retryBefore || event == Event.FAILED) {
            effects.changed(ap);
        }
    }

    private void fail(ApPredownload ap, String reason, long now) {
        transition(ap, Event.FAILED, now, reason);
        if (ap.retryPending()) {
            LOG.info("AP {}: {}; retry {} of {} at {}", ap.name(), reason, ap.retries(), settings.maxRetries(),
                    ap.retryShownAt().orElse(null));
        } else {
            event(UpgradeEvent.AP_IMAGE_DOWNLOAD_FAILED, ap.name(), reason);
        }
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
        event(UpgradeEvent.INSTALL_STARTED, effects.uriOf(s.type));
        effects.fetch(s.type);
    }

    private void want(ApPredownload ap, long now) {
        TypeState s = state(ap.type());
        if (s.image != null) {
            ready.add(ap);
            pump(now);
        } else {
            s.waiting.add(ap);
            fetch(s);
        }
    }

    private void pump(long now) {
        while (!ready.isEmpty() && active < settings.maxConcurrent() && startedThisBatch < settings.batchSize()
                && outcome == UpgradeSnapshot.Outcome.RUNNING) {
            start(ready.poll(), now);
        }
    }

    private void start(ApPredownload ap, long now) {
        active++;
        startedThisBatch++;
        if (phase.ordinal() < UpgradePhase.NETWORK_UPGRADE.ordinal() && !ap.atJoin()) {
            phase = UpgradePhase.NETWORK_UPGRADE;
        }
        transition(ap, Event.STARTED, now, null);
        CachedImage image = state(ap.type()).image;
        ap.progress(0, image.image().size());
        effects.predownload(ap, image);
    }

    private void settleIfDone(long now) {
        if (armed || outcome != UpgradeSnapshot.Outcome.RUNNING) {
            return;
        }
        for (ApPredownload ap : aps) {
            if (!ap.settled()) {
                return;
            }
        }
        boolean allGood = aps.stream().allMatch(ap -> ap.status() != PredownloadStatus.FAILED);
        if (allGood) {
            phase = UpgradePhase.ACTIVATE;
            effects.activate(snapshot(now));
            phase = UpgradePhase.RELOAD;
            effects.reload(snapshot(now));
            outcome = UpgradeSnapshot.Outcome.SUCCEEDED;
            LOG.info("Upgrade to {} complete: every AP holds the image", plan.targetVersion());
        } else {
            outcome = UpgradeSnapshot.Outcome.FAILED;
            LOG.warn("Upgrade to {} failed: {} AP(s) could not get the image", plan.targetVersion(),
                    aps.stream().filter(ap -> ap.status() == PredownloadStatus.FAILED).count());
        }
        releaseImages();
        effects.ended(snapshot(now));
    }

    /** Gives the cache back the images this upgrade held; they may be evicted from now on. */
    private void releaseImages() {
        for (TypeState s : types.values()) {
            if (s.image != null) {
                effects.release(s.image);
                s.image = null;
            }
        }
    }

    private void event(UpgradeEvent event, String... args) {
        effects.event(event, event.line(args));
    }
}

package dev.apimage.upgrade.internal;

import dev.apimage.image.ImageType;
import dev.apimage.image.ImageVersion;
import dev.apimage.upgrade.PlanAction;
import dev.apimage.upgrade.PlannedAp;
import dev.apimage.upgrade.PredownloadStatus;
import dev.apimage.upgrade.UpgradeSettings;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One AP's predownload within an upgrade: its {@code show ap image} status, versions, retries and
 * progress. The status changes in one place, {@link #on}, by this table:
 * <table>
 * <caption>status x event: the next status</caption>
 * <tr><th>status</th><th>event</th><th>next</th></tr>
 * <tr><td>INITIATED</td><td>ARMED ("Save": an AP already joined keeps its image)</td><td>NONE</td></tr>
 * <tr><td>INITIATED</td><td>STARTED</td><td>PREDOWNLOADING</td></tr>
 * <tr><td>DOWNLOADING (joined after "Save")</td><td>STARTED</td><td>DOWNLOADING</td></tr>
 * <tr><td>PREDOWNLOADING</td><td>SUCCEEDED</td><td>COMPLETE; the image becomes the backup</td></tr>
 * <tr><td>DOWNLOADING</td><td>SUCCEEDED</td><td>COMPLETED_DOWNLOADING; the image becomes the primary</td></tr>
 * <tr><td>INITIATED, DOWNLOADING, PREDOWNLOADING</td><td>FAILED, retries left</td><td>FAILED, retry due after
 *     the backoff, doubled per retry</td></tr>
 * <tr><td>INITIATED, DOWNLOADING, PREDOWNLOADING</td><td>FAILED, none left</td><td>FAILED for good</td></tr>
 * <tr><td>FAILED with a retry due</td><td>RETRY_DUE</td><td>INITIATED (DOWNLOADING when joined after "Save")</td></tr>
 * <tr><td>any not settled, or with a retry due</td><td>CANCELLED</td><td>FAILED ("Cancelled")</td></tr>
 * <tr><td>any other</td><td>any</td><td>unchanged</td></tr>
 * </table>
 * Touched only on the upgrade's thread, except the progress counters, which the driver updates
 * from its own.
 */
public final class ApPredownload {

    /** What happens to an AP's predownload. */
    public enum Event {
        /** The upgrade only arms the profile ("Save"). */
        ARMED,
        /** Its download started. */
        STARTED,
        /** It holds the image. */
        SUCCEEDED,
        /** Its download failed (or its image's fetch did). */
        FAILED,
        /** Its retry's backoff is over. */
        RETRY_DUE,
        /** The upgrade was cancelled. */
        CANCELLED
    }

    /** No retry due. */
    static final long NO_RETRY = Long.MIN_VALUE;

    private final PlannedAp planned;
    private final boolean atJoin;
    private PredownloadStatus status;
    private ImageVersion primary;
    private Optional<ImageVersion> backup;
    private int retries;
    private long retryAtNanos = NO_RETRY;
    private Instant retryShownAt;
    private String failure;
    private long startedNanos;
    /** Progress, updated by the driver from any thread. */
    final AtomicLong bytes = new AtomicLong();
    final AtomicLong total = new AtomicLong(-1);

    /**
     * An AP of the plan, or one that joined an armed upgrade.
     *
     * @param planned the AP and what the plan does for it
     * @param atJoin whether it joined after "Save" (it downloads at join, into its primary image)
     */
    public ApPredownload(PlannedAp planned, boolean atJoin) {
        this.planned = Objects.requireNonNull(planned, "planned");
        this.atJoin = atJoin;
        this.primary = planned.ap().primaryVersion();
        this.backup = planned.ap().backupVersion();
        this.status = switch (planned.action()) {
            case NONE -> PredownloadStatus.NONE;
            case NOT_SUPPORTED -> PredownloadStatus.NOT_SUPPORTED;
            default -> atJoin ? PredownloadStatus.DOWNLOADING : PredownloadStatus.INITIATED;
        };
    }

    /**
     * The one transition method (see the table above).
     *
     * @param event what happened
     * @param now the upgrade's clock
     * @param settings retries and backoff, and the wall clock for the shown retry time
     * @param target the version the upgrade installs
     * @param reason why, for {@link Event#FAILED}; null otherwise
     * @return the status after the event
     */
    public PredownloadStatus on(Event event, long now, UpgradeSettings settings, ImageVersion target, String reason) {
        switch (event) {
            case ARMED -> {
                if (status == PredownloadStatus.INITIATED) {
                    status = PredownloadStatus.NONE;
                }
            }
            case STARTED -> {
                if (status == PredownloadStatus.INITIATED || status == PredownloadStatus.DOWNLOADING) {
                    status = atJoin ? PredownloadStatus.DOWNLOADING : PredownloadStatus.PREDOWNLOADING;
                    bytes.set(0);
                    startedNanos = now;
                }
            }
            case SUCCEEDED -> {
                if (status == PredownloadStatus.PREDOWNLOADING) {
                    status = PredownloadStatus.COMPLETE;
                    backup = Optional.of(target);
                    failure = null;
                } else if (status == PredownloadStatus.DOWNLOADING) {
                    status = PredownloadStatus.COMPLETED_DOWNLOADING;
                    primary = target;
                    failure = null;
                }
            }
            case FAILED -> {
                if (inProgress()) {
                    status = PredownloadStatus.FAILED;
                    failure = Objects.requireNonNull(reason, "reason");
                    if (retries < settings.maxRetries()) {
                        Duration wait = settings.retryBackoff().multipliedBy(1L << Math.min(retries, 20));
                        retries++;
                        retryAtNanos = now + wait.toNanos();
                        retryShownAt = settings.clock().instant().plus(wait);
                    }
                }
            }
            case RETRY_DUE -> {
                if (retryPending()) {
                    retryAtNanos = NO_RETRY;
                    retryShownAt = null;
                    status = atJoin ? PredownloadStatus.DOWNLOADING : PredownloadStatus.INITIATED;
                }
            }
            case CANCELLED -> {
                if (!status.settled() || retryPending()) {
                    status = PredownloadStatus.FAILED;
                    failure = "Cancelled";
                    retryAtNanos = NO_RETRY;
                    retryShownAt = null;
                }
            }
        }
        return status;
    }

    private boolean inProgress() {
        return status == PredownloadStatus.INITIATED || status == PredownloadStatus.DOWNLOADING
                || status == PredownloadStatus.PREDOWNLOADING;
    }

    /**
     * The AP and what the plan does for it.
     *
     * @return the planned AP
     */
    public PlannedAp planned() {
        return planned;
    }

    /**
     * The AP's name.
     *
     * @return the name
     */
    public String name() {
        return planned.ap().name();
    }

    /**
     * Whether it joined after "Save".
     *
     * @return true at join
     */
    public boolean atJoin() {
        return atJoin;
    }

    /**
     * Whether the plan sends it an image.
     *
     * @return true when it needs one
     */
    public boolean needsImage() {
        return planned.action() == PlanAction.FROM_CONTROLLER || planned.action() == PlanAction.FROM_IMAGE_SERVER;
    }

    /**
     * Its image type.
     *
     * @return the type
     * @throws java.util.NoSuchElementException for an AP that needs no image
     */
    public ImageType type() {
        return planned.imageType().orElseThrow();
    }

    /**
     * The status.
     *
     * @return the {@code show ap image} status
     */
    public PredownloadStatus status() {
        return status;
    }

    /**
     * Whether it has settled for good: a final status and no retry due.
     *
     * @return true when settled
     */
    public boolean settled() {
        return status.settled() && !retryPending();
    }

    /**
     * Whether a retry is due at some time.
     *
     * @return true while waiting for a retry
     */
    public boolean retryPending() {
        return retryAtNanos != NO_RETRY;
    }

    /**
     * When its retry is due.
     *
     * @return on the upgrade's clock; only meaningful while {@link #retryPending()}
     */
    public long retryAtNanos() {
        return retryAtNanos;
    }

    ImageVersion primary() {
        return primary;
    }

    Optional<ImageVersion> backup() {
        return backup;
    }

    int retries() {
        return retries;
    }

    Optional<Instant> retryShownAt() {
        return Optional.ofNullable(retryShownAt);
    }

    Optional<String> failure() {
        return Optional.ofNullable(failure);
    }

    long startedNanos() {
        return startedNanos;
    }

    /**
     * Records the driver's progress report; any thread.
     *
     * @param bytesSoFar bytes the AP acknowledged
     * @param size the image's size
     */
    public void progress(long bytesSoFar, long size) {
        bytes.set(bytesSoFar);
        total.set(size);
    }
}

package dev.apimage.upgrade;

import java.util.List;

/**
 * The state of an upgrade at one moment: the counters and rows of {@code show ap image}, the phase,
 * and how the run ended once it has.
 *
 * @param phase the furthest phase reached
 * @param outcome how the run stands
 * @param rows one per AP, in plan order
 */
public record UpgradeSnapshot(UpgradePhase phase, Outcome outcome, List<ApImageRow> rows) {

    /** How a run stands. */
    public enum Outcome {
        /** Still working (or armed, waiting for APs to join). */
        RUNNING,
        /** Every AP that needed the image has it; activation and reload callbacks ran. */
        SUCCEEDED,
        /** Some AP failed for good; no activation. */
        FAILED,
        /** Cancelled. */
        CANCELLED
    }

    /** Copies the rows. */
    public UpgradeSnapshot {
        rows = List.copyOf(rows);
    }

    private long count(PredownloadStatus s) {
        return rows.stream().filter(r -> r.status() == s).count();
    }

    /** @return Total number of APs */
    public long total() {
        return rows.size();
    }

    /** @return APs Initiated */
    public long initiated() {
        return count(PredownloadStatus.INITIATED);
    }

    /** @return APs Downloading */
    public long downloading() {
        return count(PredownloadStatus.DOWNLOADING);
    }

    /** @return APs Predownloading */
    public long predownloading() {
        return count(PredownloadStatus.PREDOWNLOADING);
    }

    /** @return APs Completed downloading */
    public long completedDownloading() {
        return count(PredownloadStatus.COMPLETED_DOWNLOADING);
    }

    /** @return APs Completed predownloading */
    public long completedPredownloading() {
        return count(PredownloadStatus.COMPLETE);
    }

    /** @return APs Not Supported */
    public long notSupported() {
        return count(PredownloadStatus.NOT_SUPPORTED);
    }

    /** @return APs Failed to Predownload */
    public long failed() {
        return count(PredownloadStatus.FAILED);
    }

    /**
     * Predownload in progress: an AP is initiated, downloading or predownloading, or waits for a retry.
     *
     * @return true while in progress
     */
    public boolean inProgress() {
        return rows.stream().anyMatch(r -> !r.status().settled() || r.nextRetryTime().isPresent());
    }
}

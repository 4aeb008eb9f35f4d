package dev.apimage.upgrade.internal;

import dev.apimage.upgrade.ApImageRow;
import dev.apimage.upgrade.PredownloadStatus;
import dev.apimage.upgrade.UpgradePhase;
import dev.apimage.upgrade.UpgradePlan;
import dev.apimage.upgrade.UpgradeSnapshot;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/** The {@code show ap image} rows of an upgrade, made from its APs' predownloads: rendering apart from the protocol. */
public final class UpgradeReport {

    private UpgradeReport() {
    }

    /**
     * A snapshot of every AP.
     *
     * @param phase the upgrade's phase
     * @param outcome how it stands
     * @param aps the predownloads
     * @param plan the plan
     * @param now the upgrade's clock, for the estimates
     * @return the snapshot
     */
    public static UpgradeSnapshot snapshot(UpgradePhase phase, UpgradeSnapshot.Outcome outcome, List<ApPredownload> aps,
            UpgradePlan plan, long now) {
        List<ApImageRow> rows = new ArrayList<>(aps.size());
        for (ApPredownload p : aps) {
            rows.add(row(p, plan, now));
        }
        return new UpgradeSnapshot(phase, outcome, rows);
    }

    /**
     * One AP's row.
     *
     * @param p the AP's predownload
     * @param plan the plan
     * @param now the upgrade's clock, for the estimate
     * @return the row
     */
    public static ApImageRow row(ApPredownload p, UpgradePlan plan, long now) {
        PredownloadStatus status = p.status();
        long t = p.total.get();
        long b = p.bytes.get();
        int percent = status == PredownloadStatus.COMPLETE || status == PredownloadStatus.COMPLETED_DOWNLOADING ? 100
                : t > 0 ? (int) (b * 100 / t) : 0;
        Optional<Duration> eta = Optional.empty();
        if ((status == PredownloadStatus.PREDOWNLOADING || status == PredownloadStatus.DOWNLOADING) && t > 0 && b > 0) {
            long elapsed = now - p.startedNanos();
            eta = Optional.of(Duration.ofNanos((long) (elapsed * ((double) (t - b) / b))));
        } else if (percent == 100) {
            eta = Optional.of(Duration.ZERO);
        }
        Optional<String> method = switch (p.planned().action()) {
            case FROM_CONTROLLER -> Optional.of("Controller");
            case FROM_IMAGE_SERVER -> Optional.of(plan.profile().mode().keyword().toUpperCase(Locale.ROOT));
            default -> Optional.empty();
        };
        return new ApImageRow(p.name(), p.primary(), p.backup(), status,
                p.needsImage() ? Optional.of(plan.targetVersion()) : Optional.empty(), p.retryShownAt(), p.retries(),
                method, p.planned().imageType(), p.planned().ap().role(), percent, eta, p.failure());
    }
}

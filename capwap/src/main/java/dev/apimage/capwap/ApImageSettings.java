package dev.apimage.capwap;

import dev.apimage.image.ImageType;
import dev.apimage.image.ImageVersion;
import dev.apimage.internal.Durations;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * What one AP's image download needs to know: who the AP is, which image type it runs, its
 * versions, and the RFC 5415 timers.
 *
 * @param apName the AP's name, for logs
 * @param imageType the image type it requests, for example {@code ap1g8}
 * @param primaryVersion the version it runs
 * @param backupVersion the version in its backup slot, if any
 * @param controllerVersion the controller's version learned at join, if known; equal to the
 *     primary version means nothing to download
 * @param vendorId the vendor id of the Image Identifier it sends
 * @param requiredSpace bytes the PRECHECK demands before requesting (the image's exact size is
 *     checked again when the controller announces it)
 * @param retransmitInterval RFC 5415 RetransmitInterval, doubled per retransmission
 * @param maxRetransmit RFC 5415 MaxRetransmit
 * @param imageDataStartTimer RFC 5415 ImageDataStartTimer: from the request to the first block,
 *     and the longest silence allowed between blocks
 * @param echoInterval how often to send an Echo Request during a download
 */
public record ApImageSettings(String apName, ImageType imageType, ImageVersion primaryVersion,
        Optional<ImageVersion> backupVersion, Optional<ImageVersion> controllerVersion, long vendorId,
        long requiredSpace, Duration retransmitInterval, int maxRetransmit, Duration imageDataStartTimer,
        Duration echoInterval) {

    /** Airespace's vendor id, the one Cisco APs put into the Image Identifier. */
    public static final long VENDOR_AIRESPACE = 14179;

    /** Checks the values. */
    public ApImageSettings {
        Objects.requireNonNull(apName, "apName");
        Objects.requireNonNull(imageType, "imageType");
        Objects.requireNonNull(primaryVersion, "primaryVersion");
        Objects.requireNonNull(backupVersion, "backupVersion");
        Objects.requireNonNull(controllerVersion, "controllerVersion");
        if (vendorId < 0 || vendorId > 0xFFFF_FFFFL) {
            throw new IllegalArgumentException("vendor id is 32 bits unsigned: " + vendorId);
        }
        if (requiredSpace < 0 || maxRetransmit < 0) {
            throw new IllegalArgumentException("requiredSpace and maxRetransmit must not be negative");
        }
        positive(retransmitInterval, "retransmitInterval");
        positive(imageDataStartTimer, "imageDataStartTimer");
        positive(echoInterval, "echoInterval");
    }

    private static void positive(Duration d, String name) {
        Durations.positive(d, name);
    }

    /**
     * Settings with RFC 5415's defaults: RetransmitInterval 3 s, MaxRetransmit 5,
     * ImageDataStartTimer 30 s, echo every 30 s, vendor id 14179, no space required up front.
     *
     * @param apName the AP's name
     * @param imageType the image type
     * @param primaryVersion the version it runs
     * @return the settings
     */
    public static ApImageSettings of(String apName, ImageType imageType, ImageVersion primaryVersion) {
        return new ApImageSettings(apName, imageType, primaryVersion, Optional.empty(), Optional.empty(),
                VENDOR_AIRESPACE, 0, Duration.ofSeconds(3), 5, Duration.ofSeconds(30), Duration.ofSeconds(30));
    }

    /**
     * With the backup version.
     *
     * @param v the version
     * @return new settings
     */
    public ApImageSettings withBackupVersion(ImageVersion v) {
        return new ApImageSettings(apName, imageType, primaryVersion, Optional.of(v), controllerVersion, vendorId,
                requiredSpace, retransmitInterval, maxRetransmit, imageDataStartTimer, echoInterval);
    }

    /**
     * With the controller's version.
     *
     * @param v the version
     * @return new settings
     */
    public ApImageSettings withControllerVersion(ImageVersion v) {
        return new ApImageSettings(apName, imageType, primaryVersion, backupVersion, Optional.of(v), vendorId,
                requiredSpace, retransmitInterval, maxRetransmit, imageDataStartTimer, echoInterval);
    }

    /**
     * With the space the PRECHECK demands.
     *
     * @param bytes the space
     * @return new settings
     */
    public ApImageSettings withRequiredSpace(long bytes) {
        return new ApImageSettings(apName, imageType, primaryVersion, backupVersion, controllerVersion, vendorId,
                bytes, retransmitInterval, maxRetransmit, imageDataStartTimer, echoInterval);
    }

    /**
     * With other timers.
     *
     * @param retransmit RetransmitInterval
     * @param maxRetransmits MaxRetransmit
     * @param dataStart ImageDataStartTimer
     * @param echo echo interval
     * @return new settings
     */
    public ApImageSettings withTimers(Duration retransmit, int maxRetransmits, Duration dataStart, Duration echo) {
        return new ApImageSettings(apName, imageType, primaryVersion, backupVersion, controllerVersion, vendorId,
                requiredSpace, retransmit, maxRetransmits, dataStart, echo);
    }
}

package dev.apimage.capwap;

import dev.apimage.capwap.wire.Octets;
import dev.apimage.image.ImageType;
import dev.apimage.image.ImageVersion;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * An AP (WTP) as it presents itself to a controller, and its CAPWAP timers (RFC 5415, 4.7 and 4.8).
 *
 * @param name the WTP Name
 * @param model the model number
 * @param serial the serial number
 * @param baseMac the base MAC address, six bytes
 * @param imageType the image type this AP runs (the name it asks images by)
 * @param primaryVersion the running version
 * @param backupVersion the version in the other partition, if any
 * @param controllerVersion the version to run when a Join Response names none (an override for controllers without Image Identifier)
 * @param vendor the vendor in its board data and descriptors (4232704 for Cisco)
 * @param imageVendor the vendor of its Image Identifiers (14179, Airespace, for Cisco APs)
 * @param discoveryInterval DiscoveryInterval (4.7.5; default 5 s): the wait for Discovery Responses
 * @param maxDiscoveries MaxDiscoveries (4.8; default 10) before Sulking
 * @param silentInterval SilentInterval (4.7.13; default 30 s): the time in Sulking
 * @param waitJoin the wait for the Join Response and for each step of Configure (WaitDTLS, 4.7.15; default 60 s)
 * @param echoInterval EchoInterval (4.7.7; default 30 s)
 * @param retransmitInterval RetransmitInterval (4.7.12; default 3 s), doubled per retransmission
 * @param maxRetransmit MaxRetransmit (4.8; default 5)
 * @param imageDataStartTimer ImageDataStartTimer (4.7.9; default 30 s)
 * @param statisticsTimer StatisticsTimer (4.7.14; default 120 s): WTP Event Requests in Run
 */
public record WtpSettings(String name, String model, String serial, Octets baseMac, ImageType imageType, ImageVersion primaryVersion,
        Optional<ImageVersion> backupVersion, Optional<ImageVersion> controllerVersion, long vendor, long imageVendor,
        Duration discoveryInterval, int maxDiscoveries, Duration silentInterval, Duration waitJoin, Duration echoInterval,
        Duration retransmitInterval, int maxRetransmit, Duration imageDataStartTimer, Duration statisticsTimer) {

    /** Checks the values. */
    public WtpSettings {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(serial, "serial");
        Objects.requireNonNull(baseMac, "baseMac");
        Objects.requireNonNull(imageType, "imageType");
        Objects.requireNonNull(primaryVersion, "primaryVersion");
        Objects.requireNonNull(backupVersion, "backupVersion");
        Objects.requireNonNull(controllerVersion, "controllerVersion");
        for (Duration d : new Duration[] {discoveryInterval, silentInterval, waitJoin, echoInterval, retransmitInterval,
            imageDataStartTimer, statisticsTimer}) {
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException("WTP timers must be positive: " + d);
            }
        }
        if (maxDiscoveries < 1 || maxRetransmit < 0) {
            throw new IllegalArgumentException("maxDiscoveries must be at least 1 and maxRetransmit not negative");
        }
    }

    /**
     * An AP with RFC 5415's timers.
     *
     * @param name the WTP Name
     * @param model the model number
     * @param imageType its image type
     * @param primary its running version
     * @return the settings
     */
    public static WtpSettings of(String name, String model, ImageType imageType, ImageVersion primary) {
        String serial = "FOC" + Integer.toHexString(Math.abs(name.hashCode())).toUpperCase(java.util.Locale.ROOT);
        byte[] mac = {0x00, 0x1b, (byte) 0xd5, (byte) name.hashCode(), (byte) (name.hashCode() >> 8), (byte) (name.hashCode() >> 16)};
        return new WtpSettings(name, model, serial, Octets.of(mac), imageType, primary, Optional.empty(), Optional.empty(), 4232704,
                ApImageSettings.VENDOR_AIRESPACE, Duration.ofSeconds(5), 10, Duration.ofSeconds(30), Duration.ofSeconds(60),
                Duration.ofSeconds(30), Duration.ofSeconds(3), 5, Duration.ofSeconds(30), Duration.ofSeconds(120));
    }

    /**
     * With a backup version.
     *
     * @param v the version in the other partition
     * @return new settings
     */
    public WtpSettings withBackupVersion(ImageVersion v) {
        return new WtpSettings(name, model, serial, baseMac, imageType, primaryVersion, Optional.of(v), controllerVersion, vendor, imageVendor,
                discoveryInterval, maxDiscoveries, silentInterval, waitJoin, echoInterval, retransmitInterval, maxRetransmit,
                imageDataStartTimer, statisticsTimer);
    }

    /**
     * After a reset into an image: that image runs, the one that ran becomes the backup.
     *
     * @param running the version now running
     * @param backup the version now in the other partition
     * @return new settings
     */
    public WtpSettings rebootedInto(ImageVersion running, Optional<ImageVersion> backup) {
        return new WtpSettings(name, model, serial, baseMac, imageType, running, backup, controllerVersion, vendor, imageVendor,
                discoveryInterval, maxDiscoveries, silentInterval, waitJoin, echoInterval, retransmitInterval, maxRetransmit,
                imageDataStartTimer, statisticsTimer);
    }

    /**
     * With a serial number and base MAC address.
     *
     * @param serialNumber the serial number
     * @param mac six bytes
     * @return new settings
     */
    public WtpSettings withIdentity(String serialNumber, Octets mac) {
        return new WtpSettings(name, model, serialNumber, mac, imageType, primaryVersion, backupVersion, controllerVersion, vendor, imageVendor,
                discoveryInterval, maxDiscoveries, silentInterval, waitJoin, echoInterval, retransmitInterval, maxRetransmit,
                imageDataStartTimer, statisticsTimer);
    }

    /**
     * With the version to run when the controller names none.
     *
     * @param v the version
     * @return new settings
     */
    public WtpSettings withControllerVersion(ImageVersion v) {
        return new WtpSettings(name, model, serial, baseMac, imageType, primaryVersion, backupVersion, Optional.of(v), vendor, imageVendor,
                discoveryInterval, maxDiscoveries, silentInterval, waitJoin, echoInterval, retransmitInterval, maxRetransmit,
                imageDataStartTimer, statisticsTimer);
    }

    /**
     * With other timers (labs shorten them).
     *
     * @param retransmit RetransmitInterval
     * @param maxRetransmits MaxRetransmit
     * @param dataStart ImageDataStartTimer
     * @param echo EchoInterval
     * @return new settings
     */
    public WtpSettings withTimers(Duration retransmit, int maxRetransmits, Duration dataStart, Duration echo) {
        return new WtpSettings(name, model, serial, baseMac, imageType, primaryVersion, backupVersion, controllerVersion, vendor, imageVendor,
                discoveryInterval, maxDiscoveries, silentInterval, waitJoin, echo, retransmit, maxRetransmits, dataStart, statisticsTimer);
    }

    /**
     * With another WaitDTLS (RFC 5415, 4.7.15): how long a DTLS handshake, the wait for the Join
     * Response and each step of Configure may take before the AP starts over with Discovery. A lab
     * that waits a bounded time for its APs to join sets it well below that wait, so that an AP
     * whose handshake went nowhere tries again within it.
     *
     * @param wait the timer, positive
     * @return new settings
     */
    public WtpSettings withWaitJoin(Duration wait) {
        return new WtpSettings(name, model, serial, baseMac, imageType, primaryVersion, backupVersion, controllerVersion, vendor, imageVendor,
                discoveryInterval, maxDiscoveries, silentInterval, wait, echoInterval, retransmitInterval, maxRetransmit, imageDataStartTimer,
                statisticsTimer);
    }
}

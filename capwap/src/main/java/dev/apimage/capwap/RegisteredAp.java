package dev.apimage.capwap;

import dev.apimage.image.ImageType;
import dev.apimage.image.ImageVersion;
import java.net.InetSocketAddress;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * One AP in the controller's registry, as it reported itself in its Join Request and since.
 *
 * @param name the WTP Name
 * @param model the model number
 * @param imageType the image type its model takes (from the model catalog), empty for an unknown model
 * @param serial the serial number
 * @param baseMac the base MAC address, when it sent one
 * @param address where its control messages come from
 * @param primaryVersion the running version
 * @param backupVersion the version in its other partition, when it has one
 * @param state its session's state
 * @param joinedAt when it joined (wall clock)
 * @param lastHeard when the controller last heard from it (wall clock)
 */
public record RegisteredAp(String name, String model, Optional<ImageType> imageType, String serial, Optional<String> baseMac,
        InetSocketAddress address, ImageVersion primaryVersion, Optional<ImageVersion> backupVersion, CapwapSessionState state,
        Instant joinedAt, Instant lastHeard) {

    /** Checks the values. */
    public RegisteredAp {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(imageType, "imageType");
        Objects.requireNonNull(serial, "serial");
        Objects.requireNonNull(baseMac, "baseMac");
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(primaryVersion, "primaryVersion");
        Objects.requireNonNull(backupVersion, "backupVersion");
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(joinedAt, "joinedAt");
        Objects.requireNonNull(lastHeard, "lastHeard");
    }
}

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

    /**
     * One line for a log or a terminal, the AP's own texts escaped.
     *
     * @return for example {@code 9105-emorenoa model C9105AXI-B type ap1g8 serial FJC2433M0XY mac 6c:41:0e:16:e7:9c from 127.0.0.1:40000 running 17.3.3.26 backup 8.10.130.0 state RUN}
     */
    public String describe() {
        return String.format("%s model %s type %s serial %s mac %s from %s:%d running %s backup %s state %s",
                dev.apimage.internal.LogText.printable(name, 64), dev.apimage.internal.LogText.printable(model, 64),
                imageType.map(ImageType::name).orElse("unknown"), dev.apimage.internal.LogText.printable(serial, 64),
                baseMac.orElse("-"), address.getAddress() == null ? address.getHostString() : address.getAddress().getHostAddress(),
                address.getPort(), primaryVersion, backupVersion.map(Object::toString).orElse("none"), state);
    }
}

package dev.apimage.upgrade;

import dev.apimage.image.ImageVersion;
import java.util.Objects;
import java.util.Optional;

/**
 * An AP joined to the controller, as the upgrade sees it.
 *
 * @param name the AP's name, for example {@code 9105-emorenoa}
 * @param model the model number it reports, for example {@code C9105AXI-E}
 * @param primaryVersion the version it runs
 * @param backupVersion the version in its backup slot, if any
 * @param role its role, for example {@code Master}
 */
public record JoinedAp(String name, String model, ImageVersion primaryVersion, Optional<ImageVersion> backupVersion, String role) {

    /** Checks the values. */
    public JoinedAp {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(primaryVersion, "primaryVersion");
        Objects.requireNonNull(backupVersion, "backupVersion");
        Objects.requireNonNull(role, "role");
        if (name.isBlank()) {
            throw new IllegalArgumentException("an AP needs a name");
        }
    }

    /**
     * An AP with a backup image and the role {@code Master}.
     *
     * @param name the name
     * @param model the model number
     * @param primary the running version
     * @param backup the backup version
     * @return the AP
     */
    public static JoinedAp of(String name, String model, String primary, String backup) {
        return new JoinedAp(name, model, ImageVersion.parse(primary), Optional.ofNullable(backup).map(ImageVersion::parse), "Master");
    }
}

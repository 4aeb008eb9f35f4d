package dev.apimage.upgrade;

import dev.apimage.image.ImageType;
import java.util.Optional;

/**
 * One AP in an {@link UpgradePlan}.
 *
 * @param ap the AP
 * @param imageType its image type from the model catalog, empty when the model is unknown
 * @param action what the upgrade does for it
 */
public record PlannedAp(JoinedAp ap, Optional<ImageType> imageType, PlanAction action) {
}

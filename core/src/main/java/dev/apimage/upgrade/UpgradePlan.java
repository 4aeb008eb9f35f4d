package dev.apimage.upgrade;

import dev.apimage.image.ApModelCatalog;
import dev.apimage.image.ImageType;
import dev.apimage.image.ImageVersion;
import dev.apimage.profile.DownloadMode;
import dev.apimage.profile.ImageDownloadProfile;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Which AP needs what, before anything moves: the APs that already match, those that take the
 * controller's own image type, those that need another type from the image server (the
 * non-homogeneous case), and the models no catalog knows.
 *
 * @param profile the image download profile
 * @param controllerImageType the image type the controller itself runs (an EWC is an AP: 9120 is {@code ap1g7})
 * @param targetVersion the version every AP should end up with
 * @param aps every joined AP, in the order given
 */
public record UpgradePlan(ImageDownloadProfile profile, ImageType controllerImageType, ImageVersion targetVersion, List<PlannedAp> aps) {

    /** The controller's refusal of desktop mode on a mixed network, word for word. */
    public static final String NON_HOMOGENEOUS_HTTP =
            "Wireless network is Non-Homogeneous. Desktop (HTTP) mode is not supported.";

    /** Copies the list. */
    public UpgradePlan {
        Objects.requireNonNull(profile, "profile");
        Objects.requireNonNull(controllerImageType, "controllerImageType");
        Objects.requireNonNull(targetVersion, "targetVersion");
        aps = List.copyOf(aps);
    }

    /**
     * Plans an upgrade.
     *
     * @param profile the image download profile
     * @param controllerImageType the controller's own image type
     * @param targetVersion the version the APs should run
     * @param joined the joined APs
     * @param catalog model number to image type
     * @return the plan
     * @throws UpgradeRefusedException when the mode cannot serve this network (desktop mode on a
     *     non-homogeneous network)
     */
    public static UpgradePlan of(ImageDownloadProfile profile, ImageType controllerImageType, ImageVersion targetVersion,
            List<JoinedAp> joined, ApModelCatalog catalog) throws UpgradeRefusedException {
        List<PlannedAp> planned = new ArrayList<>();
        for (JoinedAp ap : joined) {
            planned.add(planOne(ap, controllerImageType, targetVersion, catalog));
        }
        UpgradePlan plan = new UpgradePlan(profile, controllerImageType, targetVersion, planned);
        if (profile.mode() == DownloadMode.HTTP && !plan.homogeneous()) {
            throw new UpgradeRefusedException(NON_HOMOGENEOUS_HTTP);
        }
        return plan;
    }

    static PlannedAp planOne(JoinedAp ap, ImageType controllerImageType, ImageVersion targetVersion, ApModelCatalog catalog) {
        Optional<ImageType> type = catalog.imageTypeOf(ap.model());
        PlanAction action;
        if (type.isEmpty()) {
            action = PlanAction.NOT_SUPPORTED;
        } else if (ap.primaryVersion().equals(targetVersion)) {
            action = PlanAction.NONE;
        } else if (type.get().equals(controllerImageType)) {
            action = PlanAction.FROM_CONTROLLER;
        } else {
            action = PlanAction.FROM_IMAGE_SERVER;
        }
        return new PlannedAp(ap, type, action);
    }

    /**
     * Tells whether every supported AP runs the controller's image type.
     *
     * @return true for a homogeneous network
     */
    public boolean homogeneous() {
        return aps.stream().filter(p -> p.imageType().isPresent()).allMatch(p -> p.imageType().get().equals(controllerImageType));
    }

    /**
     * The image types to fetch from the image server, the controller's own first.
     *
     * @return the types, each once
     */
    public Set<ImageType> imageTypesToFetch() {
        Set<ImageType> types = new LinkedHashSet<>();
        types.add(controllerImageType);
        for (PlannedAp p : aps) {
            if (p.action() == PlanAction.FROM_IMAGE_SERVER) {
                types.add(p.imageType().orElseThrow());
            }
        }
        return types;
    }

    /**
     * The APs with a given action.
     *
     * @param action the action
     * @return those APs, in plan order
     */
    public List<PlannedAp> withAction(PlanAction action) {
        return aps.stream().filter(p -> p.action() == action).toList();
    }
}

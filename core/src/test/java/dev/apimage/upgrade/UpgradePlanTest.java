package dev.apimage.upgrade;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.apimage.image.ApModelCatalog;
import dev.apimage.image.ImageType;
import dev.apimage.image.ImageVersion;
import dev.apimage.profile.DownloadMode;
import dev.apimage.profile.ImageDownloadProfile;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Planning for the mixes of the field document. */
class UpgradePlanTest {

    static final ImageVersion TARGET = ImageVersion.parse("17.9.4.27");
    static final ApModelCatalog CATALOG = ApModelCatalog.defaults();

    static ImageDownloadProfile profile(DownloadMode mode) {
        ImageDownloadProfile.Builder b = ImageDownloadProfile.builder().name("default").mode(mode);
        if (mode.usesImageServer()) {
            b.server("172.16.5.27").imagePath("/EWC/17_9_4a");
            if (mode == DownloadMode.SFTP) {
                b.username("calo").password(dev.apimage.transfer.Secret.of("lab-password"));
            }
        }
        return b.build();
    }

    /** The field's network: a 9120 EWC, a 9120 AP, a 9105 and a 3800. */
    static List<JoinedAp> fieldNetwork() {
        return List.of(
                JoinedAp.of("AP6C41.0E16.E79C", "C9120AXI-E", "17.3.3.26", "8.10.130.0"),
                JoinedAp.of("9105-emorenoa", "C9105AXI-E", "17.3.3.26", "8.10.130.0"),
                JoinedAp.of("AP-POD-2-2", "AIR-AP3802I-E-K9", "17.3.3.26", "8.10.130.0"));
    }

    @Test
    void ewc9120WithA9105AndA3800IsNonHomogeneous() throws Exception {
        UpgradePlan plan = UpgradePlan.of(profile(DownloadMode.TFTP), ImageType.AP1G7, TARGET, fieldNetwork(), CATALOG);
        assertFalse(plan.homogeneous());
        assertEquals(List.of(PlanAction.FROM_CONTROLLER, PlanAction.FROM_IMAGE_SERVER, PlanAction.FROM_IMAGE_SERVER),
                plan.aps().stream().map(PlannedAp::action).toList());
        assertEquals(List.of(Optional.of(ImageType.AP1G7), Optional.of(ImageType.AP1G8), Optional.of(ImageType.AP3G3)),
                plan.aps().stream().map(PlannedAp::imageType).toList());
        assertEquals(List.of(ImageType.AP1G7, ImageType.AP1G8, ImageType.AP3G3), List.copyOf(plan.imageTypesToFetch()),
                "the controller's own type first, each type once");
    }

    @Test
    void desktopModeIsRefusedOnANonHomogeneousNetworkWithTheFieldMessage() {
        UpgradeRefusedException e = assertThrows(UpgradeRefusedException.class,
                () -> UpgradePlan.of(profile(DownloadMode.HTTP), ImageType.AP1G7, TARGET, fieldNetwork(), CATALOG));
        assertEquals("Wireless network is Non-Homogeneous. Desktop (HTTP) mode is not supported.", e.getMessage());
    }

    @Test
    void allHomogeneousNeedsNoImageServerTypeAndAcceptsDesktopModeInThePlan() throws Exception {
        List<JoinedAp> aps = List.of(JoinedAp.of("a", "C9120AXI-E", "17.3.3.26", null), JoinedAp.of("b", "C9115AXI-E", "17.3.3.26", null));
        UpgradePlan plan = UpgradePlan.of(profile(DownloadMode.HTTP), ImageType.AP1G7, TARGET, aps, CATALOG);
        assertTrue(plan.homogeneous());
        assertEquals(2, plan.withAction(PlanAction.FROM_CONTROLLER).size());
        assertEquals(List.of(ImageType.AP1G7), List.copyOf(plan.imageTypesToFetch()));
        // Running it is another matter: the SDK cannot upload from a browser.
        UpgradeRefusedException e = assertThrows(UpgradeRefusedException.class,
                () -> NetworkUpgrade.builder(plan).saveAndDownload());
        assertTrue(e.getMessage().startsWith("Desktop (HTTP) mode"), e.getMessage());
    }

    @Test
    void ccoIsAcceptedInTheProfileButTheSdkSaysClearlyItDoesNotDownloadFromTheInternet() throws Exception {
        UpgradePlan plan = UpgradePlan.of(profile(DownloadMode.CCO), ImageType.AP1G7, TARGET, fieldNetwork(), CATALOG);
        UpgradeRefusedException e = assertThrows(UpgradeRefusedException.class,
                () -> NetworkUpgrade.builder(plan).saveAndDownload());
        assertTrue(e.getMessage().contains("does not download from the internet"), e.getMessage());
    }

    @Test
    void unknownModelsAreNotSupportedAndApsAtTheTargetNeedNothing() throws Exception {
        List<JoinedAp> aps = List.of(JoinedAp.of("odd", "XYZ-1000", "17.3.3.26", null), JoinedAp.of("done", "C9105AXI-E", "17.9.4.27", null));
        UpgradePlan plan = UpgradePlan.of(profile(DownloadMode.SFTP), ImageType.AP1G7, TARGET, aps, CATALOG);
        assertEquals(List.of(PlanAction.NOT_SUPPORTED, PlanAction.NONE), plan.aps().stream().map(PlannedAp::action).toList());
        assertEquals(Optional.empty(), plan.aps().get(0).imageType());
        assertFalse(plan.homogeneous(), "image types, not versions, make a network mixed");
        assertEquals(List.of(ImageType.AP1G7), List.copyOf(plan.imageTypesToFetch()));
    }
}

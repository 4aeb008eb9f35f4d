package dev.apimage.simulator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.apimage.cache.ImageCache;
import dev.apimage.capwap.CapwapController;
import dev.apimage.capwap.JoinPolicy;
import dev.apimage.capwap.RegisteredAp;
import dev.apimage.capwap.WtpSettings;
import dev.apimage.image.ApModelCatalog;
import dev.apimage.image.ImageType;
import dev.apimage.image.ImageVersion;
import dev.apimage.profile.DownloadMode;
import dev.apimage.profile.ImageDownloadProfile;
import dev.apimage.staging.StagingArea;
import dev.apimage.testing.TestImages;
import dev.apimage.transfer.TransferOptions;
import dev.apimage.upgrade.JoinedAp;
import dev.apimage.upgrade.NetworkUpgrade;
import dev.apimage.upgrade.PredownloadStatus;
import dev.apimage.upgrade.UpgradePlan;
import dev.apimage.upgrade.UpgradeSettings;
import dev.apimage.upgrade.UpgradeSnapshot;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * "Save &amp; Download" over the control session: the upgrade takes its APs from the controller's
 * registry, the controller predownloads to each (Configuration Update, Figure 8) within the
 * upgrade's limits, and activation resets them into the image; they come back on it.
 */
class UpgradeThroughJoinsTest {

    private static final ImageVersion OLD = ImageVersion.parse("17.3.3.26");
    private static final ImageVersion TARGET = ImageVersion.parse("17.9.4.27");

    @TempDir
    Path dir;

    private final List<AutoCloseable> closing = new ArrayList<>();

    @AfterEach
    void close() throws Exception {
        for (int i = closing.size() - 1; i >= 0; i--) {
            closing.get(i).close();
        }
    }

    @Test
    void theUpgradeTakesItsApsFromTheRegistryAndActivationRebootsThem() throws Exception {
        Path server = dir.resolve("server");
        TestImages.write(java.nio.file.Files.createDirectories(server).resolve("ap1g8"), 120_000, 8);
        TestImages.write(server.resolve("ap1g7"), 90_000, 7);
        ImageCache cache = new ImageCache(StagingArea.open(dir.resolve("cache")), TransferOptions.defaults());
        closing.add(cache);
        LinkedBlockingQueue<String> joins = new LinkedBlockingQueue<>();
        CapwapController controller = CapwapController.builder().address(new InetSocketAddress("127.0.0.1", 0))
                .images(type -> cache.fetch(type, server.resolve(type.name()).toUri(), null)).joinPolicy(JoinPolicy.open(10))
                .image(14179, TARGET).imageAtJoin(false).plainUdpLab()
                .streaming(b -> b.retransmitInterval(Duration.ofMillis(300)))
                .listener(new CapwapController.Listener() {
                    @Override
                    public void onJoined(RegisteredAp ap) {
                        joins.add(ap.name() + " " + ap.primaryVersion());
                    }
                }).start();
        closing.add(controller);
        List<SimulatedWtp> aps = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            SimulatedWtp w = SimulatedWtp.start(WtpSettings.of("AP" + i, "C9105AXI-B", ImageType.AP1G8, OLD)
                    .withTimers(Duration.ofMillis(300), 5, Duration.ofSeconds(10), Duration.ofSeconds(30)),
                    StagingArea.open(dir.resolve("ap" + i)), controller.localAddress(), null);
            closing.add(w);
            aps.add(w);
        }
        for (SimulatedWtp w : aps) {
            w.runningOn(OLD).get(30, TimeUnit.SECONDS);
        }
        // The plan from what the APs said in their Join Requests, not from a list given as data.
        List<JoinedAp> joined = new ArrayList<>();
        for (RegisteredAp r : controller.registry()) {
            joined.add(JoinedAp.of(r.name(), r.model(), r.primaryVersion().toString(), r.backupVersion().map(Object::toString).orElse(null)));
        }
        assertEquals(3, joined.size());
        ImageDownloadProfile profile = ImageDownloadProfile.builder().name("lab").mode(DownloadMode.TFTP).server("localhost")
                .imagePath("/").build();
        UpgradePlan plan = UpgradePlan.of(profile, ImageType.AP1G7, TARGET, joined, ApModelCatalog.defaults());
        try (NetworkUpgrade upgrade = NetworkUpgrade.builder(plan).cache(cache).driver(controller.predownloadDriver())
                .settings(UpgradeSettings.defaults().withConcurrency(2, 16, Duration.ofMillis(50)).withRetries(0, Duration.ZERO))
                .imageLocator(type -> server.resolve(type.name()).toUri())
                .activation(new NetworkUpgrade.Activation() {
                    @Override
                    public void activate(UpgradeSnapshot s) {
                        controller.activate(ap -> true);
                    }
                }).saveAndDownload()) {
            UpgradeSnapshot end = upgrade.completion().get(60, TimeUnit.SECONDS);
            assertEquals(UpgradeSnapshot.Outcome.SUCCEEDED, end.outcome(), end.toString());
            assertTrue(end.rows().stream().allMatch(r -> r.status() == PredownloadStatus.COMPLETE), end.rows().toString());
        }
        for (SimulatedWtp w : aps) {
            assertEquals(Optional.of(OLD), w.runningOn(TARGET).get(30, TimeUnit.SECONDS).backupVersion(), "activated: running the image");
        }
        assertTrue(controller.registry().stream().allMatch(r -> r.primaryVersion().equals(TARGET)), controller.registry().toString());
    }
}

package dev.apimage.simulator;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.apimage.cache.ImageCache;
import dev.apimage.image.ApModelCatalog;
import dev.apimage.image.ImageType;
import dev.apimage.image.ImageVersion;
import dev.apimage.profile.DownloadMode;
import dev.apimage.profile.ImageDownloadProfile;
import dev.apimage.profile.ImageServer;
import dev.apimage.staging.StagingArea;
import dev.apimage.tftp.TftpServer;
import dev.apimage.transfer.TransferOptions;
import dev.apimage.upgrade.ApImageRow;
import dev.apimage.upgrade.JoinedAp;
import dev.apimage.upgrade.NetworkUpgrade;
import dev.apimage.upgrade.PredownloadStatus;
import dev.apimage.upgrade.UpgradePlan;
import dev.apimage.upgrade.UpgradeSettings;
import dev.apimage.upgrade.UpgradeSnapshot;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The orchestration driving real CAPWAP: images from a TFTP server, simulated APs over UDP. */
class SimulatedNetworkUpgradeTest {

    @TempDir
    Path dir;

    /** Gives the AP "9105-full" a staging area too small for its image, before the upgrade starts. */
    private static NetworkUpgradeFactory limited(SimulatedNetwork network) {
        network.limitStaging("9105-full", 1000);
        return new NetworkUpgradeFactory();
    }

    private static final class NetworkUpgradeFactory {
        NetworkUpgrade.Builder builder(UpgradePlan plan) {
            return NetworkUpgrade.builder(plan);
        }
    }

    @Test
    void saveAndDownloadOverTftpReachesEveryApAndAFullApFailsItsPrecheck() throws Exception {
        Path root = dir.resolve("server");
        Path bundle = SampleBundle.write(root.resolve("EWC/17_9_4a"), 1000, false);
        ImageVersion target = ImageVersion.parse("17.9.4.27");
        List<JoinedAp> aps = List.of(
                JoinedAp.of("AP6C41.0E16.E79C", "C9120AXI-E", "17.3.3.26", "8.10.130.0"),
                JoinedAp.of("9105-emorenoa", "C9105AXI-E", "17.3.3.26", "8.10.130.0"),
                JoinedAp.of("AP-POD-2-2", "AIR-AP3802I-E-K9", "17.3.3.26", "8.10.130.0"),
                JoinedAp.of("9105-full", "C9105AXI-E", "17.3.3.26", null),
                JoinedAp.of("odd", "XYZ-1000", "17.3.3.26", null));
        List<String> events = new CopyOnWriteArrayList<>();
        try (TftpServer tftp = TftpServer.builder().root(root).address(InetAddress.getLoopbackAddress()).port(0).build()) {
            InetSocketAddress t = tftp.start();
            ImageDownloadProfile profile = ImageDownloadProfile.builder().name("lab").mode(DownloadMode.TFTP)
                    .server(ImageServer.of("127.0.0.1", t.getPort())).imagePath("/EWC/17_9_4a").build();
            UpgradePlan plan = UpgradePlan.of(profile, ImageType.AP1G7, target, aps, ApModelCatalog.defaults());
            try (ImageCache cache = new ImageCache(StagingArea.open(dir.resolve("cache")), TransferOptions.defaults());
                    SimulatedNetwork network = new SimulatedNetwork(new InetSocketAddress("127.0.0.1", 0), dir.resolve("aps"), target,
                            b -> b.retransmitInterval(Duration.ofMillis(200)));
                    NetworkUpgrade upgrade = limited(network).builder(plan).cache(cache).driver(network).listener(events::add)
                            .settings(UpgradeSettings.defaults().withConcurrency(100, 16, Duration.ofMillis(50))
                                    .withRetries(1, Duration.ofMillis(100)))
                            .saveAndDownload()) {
                UpgradeSnapshot end = upgrade.completion().get(60, TimeUnit.SECONDS);
                assertEquals(UpgradeSnapshot.Outcome.FAILED, end.outcome(), end.toString());
                assertEquals(3, end.completedPredownloading());
                assertEquals(1, end.notSupported());
                assertEquals(1, end.failed());
                ApImageRow full = end.rows().stream().filter(r -> r.name().equals("9105-full")).findFirst().orElseThrow();
                assertEquals(PredownloadStatus.FAILED, full.status());
                assertEquals(1, full.retryCount());
                assertTrue(full.failure().orElseThrow().startsWith("PRECHECK failed: not enough space"), full.toString());
                assertEquals(List.of(), List.of(network.stagingOf("9105-full").toFile().list()), "no file left on the full AP");
                for (String[] ap : new String[][] {{"AP6C41.0E16.E79C", "ap1g7"}, {"9105-emorenoa", "ap1g8"}, {"AP-POD-2-2", "ap3g3"}}) {
                    assertArrayEquals(Files.readAllBytes(bundle.resolve(ap[1])), Files.readAllBytes(network.stagingOf(ap[0]).resolve(ap[1])));
                }
                assertEquals(3, tftp.stats().completed(), "one TFTP download per image type");
                assertEquals(3, events.stream().filter(e -> e.contains("AP Image Download Success")).count(), events.toString());
            }
        }
    }
}

package dev.apimage.simulator;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.apimage.cache.ImageCache;
import dev.apimage.capwap.CapwapController;
import dev.apimage.capwap.CapwapSessionState;
import dev.apimage.capwap.JoinPolicy;
import dev.apimage.capwap.RegisteredAp;
import dev.apimage.capwap.WtpSettings;
import dev.apimage.capwap.wire.ControlMessage;
import dev.apimage.capwap.wire.ResultCode;
import dev.apimage.image.ImageType;
import dev.apimage.image.ImageVersion;
import dev.apimage.staging.StagingArea;
import dev.apimage.testing.TestImages;
import dev.apimage.transfer.TransferOptions;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The firmware cases of RFC 5415 section 9.1 over real UDP on 127.0.0.1: simulated APs that
 * discover and join this SDK's controller, which learns them from their Join Requests.
 */
class CapwapSessionEndToEndTest {

    private static final ImageVersion OLD = ImageVersion.parse("17.3.3.26");
    private static final ImageVersion TARGET = ImageVersion.parse("17.9.4.27");

    @TempDir
    Path dir;

    private final List<AutoCloseable> closing = new ArrayList<>();
    private final LinkedBlockingQueue<String> reports = new LinkedBlockingQueue<>();
    private Path image;

    @AfterEach
    void close() throws Exception {
        for (int i = closing.size() - 1; i >= 0; i--) {
            closing.get(i).close();
        }
    }

    private CapwapController controller(boolean imageAtJoin) throws Exception {
        image = TestImages.write(dir.resolve("ap1g8"), 150_000, 8);
        ImageCache cache = new ImageCache(StagingArea.open(dir.resolve("cache")), TransferOptions.defaults());
        closing.add(cache);
        CapwapController c = CapwapController.builder().address(new InetSocketAddress("127.0.0.1", 0))
                .images(type -> cache.fetch(type, image.toUri(), null)).acName("EWC-9105").joinPolicy(JoinPolicy.open(10))
                .image(14179, TARGET).imageAtJoin(imageAtJoin).plainUdpLab()
                .streaming(b -> b.retransmitInterval(Duration.ofMillis(300)))
                .listener(new CapwapController.Listener() {
                    @Override
                    public void onJoined(RegisteredAp ap) {
                        reports.add("joined " + ap.name() + " " + ap.primaryVersion());
                    }

                    @Override
                    public void onAnswer(RegisteredAp ap, long requestType, ResultCode result) {
                        reports.add("answer " + requestType + " " + result.code());
                    }

                    @Override
                    public void onPredownloaded(RegisteredAp ap) {
                        reports.add("predownloaded " + ap.name() + " backup " + ap.backupVersion().orElseThrow());
                    }
                }).start();
        closing.add(c);
        return c;
    }

    private SimulatedWtp ap(CapwapController c, WtpSettings s) throws Exception {
        SimulatedWtp w = SimulatedWtp.start(s.withTimers(Duration.ofMillis(300), 5, Duration.ofSeconds(10), Duration.ofSeconds(30)),
                StagingArea.open(dir.resolve("ap-" + s.name())), c.localAddress(), null);
        closing.add(w);
        return w;
    }

    private String report() throws InterruptedException {
        String r = reports.poll(30, TimeUnit.SECONDS);
        if (r == null) {
            throw new AssertionError("no report from the controller within 30 s");
        }
        return r;
    }

    private RegisteredAp only(CapwapController c) {
        List<RegisteredAp> all = c.registry();
        assertEquals(1, all.size(), all.toString());
        return all.get(0);
    }

    private byte[] stored(String ap) throws Exception {
        try (Stream<Path> files = Files.list(dir.resolve("ap-" + ap))) {
            Path f = files.filter(p -> p.getFileName().toString().equals("ap1g8")).findFirst().orElseThrow();
            return Files.readAllBytes(f);
        }
    }

    @Test
    void figure6TheJoinNamesANewImageTheApDownloadsAndRebootsIntoIt() throws Exception {
        CapwapController c = controller(true);
        SimulatedWtp ap = ap(c, WtpSettings.of("AP6C41.0E16.E79C", "C9105AXI-B", ImageType.AP1G8, OLD));
        assertEquals("joined AP6C41.0E16.E79C 17.3.3.26", report());
        assertEquals("joined AP6C41.0E16.E79C 17.9.4.27", report(), "back through Discovery and Join on the new image");
        WtpSettings now = ap.runningOn(TARGET).get(30, TimeUnit.SECONDS);
        assertEquals(Optional.of(OLD), now.backupVersion());
        assertEquals(List.of(OLD, TARGET), ap.boots());
        RegisteredAp r = only(c);
        assertEquals(TARGET, r.primaryVersion());
        assertEquals(Optional.of(OLD), r.backupVersion(), "the registry reports what the AP said in its new Join");
        assertEquals(CapwapSessionState.RUN, r.state());
        assertArrayEquals(Files.readAllBytes(image), stored("AP6C41.0E16.E79C"), "byte-identical image");
    }

    @Test
    void figure7TheBackupIsTheControllersImageTheApResetsWithoutDownloading() throws Exception {
        CapwapController c = controller(true);
        SimulatedWtp ap = ap(c, WtpSettings.of("9105-emorenoa", "C9105AXI-B", ImageType.AP1G8, OLD).withBackupVersion(TARGET));
        assertEquals("joined 9105-emorenoa 17.3.3.26", report());
        assertEquals("joined 9105-emorenoa 17.9.4.27", report());
        WtpSettings now = ap.runningOn(TARGET).get(30, TimeUnit.SECONDS);
        assertEquals(Optional.of(OLD), now.backupVersion(), "the partitions swapped");
        assertEquals(0, c.stats().fetches(), "nothing was downloaded");
    }

    @Test
    void figure8APredownloadInRunIsKeptAsTheBackupAndAResetActivatesIt() throws Exception {
        CapwapController c = controller(false);
        SimulatedWtp ap = ap(c, WtpSettings.of("AP-POD-2-2", "C9105AXI-B", ImageType.AP1G8, OLD));
        assertEquals("joined AP-POD-2-2 17.3.3.26", report());
        ap.runningOn(OLD).get(30, TimeUnit.SECONDS);
        assertEquals(1, c.predownload(a -> true), "ordered");
        assertEquals("answer " + ControlMessage.CONFIGURATION_UPDATE_REQUEST + " 0", report());
        // The AP downloads while it runs; the controller records the image as its backup when the stream completes.
        assertEquals("predownloaded AP-POD-2-2 backup 17.9.4.27", report());
        assertEquals(Optional.of(TARGET), only(c).backupVersion());
        assertEquals(OLD, only(c).primaryVersion(), "still running the old image");
        assertEquals(1, c.activate(a -> true));
        assertEquals("answer " + ControlMessage.RESET_REQUEST + " 0", report());
        assertEquals("joined AP-POD-2-2 17.9.4.27", report(), "after the reset, the new image runs");
        assertEquals(Optional.of(OLD), ap.runningOn(TARGET).get(30, TimeUnit.SECONDS).backupVersion());
        assertArrayEquals(Files.readAllBytes(image), stored("AP-POD-2-2"));
    }
}

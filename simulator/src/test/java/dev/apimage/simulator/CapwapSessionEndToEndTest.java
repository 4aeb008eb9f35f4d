package dev.apimage.simulator;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
import dev.apimage.testing.Tshark;
import dev.apimage.transfer.TransferOptions;
import dev.apimage.upgrade.ApImageRow;
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

    /** Every datagram the controller's socket received and sent, in order, as it was on the wire. */
    private final CapwapCapture wire = new CapwapCapture(100_000);

    private CapwapController controller(boolean imageAtJoin) throws Exception {
        image = TestImages.write(dir.resolve("ap1g8"), 150_000, 8);
        ImageCache cache = new ImageCache(StagingArea.open(dir.resolve("cache")), TransferOptions.defaults());
        closing.add(cache);
        CapwapController c = CapwapController.builder().address(new InetSocketAddress("127.0.0.1", 0))
                .images(type -> cache.fetch(type, image.toUri(), null)).acName("EWC-9105").joinPolicy(JoinPolicy.open(10))
                .image(14179, TARGET).imageAtJoin(imageAtJoin).plainUdpLab()
                .streaming(b -> b.retransmitInterval(Duration.ofMillis(300)).pipelineHook(p -> p.addFirst(wire.handler())))
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
        ApImageRow row = c.apImages().get(0);
        assertEquals(List.of("AP-POD-2-2", "17.3.3.26", "17.9.4.27", "Complete", "17.9.4.27", "100"), List.of(row.name(),
                row.primaryImage().toString(), row.backupImage().orElseThrow().toString(), row.status().text(),
                row.predownloadVersion().orElseThrow().toString(), Integer.toString(row.percent())), "show ap image after the predownload");
        assertEquals(1, c.activate(a -> true));
        assertEquals("answer " + ControlMessage.RESET_REQUEST + " 0", report());
        assertEquals("joined AP-POD-2-2 17.9.4.27", report(), "after the reset, the new image runs");
        assertEquals(Optional.of(OLD), ap.runningOn(TARGET).get(30, TimeUnit.SECONDS).backupVersion());
        assertArrayEquals(Files.readAllBytes(image), stored("AP-POD-2-2"));
        ApImageRow rejoined = c.apImages().get(0);
        assertEquals(List.of("17.9.4.27", "17.3.3.26", "None"), List.of(rejoined.primaryImage().toString(),
                rejoined.backupImage().orElseThrow().toString(), rejoined.status().text()), "show ap image as the AP reported it after its reset");
    }

    @Test
    void aRealSessionReadsCleanlyInTsharkWithTheFieldsFacts() throws Exception {
        CapwapController c = controller(true);
        SimulatedWtp ap = ap(c, WtpSettings.of("AP6C41.0E16.E79C", "C9105AXI-B", ImageType.AP1G8, OLD)
                .withIdentity("FJC2433M0XY", dev.apimage.capwap.wire.Octets.hex("6c410e16e79c")));
        ap.runningOn(TARGET).get(30, TimeUnit.SECONDS); // Figure 6: discovery, join, download, reset, join again, run
        Path pcap = dir.resolve("session.pcap");
        wire.writeTo(pcap);
        List<String[]> rows = Tshark.capwap(pcap, c.localAddress().getPort(), "capwap.control.header.message_type",
                "capwap.control.message_element.wtp_board_data.wtp_model_number", "capwap.control.message_element.wtp_board_data.wtp_serial_number",
                "capwap.control.message_element.ac_name", "capwap.control.message_element.ac_information.software_version",
                "capwap.control.message_element.result_code");
        assertEquals(wire.size(), rows.size(), "every datagram decoded as CAPWAP control");
        List<String> types = new ArrayList<>();
        for (String[] f : rows) {
            String row = String.join("|", f);
            if (!types.contains(f[0])) {
                types.add(f[0]);
            }
            if (f[0].equals("3")) {
                assertEquals("C9105AXI-B", f[1], row);
                assertEquals("FJC2433M0XY", f[2], row);
            }
            if (f[0].equals("2") || f[0].equals("4")) {
                assertEquals("EWC-9105", f[3], row);
                assertEquals("17.9.4.27", f[4], row);
            }
            if (f[0].equals("4") || f[0].equals("16")) {
                assertEquals("0", f[5], "success results: " + row);
            }
        }
        // Both directions of the whole session: Discovery, Join, Image Data, and after the reset Configure and Data Check.
        for (String t : List.of("1", "2", "3", "4", "15", "16", "5", "6", "11", "12")) {
            assertTrue(types.contains(t), "message type " + t + " on the wire: " + types);
        }
    }

    @Test
    void aControllerRestartMidDownloadMakesTheApRejoinAndFinish() throws Exception {
        image = TestImages.write(dir.resolve("ap1g8"), 3_000_000, 9);
        ImageCache cache = new ImageCache(StagingArea.open(dir.resolve("cache")), TransferOptions.defaults());
        closing.add(cache);
        java.util.concurrent.CompletableFuture<Void> midway = new java.util.concurrent.CompletableFuture<>();
        CapwapController first = CapwapController.builder().address(new InetSocketAddress("127.0.0.1", 0))
                .images(type -> cache.fetch(type, image.toUri(), null)).image(14179, TARGET).plainUdpLab()
                .streaming(b -> b.retransmitInterval(Duration.ofMillis(300)).listener(new dev.apimage.capwap.CapwapImageStreamer.Listener() {
                    @Override
                    public void onProgress(InetSocketAddress ap, long bytes, long size) {
                        if (bytes > 200_000) {
                            midway.complete(null);
                        }
                    }
                })).start();
        InetSocketAddress address = first.localAddress();
        SimulatedWtp ap = SimulatedWtp.start(WtpSettings.of("AP-RESTART", "C9105AXI-B", ImageType.AP1G8, OLD)
                        .withTimers(Duration.ofMillis(300), 3, Duration.ofSeconds(3), Duration.ofSeconds(30)),
                StagingArea.open(dir.resolve("ap-AP-RESTART")), address, null);
        closing.add(ap);
        midway.get(30, TimeUnit.SECONDS);
        first.close(); // the controller goes away in the middle of the image
        CapwapController second = CapwapController.builder().address(address)
                .images(type -> cache.fetch(type, image.toUri(), null)).image(14179, TARGET).plainUdpLab()
                .streaming(b -> b.retransmitInterval(Duration.ofMillis(300))).start();
        closing.add(second);
        // ImageDataStartTimer ends the stalled download; the AP tears down, discovers and joins the new controller.
        WtpSettings now = ap.runningOn(TARGET).get(60, TimeUnit.SECONDS);
        assertEquals(Optional.of(OLD), now.backupVersion());
        assertArrayEquals(Files.readAllBytes(image), stored("AP-RESTART"), "the whole image, from the second controller");
        assertEquals(1, second.registry().size());
    }
}

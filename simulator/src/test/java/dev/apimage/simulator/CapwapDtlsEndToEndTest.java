package dev.apimage.simulator;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.apimage.cache.ImageCache;
import dev.apimage.capwap.CapwapController;
import dev.apimage.capwap.DtlsSettings;
import dev.apimage.capwap.DtlsStats;
import dev.apimage.capwap.JoinPolicy;
import dev.apimage.capwap.PskKeys;
import dev.apimage.capwap.RegisteredAp;
import dev.apimage.capwap.WtpSettings;
import dev.apimage.image.ImageType;
import dev.apimage.image.ImageVersion;
import dev.apimage.staging.StagingArea;
import dev.apimage.testing.TestImages;
import dev.apimage.transfer.Secret;
import dev.apimage.transfer.TransferOptions;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The control session inside DTLS (RFC 5415, 2.4) over real UDP on 127.0.0.1: a simulated AP with
 * a pre-shared key discovers in the clear, sets up DTLS, joins, downloads and reboots into the
 * image through a new handshake; a wrong key joins nothing and leaves nothing behind.
 */
class CapwapDtlsEndToEndTest {

    private static final ImageVersion OLD = ImageVersion.parse("17.3.3.26");
    private static final ImageVersion TARGET = ImageVersion.parse("17.9.4.27");
    private static final String KEY = "00112233445566778899aabbccddeeff";

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

    private CapwapController controller(DtlsSettings dtls) throws Exception {
        image = TestImages.write(dir.resolve("ap1g8"), 200_000, 3);
        ImageCache cache = new ImageCache(StagingArea.open(dir.resolve("cache")), TransferOptions.defaults());
        closing.add(cache);
        CapwapController c = CapwapController.builder().address(new InetSocketAddress("127.0.0.1", 0))
                .images(type -> cache.fetch(type, image.toUri(), null)).acName("EWC-9105").joinPolicy(JoinPolicy.open(10))
                .image(14179, TARGET).dtls(dtls)
                .streaming(b -> b.retransmitInterval(Duration.ofMillis(300)))
                .listener(new CapwapController.Listener() {
                    @Override
                    public void onJoined(RegisteredAp ap) {
                        reports.add("joined " + ap.name() + " " + ap.primaryVersion());
                    }
                }).start();
        closing.add(c);
        return c;
    }

    private SimulatedWtp ap(CapwapController c, String name, DtlsSettings dtls) throws Exception {
        WtpSettings s = WtpSettings.of(name, "C9105AXI-B", ImageType.AP1G8, OLD)
                .withTimers(Duration.ofMillis(300), 5, Duration.ofSeconds(10), Duration.ofSeconds(30));
        SimulatedWtp w = SimulatedWtp.start(s, StagingArea.open(dir.resolve("ap-" + name)), c.localAddress(), null, null, null, dtls);
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

    @Test
    void aPskApJoinsDownloadsAndRejoinsOnItsNewImageInsideDtls() throws Exception {
        CapwapController c = controller(DtlsSettings.psk(PskKeys.of(Map.of("AP6C41.0E16.E79C", Secret.of(KEY)))));
        SimulatedWtp ap = ap(c, "AP6C41.0E16.E79C", DtlsSettings.pskIdentity("AP6C41.0E16.E79C", Secret.of(KEY)));
        assertEquals("joined AP6C41.0E16.E79C 17.3.3.26", report());
        assertEquals("joined AP6C41.0E16.E79C 17.9.4.27", report(), "after the reset, through a new handshake");
        ap.runningOn(TARGET).get(30, TimeUnit.SECONDS);
        assertEquals(Optional.of("TLS_ECDHE_PSK_WITH_AES_128_GCM_SHA256"), ap.dtlsSuite(), "the most preferred suite both offer");
        assertArrayEquals(Files.readAllBytes(image), stored("AP6C41.0E16.E79C"), "byte-identical image through DTLS");
        DtlsStats st = c.dtlsStats().orElseThrow();
        assertEquals(1, st.established(), st.toString());
        assertTrue(st.cookiesSent() >= 2, "each handshake began with a HelloVerifyRequest: " + st);
        assertEquals(0, st.handshakesFailed(), st.toString());
    }

    @Test
    void aWrongKeyJoinsNothingAndLeavesNoSession() throws Exception {
        CapwapController c = controller(DtlsSettings.psk(PskKeys.shared(Secret.of(KEY)))
                .limits(Duration.ofSeconds(2), 8, 4, Duration.ofMinutes(1)));
        ap(c, "AP-WRONG", DtlsSettings.pskIdentity("AP-WRONG", Secret.of("ffeeddccbbaa99887766554433221100"))
                .limits(Duration.ofSeconds(2), 8, 4, Duration.ofMinutes(1)));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        DtlsStats st = c.dtlsStats().orElseThrow();
        while (st.handshakesFailed() == 0 && System.nanoTime() < deadline) {
            reports.poll(50, TimeUnit.MILLISECONDS); // nothing joins; the stats say when the handshake failed
            st = c.dtlsStats().orElseThrow();
        }
        assertTrue(st.handshakesFailed() >= 1, st.toString());
        assertEquals(0, st.established(), st.toString());
        assertTrue(c.registry().isEmpty(), "no AP joined: " + c.registry());
        assertEquals(null, reports.poll());
    }

    private byte[] stored(String ap) throws Exception {
        try (Stream<Path> files = Files.list(dir.resolve("ap-" + ap))) {
            Path f = files.filter(p -> p.getFileName().toString().equals("ap1g8")).findFirst().orElseThrow();
            return Files.readAllBytes(f);
        }
    }

    @Test
    void aControllerThatClosesTheSessionMidDownloadSendsTheApThroughDtlsTeardownAndItRejoinsAndFinishes() throws Exception {
        image = TestImages.write(dir.resolve("ap1g8"), 3_000_000, 9);
        ImageCache cache = new ImageCache(StagingArea.open(dir.resolve("cache")), TransferOptions.defaults());
        closing.add(cache);
        DtlsSettings keys = DtlsSettings.psk(PskKeys.shared(Secret.of(KEY)));
        java.util.concurrent.CompletableFuture<Void> midway = new java.util.concurrent.CompletableFuture<>();
        CapwapController first = CapwapController.builder().address(new InetSocketAddress("127.0.0.1", 0))
                .images(type -> cache.fetch(type, image.toUri(), null)).image(14179, TARGET).dtls(keys)
                .streaming(b -> b.retransmitInterval(Duration.ofMillis(300)).listener(new dev.apimage.capwap.CapwapImageStreamer.Listener() {
                    @Override
                    public void onProgress(InetSocketAddress ap, long bytes, long size) {
                        if (bytes > 200_000) {
                            midway.complete(null);
                        }
                    }
                })).start();
        InetSocketAddress address = first.localAddress();
        dev.apimage.testing.CapturedLogs.clear();
        SimulatedWtp ap = ap(first, "ap1g8-AP", DtlsSettings.pskIdentity("ap1g8-AP", Secret.of(KEY)));
        midway.get(30, TimeUnit.SECONDS);
        first.close(); // close_notify to the AP in the middle of its image
        CapwapController second = CapwapController.builder().address(address)
                .images(type -> cache.fetch(type, image.toUri(), null)).image(14179, TARGET).dtls(keys)
                .streaming(b -> b.retransmitInterval(Duration.ofMillis(300))).start();
        closing.add(second);
        assertEquals(Optional.of(OLD), ap.runningOn(TARGET).get(60, TimeUnit.SECONDS).backupVersion());
        assertArrayEquals(Files.readAllBytes(image), stored("ap1g8-AP"), "the whole image, through a new session with the second controller");
        List<String> log = dev.apimage.testing.CapturedLogs.containing("[ap1g8-AP]");
        // The field's lines, in this order, after the controller's close_notify.
        int at = 0;
        for (String line : List.of("the controller closed the DTLS session (close_notify)", "CAPWAP State: DTLS Teardown",
                "Aborting image download(0x0): Dtls cleanup, ap1g8", "Restarting CAPWAP State Machine.", "CAPWAP State: Discovery",
                "DTLS session established")) {
            int found = indexOf(log.subList(at, log.size()), line);
            assertTrue(found >= 0, "'" + line + "' after line " + at + ": " + log);
            at += found + 1;
        }
        assertEquals(0, second.dtlsStats().orElseThrow().handshakesFailed());
    }

    private static int indexOf(List<String> lines, String text) {
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).contains(text)) {
                return i;
            }
        }
        return -1;
    }
}

package dev.apimage.simulator;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.apimage.cache.ImageCache;
import dev.apimage.capwap.ApImageOutcome;
import dev.apimage.capwap.ApImageSettings;
import dev.apimage.capwap.ApStreamStatus;
import dev.apimage.capwap.CapwapImageStateMachine.State;
import dev.apimage.capwap.CapwapImageStreamer;
import dev.apimage.capwap.ImageSource;
import dev.apimage.image.ImageType;
import dev.apimage.image.ImageVersion;
import dev.apimage.profile.DownloadMode;
import dev.apimage.profile.ImageDownloadProfile;
import dev.apimage.profile.ImageServer;
import dev.apimage.staging.StagingArea;
import dev.apimage.testing.CapturedLogs;
import dev.apimage.tftp.TftpServer;
import dev.apimage.transfer.TransferOptions;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.nio.NioIoHandler;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One controller and 20 simulated APs of mixed image types over real UDP on 127.0.0.1: images
 * from the {@code file:} provider and from the TFTP provider, with and without injected loss.
 */
class CapwapEndToEndTest {

    private static final String[] TYPES = {"ap1g8", "ap3g3", "ap1g7", "ap1g6a"};
    private static final ImageVersion AP_VERSION = ImageVersion.parse("17.3.3.26");
    private static final ImageVersion CONTROLLER_VERSION = ImageVersion.parse("17.9.4.27");

    @TempDir
    Path dir;

    private final Map<String, byte[]> images = new LinkedHashMap<>();
    private EventLoopGroup io;
    private EventLoopGroup workers;
    private final List<AutoCloseable> closing = new ArrayList<>();

    @BeforeEach
    void bundle() throws IOException {
        Random r = new Random(5415);
        Path bundle = Files.createDirectories(dir.resolve("bundle"));
        int[] sizes = {150_000, 98_304, 40_001, 1}; // one multiple of 1024, one of a single byte
        for (int i = 0; i < TYPES.length; i++) {
            byte[] b = new byte[sizes[i]];
            r.nextBytes(b);
            images.put(TYPES[i], b);
            Files.write(bundle.resolve(TYPES[i]), b);
        }
        io = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
        workers = SimulatedAp.diskThreads(4, "ap-disk"); // may block: staging writes
    }

    @AfterEach
    void close() throws Exception {
        for (AutoCloseable c : closing) {
            c.close();
        }
        // The network threads first: closing a channel still runs its handlers' removal on the workers.
        io.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        workers.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    private ImageSource fileSource(ImageCache cache) {
        return type -> cache.fetch(type, dir.resolve("bundle").resolve(type.name()).toUri(), null);
    }

    /** Every status change the streamers report, for tests that wait for the controller's view. */
    private final java.util.concurrent.LinkedBlockingQueue<ApStreamStatus> streamerReports = new java.util.concurrent.LinkedBlockingQueue<>();

    private CapwapImageStreamer streamer(ImageSource source, Duration retransmit, Consumer<ChannelPipeline> hook) throws IOException {
        return streamer(source, retransmit, hook, false);
    }

    private CapwapImageStreamer streamer(ImageSource source, Duration retransmit, Consumer<ChannelPipeline> hook, boolean apSockets)
            throws IOException {
        CapwapImageStreamer s = CapwapImageStreamer.builder().address(new InetSocketAddress("127.0.0.1", 0)).images(source)
                .retransmitInterval(retransmit).maxRetransmit(8).halfOpenRetransmits(8).apSockets(apSockets)
                .maxSessionsPerAddress(1000).pipelineHook(hook) // every simulated AP is on 127.0.0.1
                .listener(new CapwapImageStreamer.Listener() {
                    @Override
                    public void onStatus(ApStreamStatus status) {
                        streamerReports.add(status);
                    }
                }).start();
        closing.add(s);
        return s;
    }

    private ImageCache cache(String name) throws IOException {
        ImageCache c = new ImageCache(StagingArea.open(dir.resolve(name)), TransferOptions.defaults());
        closing.add(c);
        return c;
    }

    private ApImageSettings ap(int i, String type) {
        return ApImageSettings.of(String.format("AP%04d", i), ImageType.of(type), AP_VERSION).withControllerVersion(CONTROLLER_VERSION)
                .withTimers(Duration.ofMillis(300), 8, Duration.ofSeconds(20), Duration.ofSeconds(1));
    }

    private List<SimulatedAp> fleet(CapwapImageStreamer controller, int count, String run, Consumer<ChannelPipeline> hook)
            throws IOException {
        List<SimulatedAp> aps = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            StagingArea staging = StagingArea.open(dir.resolve(run).resolve("ap" + i));
            SimulatedAp ap = SimulatedAp.start(ap(i, TYPES[i % TYPES.length]), staging, controller.localAddress(), io, workers,
                    null, hook);
            closing.add(ap);
            aps.add(ap);
        }
        return aps;
    }

    private void assertEveryApHoldsItsImage(List<SimulatedAp> aps, String run) throws Exception {
        CompletableFuture.allOf(aps.stream().map(SimulatedAp::outcome).toArray(CompletableFuture[]::new)).get(90, TimeUnit.SECONDS);
        for (int i = 0; i < aps.size(); i++) {
            ApImageOutcome o = aps.get(i).outcome().join();
            assertEquals(State.COMPLETE, o.state(), "AP" + i + ": " + o.reason());
            String type = TYPES[i % TYPES.length];
            Path stored = dir.resolve(run).resolve("ap" + i).resolve(type);
            assertArrayEquals(images.get(type), Files.readAllBytes(stored), "AP" + i + " " + type);
            assertEquals(List.of(type), list(dir.resolve(run).resolve("ap" + i)), "exactly the image, no temporary file");
        }
    }

    private static List<String> list(Path d) throws IOException {
        try (Stream<Path> s = Files.list(d)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void twentyApsOfMixedTypesGetByteIdenticalImagesFromTheFileProvider() throws Exception {
        CapturedLogs.clear();
        CapwapImageStreamer controller = streamer(fileSource(cache("cache")), Duration.ofMillis(200), null);
        List<SimulatedAp> aps = fleet(controller, 20, "file", null);
        assertEveryApHoldsItsImage(aps, "file");
        // The APs finish when they send their last answer; the controller's view follows when it reads it.
        List<ApStreamStatus> status = controller.status();
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (status.stream().anyMatch(st -> st.phase() != ApStreamStatus.Phase.COMPLETED)) {
            long left = end - System.nanoTime();
            if (left <= 0 || streamerReports.poll(left, TimeUnit.NANOSECONDS) == null) {
                break; // the assertion below tells what is missing
            }
            status = controller.status();
        }
        assertEquals(20, status.size());
        assertTrue(status.stream().allMatch(s -> s.phase() == ApStreamStatus.Phase.COMPLETED && s.percent() == 100), status.toString());
        // 150,000 bytes at 1024 per block: 146 full blocks and a last one of 496.
        assertTrue(CapturedLogs.lines().stream().anyMatch(l -> l.contains("150000 bytes, 147 msgs, 496 last")), "the AP's summary line");
        // 98,304 is 96 blocks exactly: the last full block carries the end-of-file mark.
        assertTrue(CapturedLogs.lines().stream().anyMatch(l -> l.contains("98304 bytes, 96 msgs, 1024 last")));
        assertEquals(0, controller.malformedDatagrams());
        assertCountersAddUp(controller, status);
    }

    /** The streamer's running totals of acknowledged blocks and bytes are the sum over its streams. */
    private static void assertCountersAddUp(CapwapImageStreamer controller, List<ApStreamStatus> status) {
        CapwapImageStreamer.Stats stats = controller.stats();
        assertEquals(status.stream().mapToLong(ApStreamStatus::messages).sum(), stats.blocksAcknowledged(), stats.toString());
        assertEquals(status.stream().mapToLong(ApStreamStatus::size).sum(), stats.bytesAcknowledged(), stats.toString());
    }

    @Test
    void twentyApsStreamingThroughSocketsOfTheirOwnGetByteIdenticalImages() throws Exception {
        assumeTrue(Epoll.isAvailable(), "per-AP sockets need the native transport");
        CapwapImageStreamer controller = streamer(fileSource(cache("cache")), Duration.ofMillis(200), null, true);
        // Twenty APs on one address and port range: the kernel must hand each AP's datagrams to its
        // own socket and nobody else's, or an AP's stream would take another's acknowledgements.
        List<SimulatedAp> aps = fleet(controller, 20, "own", null);
        assertEveryApHoldsItsImage(aps, "own");
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        CapwapImageStreamer.Stats stats = controller.stats();
        while (stats.streaming() > 0 || stats.apSockets() > 0) {
            long left = end - System.nanoTime();
            if (left <= 0 || streamerReports.poll(left, TimeUnit.NANOSECONDS) == null) {
                break; // the assertions below tell what is missing
            }
            stats = controller.stats();
        }
        assertEquals(20, stats.apSocketsOpened(), "every streaming AP got a socket of its own: " + stats);
        assertEquals(0, stats.apSockets(), "each closed when its stream ended: " + stats);
        assertEquals(0, stats.malformed());
        List<ApStreamStatus> status = controller.status();
        assertTrue(status.stream().allMatch(s -> s.phase() == ApStreamStatus.Phase.COMPLETED), status.toString());
        assertCountersAddUp(controller, status);
        controller.close(); // and once more after the test: closing twice is harmless
    }

    @Test
    void theFieldsNonRfcBlockSizeWorksWhenAskedForExplicitly() throws Exception {
        CapturedLogs.clear();
        CapwapImageStreamer controller = CapwapImageStreamer.builder().address(new InetSocketAddress("127.0.0.1", 0))
                .images(fileSource(cache("cache"))).blockSize(1377).allowNonRfcBlockSize(true).start();
        closing.add(controller);
        List<SimulatedAp> aps = fleet(controller, 4, "wide", null);
        assertEveryApHoldsItsImage(aps, "wide");
        // 150,000 bytes in 1,377-byte blocks: 108 full blocks and a last one of 1,284.
        assertTrue(CapturedLogs.lines().stream().anyMatch(l -> l.contains("150000 bytes, 109 msgs, 1284 last")));
        assertTrue(org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> CapwapImageStreamer.builder().images(fileSource(cache("c2"))).blockSize(1377).start())
                .getMessage().contains("RFC 5415 allows at most 1024 data bytes"));
    }

    @Test
    void imagesFetchedOverTftpOnceForAllApsOfAType() throws Exception {
        TftpServer tftp = TftpServer.builder().root(dir.resolve("bundle")).address(java.net.InetAddress.getLoopbackAddress())
                .port(0).build();
        InetSocketAddress tftpAddress = tftp.start();
        closing.add(tftp);
        ImageDownloadProfile profile = ImageDownloadProfile.builder().name("lab").mode(DownloadMode.TFTP)
                .server(ImageServer.of("127.0.0.1", tftpAddress.getPort())).imagePath("/").build();
        CapwapImageStreamer controller = streamer(ImageSource.fromProfile(profile, cache("cache")), Duration.ofMillis(200), null);
        List<SimulatedAp> aps = fleet(controller, 20, "tftp", null);
        assertEveryApHoldsItsImage(aps, "tftp");
        assertEquals(TYPES.length, tftp.stats().completed(), "one TFTP download per image type, not one per AP");
    }

    @Test
    void fivePercentLossOnEveryLinkStillDeliversIdenticalImages() throws Exception {
        AtomicInteger budget = new AtomicInteger(5_000);
        AtomicInteger dropped = new AtomicInteger();
        AtomicInteger seeds = new AtomicInteger(1);
        Consumer<ChannelPipeline> lossy = p -> p.addLast(new LossyLink(seeds.getAndIncrement(), 0.05, budget, dropped));
        CapwapImageStreamer controller = streamer(fileSource(cache("cache")), Duration.ofMillis(100), lossy);
        List<SimulatedAp> aps = fleet(controller, 20, "lossy", lossy);
        assertEveryApHoldsItsImage(aps, "lossy");
        assertTrue(dropped.get() > 50, "loss was injected: " + dropped.get());
        long retransmissions = controller.status().stream().mapToLong(ApStreamStatus::retransmissions).sum();
        assertTrue(retransmissions > 0, "lost blocks were sent again");
    }

    @Test
    void anApWithoutSpaceFailsItsPrecheckAndAnUnknownTypeIsRefusedWhileTheOthersComplete() throws Exception {
        CapturedLogs.clear();
        CapwapImageStreamer controller = streamer(fileSource(cache("cache")), Duration.ofMillis(200), null);
        List<SimulatedAp> good = fleet(controller, 4, "mixed", null);
        Path smallDir = dir.resolve("mixed/small");
        SimulatedAp small = SimulatedAp.start(ap(90, "ap1g8"), StagingArea.open(smallDir, 10_000), controller.localAddress(),
                io, workers, null);
        closing.add(small);
        SimulatedAp unknown = SimulatedAp.start(ap(91, "ap9zz"), StagingArea.open(dir.resolve("mixed/unknown")),
                controller.localAddress(), io, workers, null);
        closing.add(unknown);

        ApImageOutcome s = small.outcome().get(30, TimeUnit.SECONDS);
        assertEquals(State.ABORTED, s.state());
        assertTrue(s.reason().orElseThrow().startsWith("PRECHECK failed: not enough space, available 10000, required 150000"), s.toString());
        assertEquals(List.of(), list(smallDir), "the failed AP leaves no file");

        ApImageOutcome u = unknown.outcome().get(30, TimeUnit.SECONDS);
        assertEquals(State.ABORTED, u.state());
        assertEquals("controller refused the image: 16 Image Data Error (Other Error)", u.reason().orElseThrow());
        assertTrue(CapturedLogs.lines().stream().anyMatch(l -> l.contains("Failed to download file ") && l.contains("ap9zz")
                && l.contains("No such file or directory")), String.join("\n", CapturedLogs.lines()));
        assertEveryApHoldsItsImage(good, "mixed");
    }

    @Test
    void anApWhoseControllerDoesNotListenRetransmitsThenGivesUpAndLeavesNoFile() throws Exception {
        int silent;
        try (java.net.DatagramSocket s = new java.net.DatagramSocket(0, java.net.InetAddress.getLoopbackAddress())) {
            silent = s.getLocalPort(); // closed again: every request gets ICMP "port unreachable"
        }
        Path staging = dir.resolve("orphan");
        SimulatedAp ap = SimulatedAp.start(ap(92, "ap1g8").withTimers(Duration.ofMillis(50), 3, Duration.ofSeconds(20), Duration.ofSeconds(1)),
                StagingArea.open(staging), new InetSocketAddress("127.0.0.1", silent), io, workers, null);
        closing.add(ap);
        ApImageOutcome o = ap.outcome().get(10, TimeUnit.SECONDS);
        assertEquals(State.ABORTED, o.state());
        assertEquals("no Image Data Response after 4 requests (MaxRetransmit 3)", o.reason().orElseThrow());
        assertEquals(List.of(), list(staging), "nothing staged");
    }
}

package dev.apimage.simulator;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.apimage.cache.ImageCache.CachedImage;
import dev.apimage.cache.ImageCache;
import dev.apimage.capwap.ApImageOutcome;
import dev.apimage.capwap.ApImageSettings;
import dev.apimage.capwap.ApStreamStatus;
import dev.apimage.capwap.CapwapImageStateMachine.State;
import dev.apimage.capwap.CapwapImageStateMachine;
import dev.apimage.capwap.CapwapImageStreamer;
import dev.apimage.capwap.ImageSource;
import dev.apimage.capwap.wire.CapwapMessage;
import dev.apimage.capwap.wire.CapwapMessageWriter;
import dev.apimage.capwap.wire.ResultCode;
import dev.apimage.image.ImageType;
import dev.apimage.image.ImageVersion;
import dev.apimage.staging.StagingArea;
import dev.apimage.testing.CapturedLogs;
import dev.apimage.transfer.FailureReason;
import dev.apimage.transfer.TransferException;
import dev.apimage.transfer.TransferOptions;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What an unauthenticated or silent peer can cost the controller's streamer, counted through its
 * public {@link CapwapImageStreamer#stats()}, and what a cached image that changes under a stream
 * does: the AP gets an Image Data abort, the session is freed, and the restored image streams.
 */
class CapwapStreamerHardeningTest {

    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

    @TempDir
    Path dir;

    private final List<AutoCloseable> closing = new ArrayList<>();
    private final AtomicInteger fetches = new AtomicInteger();
    private EventLoopGroup io;
    private EventLoopGroup workers;

    @BeforeEach
    void setUp() {
        io = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        workers = SimulatedAp.diskThreads(1, "ap-disk"); // may block: staging writes
    }

    @AfterEach
    void tearDown() throws Exception {
        for (int i = closing.size() - 1; i >= 0; i--) {
            closing.get(i).close();
        }
        io.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        workers.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    private CapwapImageStreamer streamer(ImageSource source, java.util.function.UnaryOperator<CapwapImageStreamer.Builder> settings)
            throws IOException {
        CapwapImageStreamer s = settings.apply(CapwapImageStreamer.builder().address(new InetSocketAddress(LOOPBACK, 0)).images(source)
                .retransmitInterval(Duration.ofMillis(40))).start();
        closing.add(s);
        return s;
    }

    /** No image of any name: every fetch fails, and is counted. */
    private ImageSource nothing() {
        return type -> {
            fetches.incrementAndGet();
            return CompletableFuture.failedFuture(new TransferException(FailureReason.NOT_FOUND, "tftp://127.0.0.1/EWC/" + type));
        };
    }

    private ImageSource fromFile(Path file) throws IOException {
        ImageCache cache = new ImageCache(StagingArea.open(dir.resolve("cache")), TransferOptions.defaults());
        closing.add(cache);
        return type -> {
            fetches.incrementAndGet();
            return cache.fetch(type, file.toUri(), null);
        };
    }

    private static byte[] request(int seq, String name) {
        ByteBuf b = Unpooled.buffer(64);
        new CapwapMessageWriter().begin(b, CapwapMessage.IMAGE_DATA_REQUEST, seq).imageIdentifier(14179, name).initiateDownload().finish();
        byte[] out = new byte[b.readableBytes()];
        b.readBytes(out);
        b.release();
        return out;
    }

    private static void send(DatagramSocket s, byte[] packet, InetSocketAddress to) throws IOException {
        s.send(new DatagramPacket(packet, packet.length, to));
    }

    private static void await(BooleanSupplier condition, String what) throws InterruptedException {
        // The streamer's timers run on real time until the one-clock work lands; bounded wait, no fixed sleep.
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > end) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.onSpinWait();
        }
    }

    @Test
    void aFloodOfUnknownNamesCostsOneFetchPerNameAndRefusedRequestsKeepNoState() throws Exception {
        CapwapImageStreamer c = streamer(nothing(), b -> b.failedFetchMemory(Duration.ofMinutes(5)).maxSessionsPerAddress(10_000));
        InetSocketAddress to = c.localAddress();
        List<DatagramSocket> sockets = new ArrayList<>();
        try {
            DatagramSocket first = new DatagramSocket(0, LOOPBACK);
            sockets.add(first);
            send(first, request(1, "ap1g9"), to);
            await(() -> c.stats().refusedUnknown() + c.stats().fetches() >= 1 && fetches.get() == 1, "the first fetch");
            await(() -> c.stats().streaming() == 0, "the first fetch to fail");
            for (int i = 0; i < 2000; i++) {
                DatagramSocket s = new DatagramSocket(0, LOOPBACK);
                sockets.add(s);
                send(s, request(i & 0xFF, "ap1g9"), to);
                if (sockets.size() > 50) {
                    sockets.remove(1).close();
                }
            }
            await(() -> c.stats().refusedUnknown() == 2000, "every repeat refused: " + c.stats());
        } finally {
            sockets.forEach(DatagramSocket::close);
        }
        CapwapImageStreamer.Stats s = c.stats();
        assertEquals(1, fetches.get(), "one fetch for one name: " + s);
        assertEquals(1, s.sessions(), "only the first request made a session: " + s);
    }

    @Test
    void sessionCapsRefuseClearlyAndEndedSessionsAreFreed() throws Exception {
        Path image = Files.write(dir.resolve("ap1g8"), new byte[50_000]);
        CapwapImageStreamer c = streamer(fromFile(image),
                b -> b.maxSessions(5).maxSessionsPerAddress(3).halfOpenRetransmits(1).linger(Duration.ZERO));
        InetSocketAddress to = c.localAddress();
        List<DatagramSocket> sockets = new ArrayList<>();
        try {
            for (int i = 0; i < 10; i++) {
                DatagramSocket s = new DatagramSocket(0, LOOPBACK);
                sockets.add(s);
                send(s, request(1, "ap1g8"), to);
            }
            // A second loopback address has its own per-address budget, within the global cap.
            for (int i = 0; i < 4; i++) {
                DatagramSocket s = new DatagramSocket(0, InetAddress.getByName("127.0.0.2"));
                sockets.add(s);
                send(s, request(1, "ap1g8"), to);
            }
            await(() -> c.stats().refusedBusy() == 9, "refusals: " + c.stats());
            CapwapImageStreamer.Stats held = c.stats();
            assertEquals(5, held.sessions(), held.toString());
            // Each refused socket got an answer naming the refusal, and nothing else.
            int refusedAnswers = 0;
            for (DatagramSocket s : sockets) {
                s.setSoTimeout(200);
                DatagramPacket p = new DatagramPacket(new byte[2048], 2048);
                s.receive(p);
                CapwapMessage m = new CapwapMessage().wrap(Unpooled.wrappedBuffer(p.getData(), 0, p.getLength()), 0, p.getLength());
                if (m.messageType() == CapwapMessage.IMAGE_DATA_RESPONSE && m.resultCode() == ResultCode.IMAGE_DATA_OTHER_ERROR.code()) {
                    refusedAnswers++;
                }
            }
            assertEquals(9, refusedAnswers);
            // Silent sources: their sessions end after the half-open retransmissions and are freed.
            await(() -> c.stats().sessions() == 0, "sessions freed: " + c.stats());
        } finally {
            sockets.forEach(DatagramSocket::close);
        }
    }

    @Test
    void aSilentSourceGetsTheResponseAndAtMostTheHalfOpenBlocks() throws Exception {
        Path image = Files.write(dir.resolve("ap1g8"), new byte[50_000]);
        CapwapImageStreamer c = streamer(fromFile(image), b -> b.halfOpenRetransmits(1).linger(Duration.ZERO));
        byte[] req = request(7, "ap1g8");
        long received = 0;
        int datagrams = 0;
        try (DatagramSocket s = new DatagramSocket(0, LOOPBACK)) {
            send(s, req, c.localAddress());
            s.setSoTimeout(1000);
            while (true) {
                DatagramPacket p = new DatagramPacket(new byte[2048], 2048);
                try {
                    s.receive(p);
                } catch (SocketTimeoutException e) {
                    break;
                }
                received += p.getLength();
                datagrams++;
            }
        }
        // The response, the first block and one retransmission of it; then nothing.
        assertEquals(3, datagrams, received + " bytes");
        assertTrue(received <= 48 + 2 * (21 + 1024), received + " bytes for a " + req.length + "-byte request");
        assertEquals(0, c.stats().sessions(), c.stats().toString());
    }

    @Test
    void imageNamesFromPeersNeverReachALogOrAStatusLineRaw() throws Exception {
        CapwapImageStreamer c = streamer(nothing(), b -> b.failedFetchMemory(Duration.ZERO).maxSessionsPerAddress(10_000).linger(Duration.ofMinutes(1)));
        CapturedLogs.clear();
        List<String> sent = new ArrayList<>();
        try (DatagramSocket s = new DatagramSocket(0, LOOPBACK)) {
            org.quicktheories.QuickTheory.qt().withFixedSeed(0xCA9).withExamples(150).forAll(dev.apimage.testing.CoreGenerators.peerText())
                    .checkAssert(name -> {
                        if (name.isEmpty()) {
                            return; // an Image Identifier needs at least one byte
                        }
                        try {
                            // A fresh source port per name, so each request is a session of its own.
                            try (DatagramSocket one = new DatagramSocket(0, LOOPBACK)) {
                                send(one, request(sent.size() & 0xFF, name), c.localAddress());
                            }
                            sent.add(name);
                        } catch (IOException e) {
                            throw new AssertionError(e);
                        }
                    });
        }
        await(() -> c.stats().streaming() == 0 && c.stats().fetches() + c.stats().refusedUnknown() == sent.size(),
                "every request answered: " + c.stats());
        for (ApStreamStatus st : c.status()) {
            String line = st.imageType() + " " + st.failure().orElse("");
            assertEquals(-1, dev.apimage.testing.CoreGenerators.firstUnsafe(line), () -> "raw peer text in a status: " + line);
        }
        for (String line : CapturedLogs.lines()) {
            assertEquals(-1, dev.apimage.testing.CoreGenerators.firstUnsafe(line), () -> "raw peer text in a log line: " + line);
        }
        assertTrue(c.stats().refusedUnknown() > 50, "names that are no image type get a refusal and no session: " + c.stats());
        assertEquals(c.stats().fetches(), c.status().size(), "a session only for a name that is an image type");
    }

    /** What happens to the cached image file once 100,000 bytes have reached the AP. */
    enum Change {
        TRUNCATE, REWRITE_IN_PLACE, DELETE;

        void apply(Path f) throws IOException {
            switch (this) {
                case TRUNCATE -> {
                    try (FileChannel ch = FileChannel.open(f, StandardOpenOption.WRITE)) {
                        ch.truncate(50_000);
                    }
                }
                case REWRITE_IN_PLACE -> {
                    try (FileChannel ch = FileChannel.open(f, StandardOpenOption.WRITE)) {
                        ch.write(java.nio.ByteBuffer.allocate(4096), 0); // same inode, same size, other bytes
                    }
                    java.nio.file.Files.setLastModifiedTime(f, java.nio.file.attribute.FileTime.fromMillis(1)); // as any write moves it
                }
                case DELETE -> Files.delete(f);
            }
        }
    }

    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.EnumSource(Change.class)
    void aCachedImageThatChangesWhileStreamingAbortsTheApAndTheRestoredImageStreams(Change change) throws Exception {
        byte[] content = new byte[400_000];
        new Random(26).nextBytes(content);
        Path served = Files.write(dir.resolve("ap1g8"), content);
        ImageCache cache = new ImageCache(StagingArea.open(dir.resolve("cache")), TransferOptions.defaults());
        closing.add(cache);
        CachedImage cached = cache.fetch("ap1g8", served.toUri(), null).get(10, TimeUnit.SECONDS);
        Path cacheFile = cached.image().file();
        CapwapImageStreamer c = streamer(type -> CompletableFuture.completedFuture(cached), b -> b.linger(Duration.ZERO));
        CapturedLogs.clear();
        boolean[] truncated = {false};
        CompletableFuture<CompletableFuture<Void>> truncation = new CompletableFuture<>();
        CapwapImageStateMachine.Listener truncateMidway = new CapwapImageStateMachine.Listener() {
            @Override
            public void onProgress(long received, long total) {
                if (!truncated[0] && received > 100_000) {
                    truncated[0] = true;
                    // Off the AP's event loop, which must not touch the disk; the stream goes on meanwhile.
                    truncation.complete(CompletableFuture.runAsync(() -> {
                        try {
                            change.apply(cacheFile);
                        } catch (IOException e) {
                            throw new java.io.UncheckedIOException(e);
                        }
                    }));
                }
            }
        };
        ApImageOutcome o = ap(c, "one", truncateMidway).outcome().get(20, TimeUnit.SECONDS);
        assertTrue(truncated[0]);
        truncation.get(5, TimeUnit.SECONDS).get(5, TimeUnit.SECONDS);
        assertEquals(State.ABORTED, o.state(), o.reason().toString());
        assertTrue(o.reason().orElse("").contains("Image Data type 5"), o.reason().toString());
        await(() -> c.stats().sessions() == 0, "the session freed: " + c.stats());
        assertEquals(1, c.stats().aborted());
        assertEquals(1, CapturedLogs.containing(": image file ").size(), CapturedLogs.lines().toString());
        assertFalse(CapturedLogs.lines().stream().anyMatch(l -> l.contains("InternalError") || l.contains("Exception")),
                CapturedLogs.containing("xception").toString());

        Files.write(cacheFile, content);
        ApImageOutcome again = ap(c, "two", null).outcome().get(20, TimeUnit.SECONDS);
        assertEquals(State.COMPLETE, again.state(), again.reason().toString());
        assertArrayEquals(content, Files.readAllBytes(again.image().orElseThrow().file()));
    }

    private SimulatedAp ap(CapwapImageStreamer c, String name, CapwapImageStateMachine.Listener listener) throws IOException {
        ApImageSettings settings = ApImageSettings.of(name, ImageType.AP1G8, ImageVersion.parse("17.3.3.26"))
                .withControllerVersion(ImageVersion.parse("17.9.4.27"))
                .withTimers(Duration.ofMillis(300), 5, Duration.ofSeconds(10), Duration.ofSeconds(1));
        SimulatedAp ap = SimulatedAp.start(settings, StagingArea.open(dir.resolve("ap-" + name)), c.localAddress(), io, workers, listener);
        closing.add(ap);
        return ap;
    }
}

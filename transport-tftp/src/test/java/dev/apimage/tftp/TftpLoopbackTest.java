package dev.apimage.tftp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.apimage.tftp.TftpServer.Stats;
import dev.apimage.transfer.FailureReason;
import dev.apimage.transfer.TransferException;
import dev.apimage.transfer.TransferOptions;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Our client against our server over real UDP on 127.0.0.1. */
class TftpLoopbackTest {

    @TempDir
    Path dir;

    private TftpServer server;
    private InetSocketAddress address;
    private Path root;

    @BeforeEach
    void start() throws Exception {
        root = dir.resolve("root");
        TftpFixtures.file(root, "EWC/17_9_4a/ap1g8", 70_512);
        server = TftpServer.builder().root(root).port(0).build();
        address = server.start();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @ParameterizedTest(name = "{0} bytes at blksize {1}, windowsize {2}")
    @CsvSource({
        "0, 512, 1", "1, 512, 1", "511, 512, 1", "512, 512, 1", "513, 512, 1",
        "70512, 1468, 1", "70512, 1468, 16", "70512, 8, 64", "1048576, 65464, 4", "1468, 1468, 8", "29360, 1468, 20"})
    void downloadsByteIdentical(long size, int blksize, int window) throws Exception {
        Path src = TftpFixtures.file(root, "f" + size, size);
        TransferOptions o = TransferOptions.builder().set(TftpOptions.BLOCK_SIZE, blksize)
                .set(TftpOptions.WINDOW_SIZE, window).build();
        Path got = TftpFixtures.download(TftpFixtures.uri(address, "/f" + size), o, dir.resolve("ap"), "img");
        assertTrue(TftpFixtures.sameContent(src, got));
    }

    @Test
    void closingTheProviderEndsItsEventLoopsBeforeItReturns() throws Exception {
        // A JVM exits 300 ms late while a thread still waits in epoll_wait: the tool closes its
        // transports first, and close() must not return while a loop is still running.
        TftpTransportProvider provider = new TftpTransportProvider();
        TftpFixtures.file(root, "small", 10_000);
        long[] got = new long[1];
        try (dev.apimage.transfer.TransferSession s = provider.open(TftpFixtures.uri(address, "/small"), TransferOptions.defaults())) {
            s.start((b, o) -> got[0] += b.remaining()).get(30, java.util.concurrent.TimeUnit.SECONDS);
        }
        assertEquals(10_000, got[0]);
        io.netty.channel.EventLoopGroup loops = provider.group();
        // Keep one loop busy for a moment (spinning on the clock: BlockHound counts even
        // Thread.onSpinWait as blocking), so that it cannot have stopped by chance when close() returns.
        long[] spins = new long[1];
        loops.next().execute(() -> {
            long end = System.nanoTime() + 200_000_000L;
            while (System.nanoTime() < end) {
                spins[0]++;
            }
        });
        provider.close();
        assertTrue(loops.isTerminated(), "close() returned while an event loop still ran");
        assertTrue(spins[0] > 0, "the loop ran the busy task before it stopped");
    }

    @Test
    void servesFilePastBlockRollover() throws Exception {
        long size = 65_536L * 512 + 1000; // 65,538 blocks of 512
        Path src = TftpFixtures.file(root, "big", size);
        TransferOptions o = TransferOptions.builder().set(TftpOptions.BLOCK_SIZE, 512)
                .set(TftpOptions.WINDOW_SIZE, 32).build();
        Path got = TftpFixtures.download(TftpFixtures.uri(address, "/big"), o, dir.resolve("ap"), "big");
        assertTrue(TftpFixtures.sameContent(src, got));
        Stats s = server.stats();
        assertEquals(size, s.bytesSent());
    }

    @Test
    void theImageCacheNeverServesAStaleImageOfTheSameSizeOverTftp() throws Exception {
        // TFTP tells the size only: a same-size replacement must be downloaded, not assumed unchanged.
        java.nio.file.Path img = TftpFixtures.file(root, "EWC/17_9_4a/ap1g7", 30_000);
        try (dev.apimage.cache.ImageCache cache = new dev.apimage.cache.ImageCache(
                dev.apimage.staging.StagingArea.open(dir.resolve("cache")), TransferOptions.defaults())) {
            java.net.URI uri = TftpFixtures.uri(address, "/EWC/17_9_4a/ap1g7");
            var first = cache.fetch("ap1g7", uri, null).get(30, java.util.concurrent.TimeUnit.SECONDS);
            assertTrue(TftpFixtures.sameContent(img, first.image().file()));
            byte[] b = java.nio.file.Files.readAllBytes(img);
            b[12_345] ^= 0x7f;
            java.nio.file.Files.write(img, b);
            var second = cache.fetch("ap1g7", uri, null).get(30, java.util.concurrent.TimeUnit.SECONDS);
            assertTrue(TftpFixtures.sameContent(img, second.image().file()), "the changed file, not the cached one");
            assertEquals(dev.apimage.image.ImageDigests.of(img).md5(), second.image().digests().md5());
            // Unchanged: downloaded again (nothing else can prove it the same), and the one entry is kept.
            var third = cache.fetch("ap1g7", uri, null).get(30, java.util.concurrent.TimeUnit.SECONDS);
            assertEquals(second.image().file(), third.image().file());
            assertEquals(3, cache.stats().downloads(), cache.stats().toString());
        }
    }

    @Test
    void missingFileFailsLikeTheControllerLog() throws Exception {
        TransferException e = TftpFixtures.failure(TftpFixtures.uri(address, "/Wrong-Path/ap1g6"), TransferOptions.defaults());
        assertEquals(FailureReason.NOT_FOUND, e.reason());
        assertEquals("Failed to download file tftp://127.0.0.1:" + address.getPort()
                + "/Wrong-Path/ap1g6: No such file or directory", e.getMessage());
    }

    @Test
    void noAnswerTimesOut() throws Exception {
        int port = TftpFixtures.freeUdpPort();
        long t0 = System.nanoTime();
        TransferException e = TftpFixtures.failure(java.net.URI.create("tftp://127.0.0.1:" + port + "/EWC/17_9_4a/ap1g6"),
                TransferOptions.builder().set(TransferOptions.CONNECT_TIMEOUT, Duration.ofSeconds(2))
                        .set(TftpOptions.RETRANSMIT_INTERVAL, Duration.ofMillis(200)).build());
        assertEquals(FailureReason.TIMED_OUT, e.reason());
        assertTrue(e.getMessage().startsWith("Failed to download file tftp://127.0.0.1:" + port
                + "/EWC/17_9_4a/ap1g6: Timed out"), e.getMessage());
        assertTrue(System.nanoTime() - t0 < Duration.ofSeconds(6).toNanos());
    }
}

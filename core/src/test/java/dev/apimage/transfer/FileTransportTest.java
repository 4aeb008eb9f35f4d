package dev.apimage.transfer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.apimage.image.ImageDigests;
import dev.apimage.staging.ExpectedImage;
import dev.apimage.staging.StagedImage;
import dev.apimage.staging.StagingArea;
import dev.apimage.testing.CapturedLogs;
import dev.apimage.testing.TestImages;
import java.io.IOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileTransportTest {

    @TempDir
    Path dir;

    @Test
    void anOptionOutsideItsRuleIsATransferExceptionBeforeAnythingOpens() {
        TransferOptions bad = TransferOptions.builder()
                .set(TransferOptions.IDLE_TIMEOUT, Duration.ZERO).build();
        TransferException e = assertThrows(TransferException.class,
                () -> Transports.open(dir.resolve("nothing-here").toUri(), bad));
        assertEquals(FailureReason.INVALID_OPTION, e.reason());
        assertTrue(e.getMessage().contains("idle.timeout must be positive, not PT0S"), e.getMessage());
        TransferException size = assertThrows(TransferException.class, () -> Transports.open(dir.resolve("x").toUri(),
                TransferOptions.builder().set(dev.apimage.transfer.internal.FileTransportProvider.BLOCK_SIZE, 0).build()));
        assertEquals(FailureReason.INVALID_OPTION, size.reason());
        assertTrue(size.getMessage().contains("file.block.size must be 1 to 16777216, not 0"), size.getMessage());
        assertThrows(IllegalArgumentException.class, () -> TransferOption.inRange("x.y", 0, 1, 2),
                "a default outside the rule is refused where the option is defined");
    }

    @Test
    void fileSchemeIsDiscoveredAndUnknownSchemeNamesThePresentOnes() {
        assertTrue(Transports.schemes().contains("file"), Transports.schemes().toString());
        TransferException e = assertThrows(TransferException.class,
                () -> Transports.open(URI.create("gopher://calo@172.16.5.62/EWC/ap1g8"), TransferOptions.defaults()));
        assertEquals(FailureReason.UNSUPPORTED_PROTOCOL, e.reason());
        assertEquals("Failed to download file gopher://*****@172.16.5.62/EWC/ap1g8: Protocol not supported"
                + " (no transport provider for scheme 'gopher'; installed schemes: " + String.join(", ", Transports.schemes())
                + ")", e.getMessage());
    }

    @Test
    void streamsAFileIntoAStagedImageInOrder() throws Exception {
        Path source = dir.resolve("server/ap1g8");
        Files.createDirectories(source.getParent());
        TestImages.write(source, 1_000_003, 8);
        StagingArea area = StagingArea.open(dir.resolve("ap"));
        List<TransferProgress> reports = new CopyOnWriteArrayList<>();
        TransferSession s = Transports.open(source.toUri(), TransferOptions.builder()
                .set(TransferOptions.PROGRESS_INTERVAL, Duration.ZERO).build());
        s.addListener(reports::add);
        try (StagedImage staged = area.begin("ap1g8", -1)) {
            TransferResult r = s.start(staged).get(30, TimeUnit.SECONDS);
            ImageDigests expected = ImageDigests.of(source);
            assertEquals(1_000_003, r.bytes());
            assertEquals(expected, r.digests().orElseThrow());
            assertEquals(expected, staged.commit(ExpectedImage.of(1_000_003, expected)).digests());
        }
        assertEquals(-1, Files.mismatch(source, dir.resolve("ap/ap1g8")));
        TransferProgress last = reports.get(reports.size() - 1);
        assertEquals(1_000_003, last.bytes());
        assertEquals(Integer.valueOf(100), last.percent().orElseThrow());
        assertTrue(reports.size() > 2, "reports during the transfer");
        for (int i = 1; i < reports.size(); i++) {
            assertTrue(reports.get(i).bytes() >= reports.get(i - 1).bytes(), "monotonic");
        }
    }

    @Test
    void blocksArriveAsViewsWithAscendingOffsets() throws Exception {
        Path source = dir.resolve("ap1g7");
        TestImages.write(source, 200_000, 7);
        List<Long> offsets = new CopyOnWriteArrayList<>();
        List<Boolean> direct = new CopyOnWriteArrayList<>();
        TransferSession s = Transports.open(source.toUri(), TransferOptions.defaults());
        s.start((block, offset) -> {
            offsets.add(offset);
            direct.add(block.isDirect());
        }).get(30, TimeUnit.SECONDS);
        assertEquals(List.of(0L, 65_536L, 131_072L, 196_608L), offsets);
        assertTrue(direct.stream().allMatch(d -> d), "direct buffers, no heap copy");
    }

    @Test
    void missingFileFailsLikeTheControllerLog() throws Exception {
        URI uri = dir.resolve("Wrong-Path/ap1g6").toUri();
        TransferSession s = Transports.open(uri, TransferOptions.defaults());
        TransferException e = failure(s.start((b, o) -> { }));
        assertEquals(FailureReason.NOT_FOUND, e.reason());
        assertEquals("Failed to download file file://" + dir.resolve("Wrong-Path/ap1g6") + ": No such file or directory",
                e.getMessage());
    }

    @Test
    void resumesFromAnOffset() throws Exception {
        Path source = dir.resolve("ap3g3");
        TestImages.write(source, 300_000, 3);
        StagingArea area = StagingArea.open(dir.resolve("ap"));
        try (StagedImage staged = area.begin("ap3g3", 300_000)) {
            // First attempt: take 100,000 bytes, then the "link" fails.
            TransferSession first = Transports.open(source.toUri(), TransferOptions.defaults());
            TransferException broken = failure(first.start((b, o) -> {
                if (o >= 100_000) {
                    throw new IOException("link down");
                }
                int n = Math.min(b.remaining(), (int) (100_000 - o));
                b.limit(b.position() + n);
                staged.write(b, o);
            }));
            assertEquals(FailureReason.IO_ERROR, broken.reason());
            TransferSession resumed = Transports.open(source.toUri(),
                    TransferOptions.builder().set(TransferOptions.START_OFFSET, 100_000L).build());
            TransferResult r = resumed.start(staged).get(30, TimeUnit.SECONDS);
            assertEquals(200_000, r.bytes());
            assertTrue(r.digests().isEmpty(), "a resumed transfer has no whole-file digest");
            staged.commit(ExpectedImage.of(300_000, ImageDigests.of(source)));
        }
        assertEquals(-1, Files.mismatch(source, dir.resolve("ap/ap3g3")));
    }

    @Test
    void cancelEndsTheTransferAndTheStagedImage() throws Exception {
        Path source = dir.resolve("ap1g6a");
        TestImages.write(source, 5_000_000, 6);
        StagingArea area = StagingArea.open(dir.resolve("ap"));
        CountDownLatch firstBlock = new CountDownLatch(1);
        CountDownLatch cancelled = new CountDownLatch(1);
        TransferSession s = Transports.open(source.toUri(), TransferOptions.defaults());
        StagedImage staged = area.begin("ap1g6a", -1);
        CompletableFuture<TransferResult> f = s.start((b, o) -> {
            staged.write(b, o);
            firstBlock.countDown();
            try {
                cancelled.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        assertTrue(firstBlock.await(10, TimeUnit.SECONDS));
        s.cancel();
        cancelled.countDown();
        TransferException e = failure(f);
        assertEquals(FailureReason.CANCELLED, e.reason());
        staged.abort();
        assertFalse(Files.exists(dir.resolve("ap/ap1g6a")));
        try (var list = Files.list(dir.resolve("ap"))) {
            assertEquals(0, list.count(), "temporary file removed");
        }
    }

    @Test
    void aFullStagingAreaFailsWithNoSpaceBeforeAnyByteMoves() throws Exception {
        Path source = dir.resolve("ap1g8");
        TestImages.write(source, 70_512, 1);
        StagingArea area = StagingArea.open(dir.resolve("ap"), 50_000);
        StagedImage staged = area.begin("ap1g8", -1);
        List<Long> written = new CopyOnWriteArrayList<>();
        TransferSession s = Transports.open(source.toUri(), TransferOptions.defaults());
        TransferException e = failure(s.start(new BlockSink() {
            @Override
            public void write(ByteBuffer block, long offset) throws IOException {
                written.add(offset);
                staged.write(block, offset);
            }

            @Override
            public void expectSize(long size) throws IOException {
                staged.expectSize(size);
            }
        }));
        assertEquals(FailureReason.NO_SPACE, e.reason());
        assertTrue(e.getMessage().contains("available 50000, required 70512"), e.getMessage());
        assertEquals(List.of(), written);
        assertFalse(Files.exists(dir.resolve("ap/ap1g8")));
    }

    @Test
    void idleTimeoutEndsAStalledTransfer() throws Exception {
        Path source = dir.resolve("ap1g4");
        TestImages.write(source, 200_000, 4);
        TransferSession s = Transports.open(source.toUri(), TransferOptions.builder()
                .set(TransferOptions.IDLE_TIMEOUT, Duration.ofMillis(300)).build());
        CountDownLatch release = new CountDownLatch(1);
        long t0 = System.nanoTime();
        CompletableFuture<TransferResult> f = s.start((b, o) -> {
            try {
                release.await(5, TimeUnit.SECONDS); // a sink that hangs
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        TransferException e = failure(f);
        release.countDown();
        assertEquals(FailureReason.TIMED_OUT, e.reason());
        assertTrue(e.getMessage().startsWith("Failed to download file file://"), e.getMessage());
        assertTrue(e.getMessage().contains(": Timed out (no progress for"), e.getMessage());
        assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(4), "ended by the watchdog, not by the sink");
    }

    @Test
    void optionsAndSessionsNeverPrintThePassword() throws Exception {
        String pw = "Tr0ub4dor&3-secret";
        CapturedLogs.clear();
        TransferOptions o = TransferOptions.builder().set(TransferOptions.USERNAME, "calo")
                .set(TransferOptions.PASSWORD, Secret.of(pw)).build();
        assertFalse(o.toString().contains(pw), o.toString());
        TransferSession s = Transports.open(dir.resolve("missing").toUri(), o);
        TransferException e = failure(s.start((b, off) -> { }));
        assertFalse(e.getMessage().contains(pw));
        assertFalse(s.toString().contains(pw));
        assertTrue(CapturedLogs.lines().stream().noneMatch(l -> l.contains(pw)));
        assertTrue(CapturedLogs.lines().stream().anyMatch(l -> l.contains("transfer failed")), "debug lines are captured");
    }

    @Test
    void startTwiceIsRefused() throws Exception {
        Path source = Files.writeString(dir.resolve("f"), "x");
        TransferSession s = Transports.open(source.toUri(), TransferOptions.defaults());
        s.start((b, o) -> { }).get(10, TimeUnit.SECONDS);
        assertThrows(IllegalStateException.class, () -> s.start((b, o) -> { }));
    }

    static TransferException failure(CompletableFuture<TransferResult> f) throws Exception {
        ExecutionException e = assertThrows(ExecutionException.class, () -> f.get(30, TimeUnit.SECONDS));
        return assertInstanceOf(TransferException.class, e.getCause());
    }
}

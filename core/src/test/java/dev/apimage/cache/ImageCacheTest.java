package dev.apimage.cache;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.apimage.cache.ImageCache.CachedImage;
import dev.apimage.staging.StagingArea;
import dev.apimage.transfer.FailureReason;
import dev.apimage.transfer.TransferException;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The cache's identity, reuse, budget and restart rules, over the real {@code file:} transport. */
class ImageCacheTest {

    @TempDir
    Path dir;

    private Path serve(String name, byte[] content) throws IOException {
        Path p = Files.createDirectories(dir.resolve("server")).resolve(name);
        Files.write(p, content);
        return p;
    }

    private static byte[] bytes(String seed, int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) (seed.charAt(i % seed.length()) + i / 997);
        }
        return b;
    }

    private static CachedImage get(ImageCache cache, String name, Path file) throws Exception {
        return cache.fetch(name, file.toUri(), null).get(10, TimeUnit.SECONDS);
    }

    private long filesIn(Path cacheDir) throws IOException {
        try (Stream<Path> s = Files.list(cacheDir)) {
            return s.filter(p -> !p.getFileName().toString().endsWith(".entry")).count();
        }
    }

    @Test
    void theSourceIgnoresPasswordsCaseAndDefaultPortsButKeepsTheUser() {
        assertEquals("sftp://calo@172.16.5.62:22/Documents/sftp_files/ap3g3",
                ImageCache.sourceOf(URI.create("sftp://calo:secret@172.16.5.62/Documents//sftp_files/./ap3g3")));
        assertEquals(ImageCache.sourceOf(URI.create("TFTP://Server.Example/EWC/ap1g8")),
                ImageCache.sourceOf(URI.create("tftp://server.example:69/EWC/x/../ap1g8")));
        assertNotEquals(ImageCache.sourceOf(URI.create("sftp://a@h/p/ap1g8")), ImageCache.sourceOf(URI.create("sftp://b@h/p/ap1g8")));
        assertNotEquals(ImageCache.sourceOf(URI.create("tftp://h1/p/ap1g8")), ImageCache.sourceOf(URI.create("tftp://h2/p/ap1g8")));
        assertFalse(ImageCache.sourceOf(URI.create("sftp://calo:secret@h/p")).contains("secret"));
    }

    @Test
    void twoSourcesWithOneNameAreTwoEntries() throws Exception {
        Path a = serve("a-ap1g8", bytes("first", 5000));
        Path b = serve("b-ap1g8", bytes("second", 6000));
        try (ImageCache cache = new ImageCache(StagingArea.open(dir.resolve("cache")), dev.apimage.transfer.TransferOptions.defaults())) {
            CachedImage fromA = get(cache, "ap1g8", a);
            CachedImage fromB = get(cache, "ap1g8", b);
            assertArrayEquals(Files.readAllBytes(a), Files.readAllBytes(fromA.image().file()));
            assertArrayEquals(Files.readAllBytes(b), Files.readAllBytes(fromB.image().file()));
            assertNotEquals(fromA.image().digests().md5(), fromB.image().digests().md5(), "Image Information's MD5 follows the file");
            assertEquals(2, cache.stats().entries());
        }
    }

    @Test
    void concurrentFetchesShareOneDownloadAndAnUnchangedFileIsNotDownloadedAgain() throws Exception {
        Path a = serve("ap1g8", bytes("image", 200_000));
        try (ImageCache cache = new ImageCache(StagingArea.open(dir.resolve("cache")), dev.apimage.transfer.TransferOptions.defaults())) {
            CompletableFuture<CachedImage> f1 = cache.fetch("ap1g8", a.toUri(), null);
            CompletableFuture<CachedImage> f2 = cache.fetch("ap1g8", a.toUri(), null);
            assertEquals(f1.get(10, TimeUnit.SECONDS).image().file(), f2.get(10, TimeUnit.SECONDS).image().file());
            CachedImage again = get(cache, "ap1g8", a);
            assertEquals(f1.get().image().file(), again.image().file());
            ImageCache.Stats s = cache.stats();
            assertEquals(1, s.downloads(), s.toString());
            assertEquals(2, s.reused(), s.toString());
            assertEquals(1, s.entries());
            assertEquals(1, s.held());
        }
    }

    @Test
    void aReplacedEntryStaysWhileHeldAndGoesWhenReleased() throws Exception {
        Path a = serve("ap1g8", bytes("old", 4000));
        Path cacheDir = dir.resolve("cache");
        try (ImageCache cache = new ImageCache(StagingArea.open(cacheDir), dev.apimage.transfer.TransferOptions.defaults())) {
            CachedImage old = get(cache, "ap1g8", a);
            byte[] content = Files.readAllBytes(old.image().file());
            Files.write(a, bytes("new", 4100));
            CachedImage fresh = get(cache, "ap1g8", a);
            assertArrayEquals(Files.readAllBytes(a), Files.readAllBytes(fresh.image().file()));
            assertArrayEquals(content, Files.readAllBytes(old.image().file()), "a running upgrade keeps streaming the image it has");
            assertEquals(2, cache.stats().entries());
            cache.release(old);
            awaitEntries(cache, 1);
            assertFalse(Files.exists(old.image().file()));
            assertTrue(Files.exists(fresh.image().file()));
        }
    }

    @Test
    void theBudgetEvictsLeastRecentlyUsedIdleEntriesButNeverOneBeingStreamed() throws Exception {
        Path a = serve("ap1g4", bytes("a", 40_000));
        Path b = serve("ap1g5", bytes("b", 40_000));
        Path c = serve("ap1g6", bytes("c", 40_000));
        Path d = serve("ap1g7", bytes("d", 40_000));
        Path cacheDir = dir.resolve("cache");
        try (ImageCache cache = ImageCache.builder(StagingArea.open(cacheDir)).budgetBytes(100_000).build()) {
            CachedImage streaming = get(cache, "ap1g4", a); // held: another upgrade streams from it
            CachedImage idle = get(cache, "ap1g5", b);
            cache.release(idle);
            CachedImage third = get(cache, "ap1g6", c);
            assertFalse(Files.exists(idle.image().file()), "the idle entry made room");
            assertTrue(Files.exists(streaming.image().file()), "the held entry was not touched");
            assertArrayEquals(Files.readAllBytes(a), Files.readAllBytes(streaming.image().file()));
            assertTrue(cache.stats().bytes() <= 100_000, cache.stats().toString());
            // Both entries held: a fourth does not fit, and says so.
            ExecutionException e = assertThrows(ExecutionException.class, () -> get(cache, "ap1g7", d));
            TransferException te = (TransferException) e.getCause();
            assertEquals(FailureReason.NO_SPACE, te.reason());
            assertTrue(te.getMessage().contains("budget of 100000 bytes"), te.getMessage());
            assertEquals(2, filesIn(cacheDir), "the refused fetch left nothing behind");
            cache.release(third);
            CachedImage fourth = get(cache, "ap1g7", d);
            assertArrayEquals(Files.readAllBytes(d), Files.readAllBytes(fourth.image().file()));
            assertFalse(Files.exists(third.image().file()));
        }
    }

    @Test
    void entriesOfAnEarlierProcessAreVerifiedBeforeReuse() throws Exception {
        Path a = serve("ap1g8", bytes("image", 50_000));
        Files.setLastModifiedTime(a, FileTime.from(Instant.parse("2024-02-01T17:05:37Z")));
        Path cacheDir = dir.resolve("cache");
        Path kept;
        try (ImageCache cache = new ImageCache(StagingArea.open(cacheDir), dev.apimage.transfer.TransferOptions.defaults())) {
            kept = get(cache, "ap1g8", a).image().file();
        }
        try (ImageCache cache = new ImageCache(StagingArea.open(cacheDir), dev.apimage.transfer.TransferOptions.defaults())) {
            assertEquals(1, cache.stats().entries(), "taken back from disk");
            assertEquals(kept, get(cache, "ap1g8", a).image().file(), "an intact entry is reused after a restart");
            assertEquals(0, cache.stats().downloads());
        }
        // Corrupt the kept file (same size): the next process must notice and fetch again.
        byte[] bad = Files.readAllBytes(kept);
        bad[100] ^= 0x55;
        Files.write(kept, bad);
        try (ImageCache cache = new ImageCache(StagingArea.open(cacheDir), dev.apimage.transfer.TransferOptions.defaults())) {
            CachedImage got = get(cache, "ap1g8", a);
            assertArrayEquals(Files.readAllBytes(a), Files.readAllBytes(got.image().file()));
            assertEquals(1, cache.stats().downloads());
            assertFalse(Files.exists(kept), "the corrupt entry is gone");
        }
        // An image without its description (a crash between the two renames) is removed at open.
        Path orphan = cacheDir.resolve("ap1g8-0123456789ab-0123456789abcdef");
        Files.write(orphan, bytes("orphan", 10));
        try (ImageCache cache = new ImageCache(StagingArea.open(cacheDir), dev.apimage.transfer.TransferOptions.defaults())) {
            assertFalse(Files.exists(orphan));
            assertEquals(1, cache.stats().entries());
        }
    }

    @Test
    void aFailedFetchIsForgottenSoTheRetryFetchesAgain() throws Exception {
        Path missing = dir.resolve("server/ap1g8");
        try (ImageCache cache = new ImageCache(StagingArea.open(dir.resolve("cache")), dev.apimage.transfer.TransferOptions.defaults())) {
            ExecutionException e = assertThrows(ExecutionException.class, () -> get(cache, "ap1g8", missing));
            assertEquals(FailureReason.NOT_FOUND, ((TransferException) e.getCause()).reason());
            serve("ap1g8", bytes("late", 3000));
            assertArrayEquals(Files.readAllBytes(missing), Files.readAllBytes(get(cache, "ap1g8", missing).image().file()));
            assertEquals(1, filesIn(dir.resolve("cache")), "one image, no leftovers of the failed fetch");
        }
    }

    @Test
    void aFetchAfterCloseFailsClearly() throws Exception {
        Path a = serve("ap1g8", bytes("x", 100));
        ImageCache cache = new ImageCache(StagingArea.open(dir.resolve("cache")), dev.apimage.transfer.TransferOptions.defaults());
        cache.close();
        ExecutionException e = assertThrows(ExecutionException.class, () -> get(cache, "ap1g8", a));
        TransferException te = (TransferException) e.getCause();
        assertEquals(FailureReason.CANCELLED, te.reason());
        assertTrue(te.getMessage().contains("the image cache is closed"), te.getMessage());
    }

    private static void awaitEntries(ImageCache cache, int n) throws InterruptedException {
        // Deletion runs on the cache's thread; the entry count drops at once, the file soon after.
        assertEquals(n, cache.stats().entries());
        CompletableFuture<Void> drained = new CompletableFuture<>();
        // A fetch starts on that same thread, so its end comes after the deletion.
        cache.fetch("x", URI.create("file:///nonexistent-" + System.nanoTime()), null).whenComplete((ok, f) -> drained.complete(null));
        try {
            drained.get(10, TimeUnit.SECONDS);
        } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new AssertionError(e);
        }
    }
}

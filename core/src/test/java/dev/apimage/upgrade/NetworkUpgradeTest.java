package dev.apimage.upgrade;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.apimage.cache.ImageCache.CachedImage;
import dev.apimage.cache.ImageCache;
import dev.apimage.image.ImageType;
import dev.apimage.image.ImageVersion;
import dev.apimage.profile.DownloadMode;
import dev.apimage.profile.ImageDownloadProfile;
import dev.apimage.staging.StagingArea;
import dev.apimage.time.VirtualClock;
import dev.apimage.transfer.TransferOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The orchestration end to end: images fetched through the real {@code file:} transport into the
 * cache, predownloads through a driver whose per-AP results the test decides step by step, and
 * the counters, rows, retries and log lines after each step.
 */
class NetworkUpgradeTest {

    private static final Instant NOW = Instant.parse("2024-02-01T17:05:37Z");
    private static final ImageVersion TARGET = UpgradePlanTest.TARGET;

    @TempDir
    Path dir;

    private Path server;
    private ImageCache cache;
    private final List<String> events = new CopyOnWriteArrayList<>();
    private final LinkedBlockingQueue<Started> started = new LinkedBlockingQueue<>();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicInteger maxInFlight = new AtomicInteger();
    private final Map<String, Path> delivered = new ConcurrentHashMap<>();
    private NetworkUpgrade upgrade;
    /** The upgrade's clock: batches and retries happen when the test moves it. */
    private final VirtualClock clock = new VirtualClock();
    /** One entry per report from the upgrade, for {@link #await}. */
    private final LinkedBlockingQueue<Object> changes = new LinkedBlockingQueue<>();
    private final NetworkUpgrade.Listener listener = new NetworkUpgrade.Listener() {
        @Override
        public void onEvent(String line) {
            events.add(line);
            changes.add(line);
        }

        @Override
        public void onApStatus(ApImageRow row) {
            changes.add(row);
        }
    };

    /** One AP's predownload, waiting for the test to say how it ends. */
    private record Started(PlannedAp ap, CachedImage image, PredownloadDriver.Listener progress, CompletableFuture<Void> result) {
        String name() {
            return ap.ap().name();
        }
    }

    /**
     * An AP's result that leaves the in-flight count before anyone hears of its end: callbacks run
     * newest first, so the upgrade's own would start the next AP before a callback of ours counted.
     */
    private final class InFlight extends CompletableFuture<Void> {
        private final java.util.concurrent.atomic.AtomicBoolean ended = new java.util.concurrent.atomic.AtomicBoolean();

        private void end() {
            if (ended.compareAndSet(false, true)) {
                inFlight.decrementAndGet();
            }
        }

        @Override
        public boolean complete(Void value) {
            end();
            return super.complete(value);
        }

        @Override
        public boolean completeExceptionally(Throwable failure) {
            end();
            return super.completeExceptionally(failure);
        }

        @Override
        public boolean cancel(boolean interrupt) {
            end();
            return super.cancel(interrupt);
        }
    }

    /** Delivers for real (copies the cached file to the AP's directory) when the test says so. */
    private final PredownloadDriver driver = (ap, image, progress) -> {
        CompletableFuture<Void> result = new InFlight();
        maxInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
        started.add(new Started(ap, image, progress, result));
        return result;
    };

    @BeforeEach
    void setUp() throws IOException {
        server = Files.createDirectories(dir.resolve("server/EWC/17_9_4a"));
        for (String t : new String[] {"ap1g7", "ap1g8", "ap3g3"}) {
            Files.write(server.resolve(t), (t + " image").repeat(1000).getBytes());
        }
        cache = new ImageCache(StagingArea.open(dir.resolve("cache")), TransferOptions.defaults());
    }

    @AfterEach
    void tearDown() {
        if (upgrade != null) {
            upgrade.close();
        }
        cache.close();
    }

    private void deliver(Started s) {
        try {
            Path to = Files.createDirectories(dir.resolve("aps").resolve(s.name())).resolve(s.ap().imageType().orElseThrow().name());
            Files.copy(s.image().image().file(), to);
            delivered.put(s.name(), to);
            s.progress().onProgress(s.image().image().size(), s.image().image().size());
            s.result().complete(null);
        } catch (IOException e) {
            s.result().completeExceptionally(e);
        }
    }

    private Started next() throws InterruptedException {
        Started s = started.poll(10, TimeUnit.SECONDS);
        if (s == null) {
            throw new AssertionError("no predownload started within 10 s: " + (upgrade == null ? "" : upgrade.snapshot()));
        }
        return s;
    }

    /**
     * Moves the upgrade's clock once the upgrade's thread has handled everything queued so far (a
     * snapshot runs after it), so that it has set its timer for the deadline being stepped over.
     */
    private void advance(Duration d) {
        upgrade.snapshot();
        clock.advance(d);
    }

    /** Waits for the upgrade's own reports (status changes, events) until the condition holds; never sleeps. */
    private void await(BooleanSupplier condition, String what) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            long left = end - System.nanoTime();
            if (left <= 0 || changes.poll(left, TimeUnit.NANOSECONDS) == null) {
                throw new AssertionError("timed out waiting for " + what);
            }
        }
    }

    private ApImageRow row(String name) {
        return upgrade.snapshot().rows().stream().filter(r -> r.name().equals(name)).findFirst().orElseThrow();
    }

    private UpgradeSettings settings() {
        return UpgradeSettings.defaults().withConcurrency(100, 16, Duration.ofMillis(50)).withRetries(0, Duration.ZERO);
    }

    private UpgradePlan plan(List<JoinedAp> aps, String path, boolean parallel) throws UpgradeRefusedException {
        ImageDownloadProfile p = ImageDownloadProfile.builder().name("lab").mode(DownloadMode.TFTP).server("localhost")
                .imagePath(path).parallelMode(parallel).build();
        return UpgradePlan.of(p, ImageType.AP1G7, TARGET, aps, UpgradePlanTest.CATALOG);
    }

    /** The file transport plays the image server: same paths under a local directory. */
    private NetworkUpgrade.Builder builder(UpgradePlan plan, UpgradeSettings settings) {
        return NetworkUpgrade.builder(plan).cache(cache).driver(driver).settings(settings).listener(listener).clock(clock)
                .imageLocator(type -> dir.resolve("server" + plan.profile().imagePath().orElseThrow()).resolve(type.name()).toUri());
    }

    private String uri(String path, String type) {
        return dir.resolve("server" + path).resolve(type).toUri().toString();
    }

    @Test
    void fieldNetworkCompletesEveryApStepByStepWithCountersAndLogLines() throws Exception {
        List<JoinedAp> aps = new ArrayList<>(UpgradePlanTest.fieldNetwork());
        aps.add(JoinedAp.of("unknown-model", "XYZ-1000", "17.3.3.26", null));
        aps.add(JoinedAp.of("already-there", "C9105AXI-E", "17.9.4.27", "17.3.3.26"));
        UpgradePlan plan = plan(aps, "/EWC/17_9_4a", false);
        upgrade = builder(plan, settings()).saveAndDownload();

        // Controller image first, then the AP images; as each arrives its APs start.
        Map<String, Started> byName = new ConcurrentHashMap<>();
        for (int i = 0; i < 3; i++) {
            Started s = next();
            byName.put(s.name(), s);
        }
        await(() -> upgrade.snapshot().predownloading() == 3, "three predownloading");
        UpgradeSnapshot s = upgrade.snapshot();
        assertEquals(UpgradePhase.NETWORK_UPGRADE, s.phase());
        assertEquals(5, s.total());
        assertEquals(1, s.notSupported());
        assertEquals(0, s.completedPredownloading());
        assertTrue(s.inProgress());
        assertEquals(PredownloadStatus.NONE, row("already-there").status());
        assertEquals("Controller", row("AP6C41.0E16.E79C").method().orElseThrow());
        assertEquals("TFTP", row("9105-emorenoa").method().orElseThrow());

        byName.get("9105-emorenoa").progress().onProgress(3000, 11000);
        assertEquals(27, row("9105-emorenoa").percent());
        assertTrue(row("9105-emorenoa").eta().isPresent());

        deliver(byName.get("9105-emorenoa"));
        await(() -> upgrade.snapshot().completedPredownloading() == 1, "one complete");
        assertEquals(PredownloadStatus.COMPLETE, row("9105-emorenoa").status());
        assertEquals(TARGET, row("9105-emorenoa").backupImage().orElseThrow(), "the target is now the backup image");
        assertEquals(2, upgrade.snapshot().predownloading());

        deliver(byName.get("AP-POD-2-2"));
        deliver(byName.get("AP6C41.0E16.E79C"));
        UpgradeSnapshot end = upgrade.completion().get(10, TimeUnit.SECONDS);
        assertEquals(UpgradeSnapshot.Outcome.SUCCEEDED, end.outcome());
        assertEquals(UpgradePhase.RELOAD, end.phase());
        assertEquals(3, end.completedPredownloading());
        assertFalse(end.inProgress());
        String path = "/EWC/17_9_4a";
        assertEquals(List.of(
                "%INSTALL-5-INSTALL_START_INFO: Started install add " + uri(path, "ap1g7"),
                "%INSTALL-5-INSTALL_COMPLETED_INFO: Completed install add " + uri(path, "ap1g7"),
                "%INSTALL-5-INSTALL_START_INFO: Started install add " + uri(path, "ap1g8"),
                "%INSTALL-5-INSTALL_COMPLETED_INFO: Completed install add " + uri(path, "ap1g8"),
                "%INSTALL-5-INSTALL_START_INFO: Started install add " + uri(path, "ap3g3"),
                "%INSTALL-5-INSTALL_COMPLETED_INFO: Completed install add " + uri(path, "ap3g3")),
                events.stream().filter(e -> e.startsWith("%INSTALL")).toList(), "sequential: one type after the other");
        assertEquals(3, events.stream().filter(e -> e.contains("AP Event: AP Image Download Success")).count());
        for (String t : new String[] {"ap1g8", "ap3g3", "ap1g7"}) {
            assertEquals(1, Files.list(dir.resolve("cache")).filter(p -> p.getFileName().toString().matches(t + "-[0-9a-f]{12}-[0-9a-f]{16}")).count(),
                    "one cached copy of " + t);
        }
    }

    @Test
    void aWrongPathFailsEveryApWithTheControllersLineAndRetriesAsConfigured() throws Exception {
        Clock fixed = Clock.fixed(NOW, ZoneOffset.UTC);
        // Backoff of an hour: the retries start when the test says, not when a real timer fires.
        UpgradeSettings settings = new UpgradeSettings(100, 16, Duration.ofMillis(20), 2, Duration.ofHours(1), fixed);
        UpgradePlan plan = plan(UpgradePlanTest.fieldNetwork(), "/Wrong-Path", false);
        upgrade = builder(plan, settings).saveAndDownload();
        await(() -> row("9105-emorenoa").retryCount() == 1 && row("AP-POD-2-2").retryCount() == 1, "first failures");
        ApImageRow r = row("9105-emorenoa");
        assertEquals(PredownloadStatus.FAILED, r.status());
        assertEquals(NOW.plus(Duration.ofHours(1)), r.nextRetryTime().orElseThrow(), "first retry after the configured backoff");
        assertEquals("Failed to download file " + uri("/Wrong-Path", "ap1g8") + ": No such file or directory", r.failure().orElseThrow());
        advance(Duration.ofHours(1)); // the first backoff is over
        await(() -> row("9105-emorenoa").retryCount() == 2 && row("AP-POD-2-2").retryCount() == 2
                && row("AP6C41.0E16.E79C").retryCount() == 2, "second failures");
        assertEquals(NOW.plus(Duration.ofHours(2)), row("9105-emorenoa").nextRetryTime().orElseThrow(), "the backoff doubles");
        advance(Duration.ofHours(2)); // and the second, doubled
        UpgradeSnapshot end = upgrade.completion().get(10, TimeUnit.SECONDS);
        assertEquals(UpgradeSnapshot.Outcome.FAILED, end.outcome());
        assertEquals(3, end.failed());
        assertFalse(end.inProgress());
        assertTrue(end.rows().stream().allMatch(x -> x.retryCount() == 2 && x.nextRetryTime().isEmpty()), end.rows().toString());
        assertTrue(events.contains("%INSTALL-3-OPERATION_ERROR_MESSAGE: Failed to install_add package " + uri("/Wrong-Path", "ap1g7")
                + ", Error: Failed to download file " + uri("/Wrong-Path", "ap1g7") + ": No such file or directory"), events.toString());
        assertEquals(3, events.stream().filter(e -> e.contains("AP Event: AP Image Download Failed")).count());
        assertEquals(0, started.size(), "no AP was sent anything");
        assertTrue(dev.apimage.testing.CapturedLogs.lines().stream().anyMatch(l -> l.contains("%INSTALL-3-OPERATION_ERROR_MESSAGE: Failed to install_add package")),
                "the same lines go to SLF4J");
    }

    @Test
    void perApFailuresTimeoutAndIntegrityAreRetriedAndNeverStopTheOthers() throws Exception {
        Clock fixed = Clock.fixed(NOW, ZoneOffset.UTC);
        // Backoff of an hour: the test starts the retries itself, after it has read the rows.
        UpgradeSettings settings = new UpgradeSettings(100, 16, Duration.ofMillis(20), 1, Duration.ofHours(1), fixed);
        upgrade = builder(plan(UpgradePlanTest.fieldNetwork(), "/EWC/17_9_4a", true), settings).saveAndDownload();
        Map<String, Started> first = new ConcurrentHashMap<>();
        for (int i = 0; i < 3; i++) {
            Started s = next();
            first.put(s.name(), s);
        }
        first.get("9105-emorenoa").result().completeExceptionally(new java.util.concurrent.TimeoutException("Timed out"));
        first.get("AP-POD-2-2").result().completeExceptionally(new IOException("image verify failed: MD5 differs"));
        deliver(first.get("AP6C41.0E16.E79C"));
        await(() -> row("9105-emorenoa").retryCount() == 1 && row("AP-POD-2-2").retryCount() == 1
                && row("AP6C41.0E16.E79C").status() == PredownloadStatus.COMPLETE, "two failures, one success");
        assertEquals("Timed out", row("9105-emorenoa").failure().orElseThrow());
        assertEquals(NOW.plus(Duration.ofHours(1)), row("AP-POD-2-2").nextRetryTime().orElseThrow());
        assertEquals(0, started.size(), "nothing retries before its backoff");
        advance(Duration.ofHours(1)); // the backoff is over
        // The retries: the 9105 succeeds, the 3800 fails again and is out of retries.
        Map<String, Started> second = new ConcurrentHashMap<>();
        for (int i = 0; i < 2; i++) {
            Started s = next();
            second.put(s.name(), s);
        }
        deliver(second.get("9105-emorenoa"));
        second.get("AP-POD-2-2").result().completeExceptionally(new IOException("image verify failed: MD5 differs"));
        UpgradeSnapshot end = upgrade.completion().get(10, TimeUnit.SECONDS);
        assertEquals(UpgradeSnapshot.Outcome.FAILED, end.outcome());
        assertEquals(2, end.completedPredownloading());
        assertEquals(1, end.failed());
        assertEquals(UpgradePhase.NETWORK_UPGRADE, end.phase(), "no activation while an AP lacks the image");
        ApImageRow failed = end.rows().stream().filter(x -> x.name().equals("AP-POD-2-2")).findFirst().orElseThrow();
        assertEquals(1, failed.retryCount());
        assertEquals("image verify failed: MD5 differs", failed.failure().orElseThrow());
        assertTrue(events.stream().anyMatch(e -> e.equals(
                "%CAPWAPAC_SMGR_TRACE_MESSAGE-5-AP_JOIN_DISJOIN: AP Event: AP Image Download Failed (AP AP-POD-2-2): image verify failed: MD5 differs")));
        assertTrue(events.indexOf("%INSTALL-5-INSTALL_START_INFO: Started install add " + uri("/EWC/17_9_4a", "ap1g8"))
                < events.indexOf("%INSTALL-5-INSTALL_COMPLETED_INFO: Completed install add " + uri("/EWC/17_9_4a", "ap1g7")),
                "parallel mode: the AP images start before the controller image has completed: " + events);
    }

    @Test
    void concurrencyAndBatchesAreBounded() throws Exception {
        List<JoinedAp> aps = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            aps.add(JoinedAp.of(String.format("AP%02d", i), "C9105AXI-E", "17.3.3.26", null));
        }
        // Batches of 2, at most 3 at once. The interval is an hour: the test opens batches itself.
        upgrade = builder(plan(aps, "/EWC/17_9_4a", false), UpgradeSettings.defaults().withConcurrency(3, 2, Duration.ofHours(1))
                .withRetries(0, Duration.ZERO)).saveAndDownload();
        List<Started> all = new ArrayList<>();
        all.add(next());
        all.add(next());
        upgrade.snapshot(); // runs on the upgrade's thread after anything it had queued
        assertEquals(0, started.size(), "a batch is 2");
        assertEquals(2, upgrade.snapshot().predownloading());
        assertEquals(5, upgrade.snapshot().initiated());
        advance(Duration.ofHours(1)); // the batch interval
        all.add(next()); // the next batch may start one more: the concurrency limit is 3
        advance(Duration.ofHours(1));
        upgrade.snapshot();
        assertEquals(0, started.size(), "no more than 3 at once");
        assertEquals(3, upgrade.snapshot().predownloading());
        deliver(all.get(0));
        deliver(all.get(1));
        deliver(all.get(2));
        for (int i = 3; i < 7; i++) {
            advance(Duration.ofHours(1)); // a batch opens; as many start as the limits allow
            Started s = next();
            deliver(s);
        }
        UpgradeSnapshot end = upgrade.completion().get(10, TimeUnit.SECONDS);
        assertEquals(7, end.completedPredownloading());
        assertTrue(maxInFlight.get() <= 3, "max in flight " + maxInFlight.get());
        assertEquals(1, events.stream().filter(e -> e.startsWith("%INSTALL-5-INSTALL_COMPLETED_INFO") && e.endsWith("ap1g8")).count(),
                "fetched once for seven APs");
    }

    @Test
    void cancelStopsEverythingCleanly() throws Exception {
        upgrade = builder(plan(UpgradePlanTest.fieldNetwork(), "/EWC/17_9_4a", true), settings()).saveAndDownload();
        Started s = next();
        upgrade.cancel();
        UpgradeSnapshot end = upgrade.completion().get(10, TimeUnit.SECONDS);
        assertEquals(UpgradeSnapshot.Outcome.CANCELLED, end.outcome());
        assertTrue(s.result().isCancelled(), "the AP's download in flight was cancelled");
        assertTrue(end.rows().stream().allMatch(r -> r.status() == PredownloadStatus.FAILED && r.failure().orElseThrow().equals("Cancelled")));
        assertFalse(end.inProgress());
    }

    @Test
    void saveArmsTheProfileForApsThatJoinLater() throws Exception {
        upgrade = builder(plan(UpgradePlanTest.fieldNetwork(), "/EWC/17_9_4a", false), settings()).save();
        advance(Duration.ofMillis(50)); // a batch went by: still nothing for the APs already joined
        assertEquals(0, started.size(), "Save downloads nothing to the APs already joined");
        assertEquals(3, upgrade.snapshot().rows().stream().filter(r -> r.status() == PredownloadStatus.NONE).count());
        upgrade.apJoined(JoinedAp.of("new-9105", "C9105AXI-E", "17.3.3.26", null), UpgradePlanTest.CATALOG);
        Started s = next();
        assertEquals("new-9105", s.name());
        assertEquals(1, upgrade.snapshot().downloading());
        deliver(s);
        await(() -> upgrade.snapshot().completedDownloading() == 1, "downloaded at join");
        assertEquals(TARGET, row("new-9105").primaryImage(), "a joining AP takes the image as its running image");
        assertFalse(upgrade.completion().isDone(), "an armed upgrade waits for more APs");
    }

    /** Runs one upgrade of the field network to its end, delivering every AP; returns what each AP got. */
    private Map<String, byte[]> runToEnd(String path) throws Exception {
        delivered.clear();
        upgrade = builder(plan(UpgradePlanTest.fieldNetwork(), path, true), settings()).saveAndDownload();
        for (int i = 0; i < 3; i++) {
            deliver(next());
        }
        UpgradeSnapshot end = upgrade.completion().get(10, TimeUnit.SECONDS);
        assertEquals(UpgradeSnapshot.Outcome.SUCCEEDED, end.outcome(), end.toString());
        upgrade.close();
        upgrade = null;
        Map<String, byte[]> got = new java.util.HashMap<>();
        for (Map.Entry<String, Path> e : delivered.entrySet()) {
            got.put(e.getKey(), Files.readAllBytes(e.getValue()));
            Files.delete(e.getValue());
        }
        return got;
    }

    @Test
    void twoUpgradesOnOneCacheWithDifferentPathsEachGetTheirOwnImages() throws Exception {
        Path other = Files.createDirectories(dir.resolve("server/EWC/17_12_1"));
        for (String t : new String[] {"ap1g7", "ap1g8", "ap3g3"}) {
            Files.write(other.resolve(t), (t + " newer image").repeat(1000).getBytes());
        }
        Map<String, byte[]> first = runToEnd("/EWC/17_9_4a");
        Map<String, byte[]> second = runToEnd("/EWC/17_12_1");
        assertTrue(java.util.Arrays.equals(Files.readAllBytes(server.resolve("ap1g8")), first.get("9105-emorenoa")));
        assertTrue(java.util.Arrays.equals(Files.readAllBytes(other.resolve("ap1g8")), second.get("9105-emorenoa")),
                "the second upgrade's AP got the second path's image, not the cached first one");
        assertTrue(java.util.Arrays.equals(Files.readAllBytes(other.resolve("ap3g3")), second.get("AP-POD-2-2")));
        assertTrue(events.contains("%INSTALL-5-INSTALL_COMPLETED_INFO: Completed install add " + uri("/EWC/17_12_1", "ap1g8")));
    }

    @Test
    void aFileChangedOnTheServerBetweenTwoUpgradesIsFetchedAgain() throws Exception {
        Map<String, byte[]> first = runToEnd("/EWC/17_9_4a");
        byte[] changed = "rebuilt ap1g8 image".repeat(700).getBytes();
        Files.write(server.resolve("ap1g8"), changed);
        Map<String, byte[]> second = runToEnd("/EWC/17_9_4a");
        assertFalse(java.util.Arrays.equals(first.get("9105-emorenoa"), second.get("9105-emorenoa")));
        assertTrue(java.util.Arrays.equals(changed, second.get("9105-emorenoa")), "the AP got the changed file");
        // Same size, new content: only the modification time tells them apart.
        byte[] sameSize = changed.clone();
        sameSize[0] ^= 1;
        Files.write(server.resolve("ap1g8"), sameSize);
        Files.setLastModifiedTime(server.resolve("ap1g8"), java.nio.file.attribute.FileTime.from(NOW));
        Map<String, byte[]> third = runToEnd("/EWC/17_9_4a");
        assertTrue(java.util.Arrays.equals(sameSize, third.get("9105-emorenoa")), "a same-size change is not missed");
        assertTrue(java.util.Arrays.equals(first.get("AP-POD-2-2"), third.get("AP-POD-2-2")), "the unchanged ap3g3 is reused");
        assertTrue(cache.stats().reused() >= 2, "unchanged files came from the cache: " + cache.stats());
    }

    @Test
    void theRendererLaysOutShowApImageLikeTheController() {
        ImageVersion v = ImageVersion.parse("17.9.4.27");
        ImageVersion b = ImageVersion.parse("17.12.1.5");
        List<ApImageRow> rows = List.of(
                new ApImageRow("AP-POD-2-2", v, java.util.Optional.of(b), PredownloadStatus.COMPLETE, java.util.Optional.of(v),
                        java.util.Optional.empty(), 0, java.util.Optional.of("TFTP"), java.util.Optional.of(ImageType.AP3G3), "Master", 100,
                        java.util.Optional.of(Duration.ZERO), java.util.Optional.empty()),
                new ApImageRow("AP6C41.0E16.E79C", v, java.util.Optional.of(b), PredownloadStatus.FAILED, java.util.Optional.of(v),
                        java.util.Optional.of(NOW), 1, java.util.Optional.of("Controller"), java.util.Optional.of(ImageType.AP1G7), "Master", 0,
                        java.util.Optional.empty(), java.util.Optional.of("Timed out")),
                new ApImageRow("9105-emorenoa", v, java.util.Optional.of(b), PredownloadStatus.NOT_SUPPORTED, java.util.Optional.empty(),
                        java.util.Optional.empty(), 0, java.util.Optional.empty(), java.util.Optional.empty(), "Master", 0,
                        java.util.Optional.empty(), java.util.Optional.empty()));
        UpgradeSnapshot snapshot = new UpgradeSnapshot(UpgradePhase.NETWORK_UPGRADE, UpgradeSnapshot.Outcome.RUNNING, rows);
        assertEquals("""
                Total number of APs : 3

                Number of APs
                  Initiated           : 0
                  Downloading         : 0
                  Predownloading      : 0
                  Completed downloading : 0
                  Completed predownloading : 1
                  Not Supported       : 1
                  Failed to Predownload : 1
                  Predownload in progress : Yes

                AP Name           Primary Image  Backup Image  Predownload Status  Predownload Version  Next Retry Time  Retry Count  Method
                --------------------------------------------------------------------------------------------------------------------------------
                AP-POD-2-2        17.9.4.27      17.12.1.5     Complete            17.9.4.27            N/A              0            TFTP
                AP6C41.0E16.E79C  17.9.4.27      17.12.1.5     Failed              17.9.4.27            17:05:37         1            Controller
                9105-emorenoa     17.9.4.27      17.12.1.5     Not Supported       N/A                  N/A              0            N/A
                """, ShowApImage.render(snapshot, ZoneOffset.UTC));
        assertEquals("""
                Phase: Network Upgrade
                AP Name           Primary Image  Backup Image  Predownload Status  AP Image Type  Role    ETA/Percent Complete
                --------------------------------------------------------------------------------------------------------------
                AP-POD-2-2        17.9.4.27      17.12.1.5     Complete            ap3g3          Master  00:00:00 100%
                AP6C41.0E16.E79C  17.9.4.27      17.12.1.5     Failed              ap1g7          Master  N/A 0%
                9105-emorenoa     17.9.4.27      17.12.1.5     Not Supported       N/A            Master  N/A 0%
                """, ShowApImage.renderPredownloadStatus(snapshot));
    }
}

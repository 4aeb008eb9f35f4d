package dev.apimage.sftp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.jcraft.jsch.JSch;
import com.jcraft.jsch.KeyPair;
import dev.apimage.image.ImageDigests;
import dev.apimage.staging.ExpectedImage;
import dev.apimage.staging.StagedImage;
import dev.apimage.staging.StagingArea;
import dev.apimage.testing.CapturedLogs;
import dev.apimage.testing.TestImages;
import dev.apimage.transfer.BlockSink;
import dev.apimage.transfer.FailureReason;
import dev.apimage.transfer.Secret;
import dev.apimage.transfer.TransferException;
import dev.apimage.transfer.TransferOptions;
import dev.apimage.transfer.TransferResult;
import dev.apimage.transfer.TransferSession;
import dev.apimage.transfer.Transports;
import java.io.ByteArrayOutputStream;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The sftp provider against Apache MINA SSHD's SFTP server on loopback. */
class SftpMinaTest {

    private static final String DIR = "/Documents/sftp_files/EWC_17_9_4a";

    @TempDir
    Path tmp;

    private Path root;
    private Path knownHosts;
    private MinaSftpServer server;
    private String privateKey;
    private String publicKey;

    @BeforeEach
    void start() throws Exception {
        root = tmp.resolve("home");
        Files.createDirectories(root.resolve(DIR.substring(1)));
        KeyPair kp = KeyPair.genKeyPair(new JSch(), KeyPair.ECDSA, 256);
        ByteArrayOutputStream prv = new ByteArrayOutputStream();
        kp.writePrivateKey(prv, "key-passphrase".getBytes(StandardCharsets.UTF_8));
        privateKey = prv.toString(StandardCharsets.US_ASCII);
        ByteArrayOutputStream pub = new ByteArrayOutputStream();
        kp.writePublicKey(pub, "test");
        publicKey = pub.toString(StandardCharsets.US_ASCII).strip();
        kp.dispose();
        server = new MinaSftpServer(root, tmp.resolve("hostkey.ser"), publicKey);
        knownHosts = tmp.resolve("known_hosts");
        Files.writeString(knownHosts, server.knownHostsLine() + "\n");
        CapturedLogs.clear();
    }

    @AfterEach
    void stop() throws Exception {
        server.close();
        Transports.reload(); // drop pooled sessions between tests
        assertTrue(CapturedLogs.lines().stream().noneMatch(l -> l.contains(MinaSftpServer.PASSWORD)
                || l.contains("key-passphrase")), "no secret in any log line");
    }

    private Path image(String name, long size) throws Exception {
        Path f = root.resolve(DIR.substring(1)).resolve(name);
        TestImages.write(f, size, name.hashCode());
        return f;
    }

    private URI uri(String user, String path) {
        return URI.create("sftp://" + user + "@127.0.0.1:" + server.port() + path.replace(" ", "%20"));
    }

    private TransferOptions.Builder password() {
        return TransferOptions.builder().set(TransferOptions.PASSWORD, Secret.of(MinaSftpServer.PASSWORD))
                .set(SftpOptions.KNOWN_HOSTS, knownHosts);
    }

    private Path download(URI uri, TransferOptions o, String name) throws Exception {
        StagingArea area = StagingArea.open(tmp.resolve("ap"));
        try (TransferSession s = Transports.open(uri, o); StagedImage staged = area.begin(name, -1)) {
            TransferResult r = s.start(staged).get(60, TimeUnit.SECONDS);
            staged.commit(ExpectedImage.ofSize(r.bytes()));
            return staged.target();
        }
    }

    private TransferException failure(URI uri, TransferOptions o) throws Exception {
        StagingArea area = StagingArea.open(tmp.resolve("ap"));
        try (TransferSession s = Transports.open(uri, o); StagedImage staged = area.begin("failed", -1)) {
            ExecutionException e = assertThrows(ExecutionException.class, () -> s.start(staged).get(60, TimeUnit.SECONDS));
            staged.abort();
            return assertInstanceOf(TransferException.class, e.getCause());
        } finally {
            try (Stream<Path> left = Files.list(tmp.resolve("ap"))) {
                assertTrue(left.noneMatch(p -> p.getFileName().toString().contains("failed")), "nothing partial remains");
            }
        }
    }

    @Test
    void downloadsWithPasswordInOneRangeAndInParallelRanges() throws Exception {
        Path small = image("ap3g3", 59_156);
        Path big = image("ap1g8", 20_000_000);
        Path got = download(uri("calo", DIR + "/ap3g3"), password().build(), "ap3g3");
        assertEquals(-1, Files.mismatch(small, got));
        Path got2 = download(uri("calo", DIR + "/ap1g8"), password().set(SftpOptions.MIN_RANGE_SIZE, 4L << 20)
                .set(SftpOptions.RANGES_MIN_ROUND_TRIP, Duration.ZERO).build(), "ap1g8");
        assertEquals(-1, Files.mismatch(big, got2));
        assertEquals(1, server.sessionsOpened.get(), "one SSH session for both files");
    }

    @Test
    void streamsInOrderToASinkThatNeedsOrder() throws Exception {
        Path big = image("ap1g7", 9_000_000);
        long[] next = {0};
        ImageDigests.Hasher h = new ImageDigests.Hasher();
        try (TransferSession s = Transports.open(uri("calo", DIR + "/ap1g7"), password().build())) {
            TransferResult r = s.start((block, offset) -> {
                assertEquals(next[0], offset, "in order");
                next[0] += block.remaining();
                h.update(block);
            }).get(60, TimeUnit.SECONDS);
            assertEquals(ImageDigests.of(big), r.digests().orElseThrow());
        }
        assertEquals(ImageDigests.of(big), h.finish());
    }

    /**
     * Ranges only where the path's round trip calls for them: below the threshold a sink that
     * would take any order still gets the image in order, so a staged image can hash it as it
     * comes; with the threshold at zero the same download is read as ranges. (A threshold of a
     * minute stands for a short path: what loopback measures depends on the machine's load.)
     */
    @Test
    void aShortPathIsReadInOrderAndRangesWaitForALongerRoundTrip() throws Exception {
        Path big = image("ap1g5", 12_000_000);
        for (Duration threshold : List.of(Duration.ofMinutes(1), Duration.ZERO)) {
            List<Long> offsets = new java.util.concurrent.CopyOnWriteArrayList<>();
            java.util.concurrent.atomic.AtomicLong bytes = new java.util.concurrent.atomic.AtomicLong();
            try (TransferSession s = Transports.open(uri("calo", DIR + "/ap1g5"), password()
                    .set(SftpOptions.MIN_RANGE_SIZE, 2L << 20).set(SftpOptions.RANGES_MIN_ROUND_TRIP, threshold).build())) {
                s.start(new BlockSink() {
                    @Override
                    public void write(ByteBuffer block, long offset) {
                        offsets.add(offset);
                        bytes.addAndGet(block.remaining());
                    }

                    @Override
                    public boolean acceptsAnyOrder() {
                        return true;
                    }
                }).get(60, TimeUnit.SECONDS);
            }
            boolean inOrder = true;
            for (int i = 1; i < offsets.size(); i++) {
                inOrder &= offsets.get(i) > offsets.get(i - 1);
            }
            assertEquals(threshold.isZero() ? Boolean.FALSE : Boolean.TRUE, inOrder, "threshold " + threshold);
            assertEquals(Files.size(big), bytes.get(), "every byte handed over once");
        }
    }

    @Test
    void publicKeyFromFileAndFromMemory() throws Exception {
        Path f = image("ap1g6", 100_000);
        Path keyFile = Files.writeString(tmp.resolve("id_ecdsa"), privateKey);
        TransferOptions fromFile = TransferOptions.builder().set(SftpOptions.KNOWN_HOSTS, knownHosts)
                .set(TransferOptions.IDENTITY_FILE, keyFile).set(SftpOptions.PASSPHRASE, Secret.of("key-passphrase")).build();
        assertEquals(-1, Files.mismatch(f, download(uri("emorenoa", DIR + "/ap1g6"), fromFile, "a")));
        TransferOptions inMemory = TransferOptions.builder().set(SftpOptions.KNOWN_HOSTS, knownHosts)
                .set(SftpOptions.PRIVATE_KEY, Secret.of(privateKey)).set(SftpOptions.PASSPHRASE, Secret.of("key-passphrase")).build();
        assertEquals(-1, Files.mismatch(f, download(uri("emorenoa", DIR + "/ap1g6"), inMemory, "b")));
        TransferOptions wrongPassphrase = TransferOptions.builder().set(SftpOptions.KNOWN_HOSTS, knownHosts)
                .set(SftpOptions.PRIVATE_KEY, Secret.of(privateKey)).set(SftpOptions.PASSPHRASE, Secret.of("nope")).build();
        assertEquals(FailureReason.AUTHENTICATION_FAILED, failure(uri("emorenoa", DIR + "/ap1g6"), wrongPassphrase).reason());
    }

    @Test
    void wrongPathIsNotFoundInTheControllersWords() throws Exception {
        TransferException e = failure(uri("calo", "/Documents/Wrong-Path/ap1g6"), password().build());
        assertEquals(FailureReason.NOT_FOUND, e.reason());
        assertTrue(e.getMessage().startsWith("Failed to download file sftp://*****@127.0.0.1:" + server.port()
                + "/Documents/Wrong-Path/ap1g6: No such file or directory"), e.getMessage());
    }

    @Test
    void wrongPasswordIsAuthenticationFailedAndNeverShown() throws Exception {
        image("ap1g8", 1000);
        String wrong = "Wrong-Password-42";
        TransferException e = failure(uri("calo", DIR + "/ap1g8"), password().set(TransferOptions.PASSWORD, Secret.of(wrong)).build());
        assertEquals(FailureReason.AUTHENTICATION_FAILED, e.reason());
        assertFalse(e.getMessage().contains(wrong));
        // With a session already open for the right password, a wrong one still fails.
        download(uri("calo", DIR + "/ap1g8"), password().build(), "ok");
        assertEquals(FailureReason.AUTHENTICATION_FAILED, failure(uri("calo", DIR + "/ap1g8"),
                password().set(TransferOptions.PASSWORD, Secret.of(wrong)).build()).reason());
        assertTrue(CapturedLogs.lines().stream().noneMatch(l -> l.contains(wrong)));
        assertTrue(CapturedLogs.lines().size() > 0, "JSch logs through SLF4J");
    }

    @Test
    void unknownHostKeyIsRefusedUnlessTrustOnFirstUseAndAChangedKeyAlways() throws Exception {
        Path f = image("ap1g8", 5000);
        Path empty = tmp.resolve("empty_known_hosts");
        Files.writeString(empty, "");
        TransferException unknown = failure(uri("calo", DIR + "/ap1g8"), password().set(SftpOptions.KNOWN_HOSTS, empty).build());
        assertEquals(FailureReason.HOST_KEY_REJECTED, unknown.reason());

        Path tofu = tmp.resolve("tofu/known_hosts"); // does not exist yet
        assertEquals(-1, Files.mismatch(f, download(uri("calo", DIR + "/ap1g8"),
                password().set(SftpOptions.KNOWN_HOSTS, tofu).set(SftpOptions.ACCEPT_NEW_HOST_KEY, true).build(), "t")));
        assertTrue(Files.readString(tofu).contains("[127.0.0.1]:" + server.port()), "key recorded");

        // Same address, new host key: refused, even with trust on first use.
        int port = server.port();
        server.close();
        Transports.reload();
        server = new MinaSftpServerOnPort(root, tmp.resolve("other-hostkey.ser"), publicKey, port).server();
        TransferException changed = failure(uri("calo", DIR + "/ap1g8"),
                password().set(SftpOptions.KNOWN_HOSTS, tofu).set(SftpOptions.ACCEPT_NEW_HOST_KEY, true).build());
        assertEquals(FailureReason.HOST_KEY_REJECTED, changed.reason());
    }

    @Test
    void closedPortTimesOut() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        TransferException e = failure(URI.create("sftp://calo@127.0.0.1:" + port + DIR + "/ap1g8"),
                password().set(TransferOptions.CONNECT_TIMEOUT, Duration.ofSeconds(3)).build());
        assertEquals(FailureReason.TIMED_OUT, e.reason());
    }

    @Test
    void globCharactersSpacesAndNonAsciiAreTakenLiterally() throws Exception {
        Path star = image("ap1g8*", 3000);
        image("ap1g8-decoy", 4000);
        Path spaced = image("AP image ä ö.bin", 5000);
        Path zero = image("empty", 0);
        assertEquals(-1, Files.mismatch(star, download(uri("calo", DIR + "/ap1g8*"), password().build(), "s")));
        assertEquals(-1, Files.mismatch(spaced, download(new URI("sftp", "calo", "127.0.0.1", server.port(),
                DIR + "/AP image ä ö.bin", null, null), password().build(), "u")));
        assertEquals(0, Files.size(download(uri("calo", DIR + "/empty"), password().build(), "z")));
        assertEquals(FailureReason.NOT_FOUND, failure(uri("calo", DIR + "/ap1g?"), password().build()).reason());
        assertEquals(-1, Files.mismatch(zero, download(uri("calo", DIR + "/empty"), password().build(), "z2")), "the empty file, not a decoy");
    }

    @Test
    void resumesFromAnOffsetAndVerifiesTheWhole() throws Exception {
        Path f = image("ap1g6a", 3_000_000);
        StagingArea area = StagingArea.open(tmp.resolve("ap"));
        try (StagedImage staged = area.begin("ap1g6a", 3_000_000)) {
            byte[] head = java.util.Arrays.copyOf(Files.readAllBytes(f), 1_000_000);
            staged.write(java.nio.ByteBuffer.wrap(head), 0);
            try (TransferSession s = Transports.open(uri("calo", DIR + "/ap1g6a"),
                    password().set(TransferOptions.START_OFFSET, 1_000_000L).build())) {
                assertEquals(2_000_000, s.start(staged).get(60, TimeUnit.SECONDS).bytes());
            }
            staged.commit(ExpectedImage.of(3_000_000, ImageDigests.of(f)));
        }
        assertEquals(-1, Files.mismatch(f, tmp.resolve("ap/ap1g6a")));
    }

    @Test
    void aFrozenSftpSubsystemTimesOutWhileSshStillAnswers() throws Exception {
        image("ap1g5", 5_000_000);
        server.freezeAfter(500_000);
        long t0 = System.nanoTime();
        TransferException e = failure(uri("calo", DIR + "/ap1g5"), password()
                .set(TransferOptions.IDLE_TIMEOUT, Duration.ofSeconds(2)).set(SftpOptions.PARALLEL_RANGES, 1).build());
        assertEquals(FailureReason.TIMED_OUT, e.reason());
        assertTrue(e.getMessage().contains("no progress for 2.0 s"), e.getMessage());
        assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(15));
    }

    @Test
    void serverStoppedMidTransferFails() throws Exception {
        image("ap1g4", 30_000_000);
        server.freezeAfter(1_000_000);
        StagingArea area = StagingArea.open(tmp.resolve("ap"));
        try (TransferSession s = Transports.open(uri("calo", DIR + "/ap1g4"), password().build());
                StagedImage staged = area.begin("stopped", -1)) {
            dev.apimage.testing.SignallingSink sink = new dev.apimage.testing.SignallingSink(staged, 500_000);
            CompletableFuture<TransferResult> f = s.start(sink);
            assertTrue(sink.awaitBytes(20), "the transfer got going");
            server.server.stop(true); // kill the server with the transfer in flight
            ExecutionException e = assertThrows(ExecutionException.class, () -> f.get(60, TimeUnit.SECONDS));
            assertEquals(FailureReason.TIMED_OUT, ((TransferException) e.getCause()).reason());
            staged.abort();
        }
        try (Stream<Path> left = Files.list(tmp.resolve("ap"))) {
            assertEquals(0, left.count());
        }
    }
}

package dev.apimage.sftp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.apimage.staging.ExpectedImage;
import dev.apimage.staging.StagedImage;
import dev.apimage.staging.StagingArea;
import dev.apimage.testing.ProcessOutput;
import dev.apimage.testing.TestImages;
import dev.apimage.transfer.FailureReason;
import dev.apimage.transfer.TransferException;
import dev.apimage.transfer.TransferOptions;
import dev.apimage.transfer.TransferResult;
import dev.apimage.transfer.TransferSession;
import dev.apimage.transfer.Transports;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The sftp provider against OpenSSH's sshd, configured as in the field document: a Match block
 * with {@code ChrootDirectory} and {@code ForceCommand internal-sftp}. sshd refuses a chroot with a
 * path component that is not root-owned or is writable by others, so the test runs sshd in a
 * private mount namespace ({@code unshare --mount}) with a root-owned tmpfs on /mnt and the test's
 * files bind-mounted inside. Needs root, util-linux's unshare and Debian's openssh-server.
 */
class SftpOpenSshTest {

    @TempDir
    Path tmp;

    private final List<Process> servers = new java.util.ArrayList<>();
    private Path key;
    private Path knownHosts;

    @BeforeEach
    void keys() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/sbin/sshd")), "sshd not found: install Debian package 'openssh-server' (.ci/run does)");
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/unshare")), "unshare not found: install Debian package 'util-linux'");
        assumeTrue("root".equals(System.getProperty("user.name")), "sshd with a chroot needs root");
        Files.createDirectories(Path.of("/run/sshd"));
        run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", tmp.resolve("hostkey").toString());
        run("ssh-keygen", "-q", "-t", "ecdsa", "-b", "256", "-m", "PEM", "-N", "", "-f", tmp.resolve("id_ecdsa").toString());
        key = tmp.resolve("id_ecdsa");
        Files.copy(tmp.resolve("id_ecdsa.pub"), tmp.resolve("authorized_keys"));
        knownHosts = tmp.resolve("known_hosts");
    }

    @AfterEach
    void stop() throws Exception {
        for (Process p : servers) {
            p.destroy();
            p.waitFor(5, TimeUnit.SECONDS);
        }
        Transports.reload();
    }

    private static void run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0, String.join(" ", cmd) + ": " + out);
    }

    /** Starts sshd; {@code chroot} serves {@code data} at /Documents inside a chroot, else the real filesystem. */
    private int sshd(Path data, boolean chroot) throws Exception {
        return sshd(data, chroot, "");
    }

    private int sshd(Path data, boolean chroot, String extraConfig) throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        String config = String.join("\n",
                "Port " + port, "ListenAddress 127.0.0.1", "HostKey " + tmp.resolve("hostkey"), "PidFile none",
                "UsePAM no", "PermitRootLogin prohibit-password", "PubkeyAuthentication yes", "PasswordAuthentication no",
                "KbdInteractiveAuthentication no", "AuthorizedKeysFile " + tmp.resolve("authorized_keys"), "StrictModes no",
                "ClientAliveInterval 1", extraConfig,
                chroot ? "Subsystem sftp internal-sftp" : "Subsystem sftp /usr/lib/openssh/sftp-server",
                chroot ? "Match User root\n  ChrootDirectory /mnt/home\n  ForceCommand internal-sftp\n  AllowTcpForwarding no\n"
                        + "  X11Forwarding no" : "", "");
        Path conf = Files.writeString(tmp.resolve("sshd_config_" + port), config);
        String script = chroot
                ? "mount -t tmpfs -o mode=755 none /mnt && mkdir -p /mnt/home/Documents && mount --bind " + data
                        + " /mnt/home/Documents && exec /usr/sbin/sshd -D -e -f " + conf
                : "exec /usr/sbin/sshd -D -e -f " + conf;
        Process p = new ProcessBuilder("unshare", "--mount", "--propagation", "private", "sh", "-c", script)
                .redirectErrorStream(true).start();
        servers.add(p);
        // sshd -e says when it listens: "Server listening on 127.0.0.1 port N."
        ProcessOutput.of(p, tmp.resolve("sshd-" + port + ".log")).await("Server listening on 127.0.0.1 port " + port, Duration.ofSeconds(10));
        String[] pub = Files.readString(tmp.resolve("hostkey.pub")).split(" ");
        Files.writeString(knownHosts, "[127.0.0.1]:" + port + " " + pub[0] + " " + pub[1] + "\n",
                java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
        return port;
    }

    private TransferOptions.Builder options() {
        return TransferOptions.builder().set(TransferOptions.IDENTITY_FILE, key).set(SftpOptions.KNOWN_HOSTS, knownHosts);
    }

    @Test
    void downloadsFromAChrootedInternalSftpLikeTheField() throws Exception {
        Path data = tmp.resolve("data");
        Path image = data.resolve("sftp_files/EWC_17_9_4a/ap1g8");
        Files.createDirectories(image.getParent());
        TestImages.write(image, 20_000_000, 8);
        int port = sshd(data, true);
        StagingArea area = StagingArea.open(tmp.resolve("ap"));
        try (TransferSession s = Transports.open(URI.create("sftp://root@127.0.0.1:" + port
                + "/Documents/sftp_files/EWC_17_9_4a/ap1g8"), options().build()); StagedImage staged = area.begin("ap1g8", -1)) {
            TransferResult r = s.start(staged).get(60, TimeUnit.SECONDS);
            staged.commit(ExpectedImage.ofSize(r.bytes()));
        }
        assertEquals(-1, Files.mismatch(image, tmp.resolve("ap/ap1g8")));

        TransferException e = failure(URI.create("sftp://root@127.0.0.1:" + port + "/Documents/Wrong-Path/ap1g6"),
                options().build());
        assertEquals(FailureReason.NOT_FOUND, e.reason());
        assertEquals("Failed to download file sftp://*****@127.0.0.1:" + port
                + "/Documents/Wrong-Path/ap1g6: No such file or directory (SFTP status 2)", e.getMessage());
        // Outside the chroot nothing is visible.
        assertEquals(FailureReason.NOT_FOUND, failure(URI.create("sftp://root@127.0.0.1:" + port + "/etc/shadow"),
                options().build()).reason());
    }

    @Test
    void aStoppedSftpServerProcessTimesOutWhileSshdStillAnswers() throws Exception {
        Path data = tmp.resolve("data");
        Path image = data.resolve("ap1g5");
        Files.createDirectories(data);
        TestImages.write(image, 200_000_000, 5);
        int port = sshd(data, false);
        StagingArea area = StagingArea.open(tmp.resolve("ap"));
        try (TransferSession s = Transports.open(URI.create("sftp://root@127.0.0.1:" + port + image), options()
                .set(TransferOptions.IDLE_TIMEOUT, Duration.ofSeconds(3)).set(SftpOptions.PARALLEL_RANGES, 1).build());
                StagedImage staged = area.begin("ap1g5", -1)) {
            dev.apimage.testing.SignallingSink sink = new dev.apimage.testing.SignallingSink(staged, 1_000_000);
            CompletableFuture<TransferResult> f = s.start(sink);
            assertTrue(sink.awaitBytes(20), "the transfer got going");
            // Freeze only the SFTP subsystem of our own sshd: its session process keeps answering keep-alives.
            String pid = servers.get(0).toHandle().descendants()
                    .filter(h -> h.info().command().orElse("").endsWith("sftp-server"))
                    .map(h -> Long.toString(h.pid())).findFirst().orElseThrow();
            run("kill", "-STOP", pid);
            try {
                ExecutionException e = assertThrows(ExecutionException.class, () -> f.get(30, TimeUnit.SECONDS));
                TransferException te = assertInstanceOf(TransferException.class, e.getCause());
                assertEquals(FailureReason.TIMED_OUT, te.reason());
                assertTrue(te.getMessage().contains("no progress for 3.0 s"), te.getMessage());
            } finally {
                run("kill", "-CONT", pid);
            }
            staged.abort();
        }
        try (var left = Files.list(tmp.resolve("ap"))) {
            assertEquals(0, left.count(), "the staging file is removed");
        }
    }

    @Test
    void parallelDownloadsStayWithinTheServersMaxSessions() throws Exception {
        Path data = tmp.resolve("data");
        Files.createDirectories(data);
        List<String> types = List.of("ap1g7", "ap1g8", "ap3g3");
        for (int i = 0; i < types.size(); i++) {
            TestImages.write(data.resolve(types.get(i)), 24_000_000 + i, 7 + i);
        }
        // OpenSSH refuses channels past MaxSessions (default 10); three 4-range downloads over one
        // shared session would want 12.
        int port = sshd(data, false, "MaxSessions 5");
        StagingArea area = StagingArea.open(tmp.resolve("ap"));
        TransferOptions o = options().set(SftpOptions.MAX_CHANNELS_PER_SESSION, 5).set(SftpOptions.RANGES_MIN_ROUND_TRIP, Duration.ZERO).build();
        List<TransferSession> sessions = new java.util.ArrayList<>();
        List<StagedImage> staged = new java.util.ArrayList<>();
        List<CompletableFuture<TransferResult>> results = new java.util.ArrayList<>();
        try {
            for (String type : types) {
                TransferSession s = Transports.open(URI.create("sftp://root@127.0.0.1:" + port + data.resolve(type)), o);
                sessions.add(s);
                StagedImage st = area.begin(type, -1);
                staged.add(st);
                results.add(s.start(st));
            }
            for (int i = 0; i < types.size(); i++) {
                TransferResult r = results.get(i).get(60, TimeUnit.SECONDS);
                staged.get(i).commit(ExpectedImage.ofSize(r.bytes()));
            }
        } finally {
            staged.forEach(StagedImage::close);
            sessions.forEach(TransferSession::close);
        }
        for (String type : types) {
            assertEquals(-1, Files.mismatch(data.resolve(type), tmp.resolve("ap").resolve(type)), type);
        }
        assertFalse(Files.readString(tmp.resolve("sshd-" + port + ".log")).contains("no more sessions"), "sshd refused no channel");
    }

    @Test
    void channelsTheServerRefusesOnlyCostRanges() throws Exception {
        Path data = tmp.resolve("data");
        Path image = data.resolve("ap1g6a");
        Files.createDirectories(data);
        TestImages.write(image, 40_000_000, 6);
        // One channel per connection: three of the four channels a range download asks for are refused.
        int port = sshd(data, false, "MaxSessions 1");
        StagingArea area = StagingArea.open(tmp.resolve("ap"));
        for (int run = 0; run < 3; run++) {
            try (TransferSession s = Transports.open(URI.create("sftp://root@127.0.0.1:" + port + image),
                    options().set(SftpOptions.RANGES_MIN_ROUND_TRIP, Duration.ZERO).build());
                    StagedImage staged = area.begin("ap1g6a", -1)) {
                TransferResult r = s.start(staged).get(60, TimeUnit.SECONDS);
                staged.commit(ExpectedImage.ofSize(r.bytes()));
            }
            assertEquals(-1, Files.mismatch(image, tmp.resolve("ap/ap1g6a")), "run " + run);
        }
        assertTrue(Files.readString(tmp.resolve("sshd-" + port + ".log")).contains("no more sessions"), "sshd refused channels");
    }

    private TransferException failure(URI uri, TransferOptions o) throws Exception {
        try (TransferSession s = Transports.open(uri, o)) {
            ExecutionException e = assertThrows(ExecutionException.class, () -> s.start((b, off) -> { }).get(60, TimeUnit.SECONDS));
            return assertInstanceOf(TransferException.class, e.getCause());
        }
    }
}

package dev.apimage.tftp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.apimage.transfer.FailureReason;
import dev.apimage.transfer.TransferException;
import dev.apimage.transfer.TransferOptions;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Our client against Debian's tftpd-hpa and atftpd, started by the test on free loopback ports. */
class TftpClientInteropTest {

    @TempDir
    Path dir;

    private Peers.Proc tftpdHpa(Path root, int port, String... extra) throws Exception {
        Path bin = Peers.require("in.tftpd", "tftpd-hpa");
        java.util.List<String> cmd = new java.util.ArrayList<>(java.util.List.of(bin.toString(), "--foreground",
                "--secure", "--verbose", "--address", "127.0.0.1:" + port));
        cmd.addAll(java.util.List.of(extra));
        cmd.add(root.toString());
        Peers.Proc p = new Peers.Proc(dir.resolve("in.tftpd.log"), cmd.toArray(String[]::new));
        awaitServing(port);
        return p;
    }

    /** Polls with a request for a missing file until the server answers "not found". */
    private static void awaitServing(int port) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (true) {
            TransferException e = TftpFixtures.failure(URI.create("tftp://127.0.0.1:" + port + "/no-such-probe"),
                    TransferOptions.builder().set(TransferOptions.CONNECT_TIMEOUT, Duration.ofMillis(500))
                            .set(TftpOptions.RETRANSMIT_INTERVAL, Duration.ofMillis(100)).build());
            if (e.reason() == FailureReason.NOT_FOUND) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("peer on port " + port + " does not answer: " + e.getMessage());
            }
        }
    }

    @ParameterizedTest(name = "blksize {0}")
    @ValueSource(ints = {512, 1468, 8192})
    void downloadsFromTftpdHpa(int blksize) throws Exception {
        Path root = dir.resolve("root");
        Path src = TftpFixtures.file(root, "EWC/17_9_4a/ap1g8", 1_000_000 + blksize);
        int port = TftpFixtures.freeUdpPort();
        try (Peers.Proc hpa = tftpdHpa(root, port)) {
            Path got = TftpFixtures.download(URI.create("tftp://127.0.0.1:" + port + "/EWC/17_9_4a/ap1g8"),
                    TransferOptions.builder().set(TftpOptions.BLOCK_SIZE, blksize).build(), dir.resolve("ap"), "ap1g8");
            assertTrue(TftpFixtures.sameContent(src, got));
        }
    }

    @Test
    void downloadsPastBlockRolloverFromTftpdHpaAt512() throws Exception {
        Path root = dir.resolve("root");
        Path src = TftpFixtures.file(root, "ap1g8", 33_554_432L + 70_000); // 65,673 blocks of 512
        int port = TftpFixtures.freeUdpPort();
        try (Peers.Proc hpa = tftpdHpa(root, port)) {
            Path got = TftpFixtures.download(URI.create("tftp://127.0.0.1:" + port + "/ap1g8"),
                    TransferOptions.builder().set(TftpOptions.BLOCK_SIZE, 512).build(), dir.resolve("ap"), "ap1g8");
            assertTrue(TftpFixtures.sameContent(src, got));
        }
    }

    @Test
    void fallsBackTo512WhenTheServerIgnoresOptions() throws Exception {
        Path root = dir.resolve("root");
        Path src = TftpFixtures.file(root, "ap3g3", 200_000);
        int port = TftpFixtures.freeUdpPort();
        try (Peers.Proc hpa = tftpdHpa(root, port, "--refuse", "blksize", "--refuse", "tsize", "--refuse", "timeout")) {
            Path got = TftpFixtures.download(URI.create("tftp://127.0.0.1:" + port + "/ap3g3"),
                    TransferOptions.builder().set(TftpOptions.BLOCK_SIZE, 1468).build(), dir.resolve("ap"), "ap3g3");
            assertTrue(TftpFixtures.sameContent(src, got));
        }
    }

    @Test
    void tftpdHpaNotFoundMapsToTheControllerWording() throws Exception {
        Path root = dir.resolve("root");
        TftpFixtures.file(root, "EWC/17_9_4a/ap1g8", 10);
        int port = TftpFixtures.freeUdpPort();
        try (Peers.Proc hpa = tftpdHpa(root, port)) {
            TransferException e = TftpFixtures.failure(URI.create("tftp://127.0.0.1:" + port + "/Wrong-Path/ap1g6"),
                    TransferOptions.defaults());
            assertEquals(FailureReason.NOT_FOUND, e.reason());
            assertTrue(e.getMessage().startsWith("Failed to download file tftp://127.0.0.1:" + port
                    + "/Wrong-Path/ap1g6: No such file or directory"), e.getMessage());
        }
    }

    @ParameterizedTest(name = "windowsize {0}")
    @ValueSource(ints = {16, 64})
    void downloadsFromAtftpdWithWindows(int window) throws Exception {
        Path bin = Peers.atftpd();
        // atftpd serves as nobody without a chroot: every directory on the way must be searchable.
        java.nio.file.Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        Path root = dir.resolve("root");
        Path src = TftpFixtures.file(root, "EWC/ap1g7", 3_000_000);
        int port = TftpFixtures.freeUdpPort();
        try (Peers.Proc atftpd = new Peers.Proc(dir.resolve("atftpd.log"), bin.toString(), "--daemon", "--no-fork",
                "--port", Integer.toString(port), "--bind-address", "127.0.0.1", "--logfile", "-", "--verbose=7",
                root.toString())) {
            awaitServing(port);
            Path got = TftpFixtures.download(URI.create("tftp://127.0.0.1:" + port + "/EWC/ap1g7"),
                    TransferOptions.builder().set(TftpOptions.BLOCK_SIZE, 1468).set(TftpOptions.WINDOW_SIZE, window).build(),
                    dir.resolve("ap"), "ap1g7");
            assertTrue(TftpFixtures.sameContent(src, got));
            assertTrue(atftpd.log().contains("windowsize option -> " + window), atftpd.log());
        }
    }

    /** The request lines in.tftpd writes to syslog for the same requests, against ours. */
    @Test
    void ourServerLogsLikeTftpdHpa() throws Exception {
        Path bin = Peers.require("in.tftpd", "tftpd-hpa");
        Path unshare = Peers.require("unshare", "util-linux");
        Path root = dir.resolve("root");
        TftpFixtures.file(root, "EWC/17_9_4a/ap1g8", 1000);
        java.util.List<String> names = java.util.List.of("/EWC/17_9_4a/ap1g8", "EWC/17_9_4a/ap1g8", "/Wrong-Path/ap1g6");

        // in.tftpd logs only to syslog: in a mount namespace of its own, its /dev/log is our socket.
        Path ns = java.nio.file.Files.createDirectories(dir.resolve("ns"));
        Path socket = ns.resolve("log");
        StringBuffer syslog = new StringBuffer();
        try (java.nio.channels.ServerSocketChannel server = java.nio.channels.ServerSocketChannel.open(java.net.StandardProtocolFamily.UNIX)) {
            server.bind(java.net.UnixDomainSocketAddress.of(socket));
            Thread reader = new Thread(() -> {
                // syslog(3) may connect more than once (the daemon and each request's child): read every connection.
                while (server.isOpen()) {
                    try {
                        java.nio.channels.SocketChannel c = server.accept();
                        Thread t = new Thread(() -> {
                            try (c) {
                                java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(4096);
                                while (c.read(b) >= 0) {
                                    b.flip();
                                    syslog.append(java.nio.charset.StandardCharsets.UTF_8.decode(b));
                                    b.clear();
                                }
                            } catch (java.io.IOException e) {
                                // the daemon went away
                            }
                        }, "syslog-connection");
                        t.setDaemon(true);
                        t.start();
                    } catch (java.io.IOException e) {
                        return; // closed with the test
                    }
                }
            }, "syslog");
            reader.setDaemon(true);
            reader.start();
            int port = TftpFixtures.freeUdpPort();
            String script = "mkdir -p " + ns + "/dev && mount --bind /dev " + ns + "/dev && mount -t tmpfs tmpfs /dev"
                    + " && touch /dev/null && mount --bind " + ns + "/dev/null /dev/null && ln -s " + socket + " /dev/log"
                    + " && exec " + bin + " --foreground --secure --verbose --address 127.0.0.1:" + port + " " + root;
            try (Peers.Proc p = new Peers.Proc(dir.resolve("in.tftpd.log"), unshare.toString(), "-m", "--propagation", "private",
                    "sh", "-c", script)) {
                awaitServing(port);
                for (String n : names) {
                    TftpFixtures.failure(URI.create("tftp://127.0.0.1:" + port + "/" + n + "-probe"), TransferOptions.defaults());
                    tryDownload(URI.create("tftp://127.0.0.1:" + port + (n.startsWith("/") ? n : "/" + n)), n);
                }
                long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
                while (requestLines(syslog.toString(), "in.tftpd\\[\\d+\\]: ").size() < 2 * names.size() + 1 && System.nanoTime() < end) {
                    Thread.onSpinWait(); // syslog lines arrive on their own socket, shortly after the answers
                }
            }
        }
        java.util.List<String> theirs = requestLines(syslog.toString(), "in.tftpd\\[\\d+\\]: ");
        assertTrue(theirs.size() >= 2 * names.size(), "in.tftpd's syslog: " + syslog);

        dev.apimage.testing.CapturedLogs.clear();
        try (TftpServer server = TftpServer.builder().root(root).port(0).build()) {
            InetSocketAddress a = server.start();
            for (String n : names) {
                TftpFixtures.failure(TftpFixtures.uri(a, "/" + n + "-probe"), TransferOptions.defaults());
                tryDownload(TftpFixtures.uri(a, n.startsWith("/") ? n : "/" + n), n);
            }
        }
        java.util.List<String> ours = requestLines(String.join("\n", dev.apimage.testing.CapturedLogs.lines()), "INFO TftpServer - ");
        // The probe of the readiness check is in theirs only: compare the lines of the same requests, in order.
        java.util.List<String> wanted = theirs.subList(theirs.size() - ours.size(), theirs.size());
        assertEquals(wanted, ours, "in.tftpd wrote " + theirs);
    }

    private static void tryDownload(URI uri, String name) {
        try (var s = dev.apimage.transfer.Transports.open(uri, TransferOptions.defaults())) {
            s.start((b, o) -> { }).get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            // a missing file fails; the log line is what is compared
        }
    }

    /** The "RRQ from ... filename ..." lines of a log, the text after the given prefix. */
    private static java.util.List<String> requestLines(String log, String prefixRegex) {
        java.util.List<String> out = new java.util.ArrayList<>();
        java.util.regex.Matcher m = java.util.regex.Pattern.compile(prefixRegex + "(RRQ from [^\\x00\\n]*?filename [^\\x00\\n]*)").matcher(log);
        while (m.find()) {
            out.add(m.group(1).trim());
        }
        return out;
    }
}

package dev.apimage.tftp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.apache.commons.net.tftp.TFTP;
import org.apache.commons.net.tftp.TFTPClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Our server against curl, atftp and Apache Commons Net's TFTPClient. */
class TftpServerInteropTest {

    @TempDir
    Path dir;

    private TftpServer server;

    private InetSocketAddress start(TftpServer.Builder b) throws Exception {
        server = b.port(0).build();
        return server.start();
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    @ParameterizedTest(name = "curl --tftp-blksize {0}")
    @ValueSource(ints = {512, 1468, 8192})
    void servesCurl(int blksize) throws Exception {
        Path curl = Peers.require("curl", "curl");
        Path root = dir.resolve("root");
        Path src = TftpFixtures.file(root, "EWC/17_9_4a/ap1g8", 2_000_000 + 7);
        InetSocketAddress a = start(TftpServer.builder().root(root));
        Path out = dir.resolve("got");
        int rc = Peers.run(dir.resolve("curl.log"), 60, curl.toString(), "-sS", "--tftp-blksize", Integer.toString(blksize),
                "-o", out.toString(), "tftp://127.0.0.1:" + a.getPort() + "/EWC/17_9_4a/ap1g8");
        assertEquals(0, rc, Files.readString(dir.resolve("curl.log")));
        assertTrue(TftpFixtures.sameContent(src, out));
    }

    @Test
    void curlSeesFileNotFound() throws Exception {
        Path curl = Peers.require("curl", "curl");
        Path root = dir.resolve("root");
        Files.createDirectories(root);
        InetSocketAddress a = start(TftpServer.builder().root(root));
        int rc = Peers.run(dir.resolve("curl.log"), 60, curl.toString(), "-sS", "-o", dir.resolve("x").toString(),
                "tftp://127.0.0.1:" + a.getPort() + "/Wrong-Path/ap1g6");
        assertEquals(68, rc, "curl's 'TFTP file not found'"); // CURLE_TFTP_NOTFOUND
    }

    @ParameterizedTest(name = "atftp windowsize {0}")
    @ValueSource(ints = {1, 16})
    void servesAtftpWithWindows(int window) throws Exception {
        Path atftp = Peers.require("atftp", "atftp");
        Path root = dir.resolve("root");
        Path src = TftpFixtures.file(root, "EWC/ap1g7", 3_000_000);
        InetSocketAddress a = start(TftpServer.builder().root(root));
        Path out = dir.resolve("got");
        int rc = Peers.run(dir.resolve("atftp.log"), 60, atftp.toString(), "--option", "blksize 1468",
                "--option", "windowsize " + window, "--verbose", "-g", "-r", "/EWC/ap1g7", "-l", out.toString(),
                "127.0.0.1", Integer.toString(a.getPort()));
        String log = Files.readString(dir.resolve("atftp.log"));
        assertEquals(0, rc, log);
        assertTrue(TftpFixtures.sameContent(src, out));
        if (window > 1) {
            assertTrue(log.contains("windowsize = " + window), log);
        }
    }

    @ParameterizedTest(name = "Commons Net TFTPClient, {0} bytes")
    @ValueSource(ints = {0, 1, 511, 512, 513, 70_512})
    void servesCommonsNet(int size) throws Exception {
        Path root = dir.resolve("root");
        Path src = TftpFixtures.file(root, "f", size);
        InetSocketAddress a = start(TftpServer.builder().root(root));
        TFTPClient client = new TFTPClient();
        client.open();
        try {
            client.setSoTimeout(java.time.Duration.ofSeconds(2));
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            client.receiveFile("/f", TFTP.BINARY_MODE, out, a.getAddress(), a.getPort());
            assertEquals(-1, java.util.Arrays.mismatch(Files.readAllBytes(src), out.toByteArray()));
            assertTrue(server.awaitIdle(java.time.Duration.ofSeconds(5)), () -> server.stats().toString());
            assertEquals(1, server.stats().completed(), "the final ACK ended the transfer: " + server.stats());
        } finally {
            client.close();
        }
    }

    /** Clients such as boot loaders reuse their port: a new request right after the last is served at once. */
    @Test
    void servesAClientThatReusesItsPort() throws Exception {
        Path root = dir.resolve("root");
        Path a = TftpFixtures.file(root, "ap1g7", 3000);
        Path b = TftpFixtures.file(root, "ap1g8", 4000);
        InetSocketAddress server = start(TftpServer.builder().root(root));
        TFTPClient client = new TFTPClient();
        client.open(); // one local port for every transfer below
        try {
            client.setSoTimeout(java.time.Duration.ofSeconds(3));
            ByteArrayOutputStream first = new ByteArrayOutputStream();
            client.receiveFile("ap1g7", TFTP.BINARY_MODE, first, server.getAddress(), server.getPort());
            long t0 = System.nanoTime();
            ByteArrayOutputStream second = new ByteArrayOutputStream();
            client.receiveFile("ap1g8", TFTP.BINARY_MODE, second, server.getAddress(), server.getPort());
            long millis = (System.nanoTime() - t0) / 1_000_000;
            assertEquals(-1, java.util.Arrays.mismatch(Files.readAllBytes(a), first.toByteArray()));
            assertEquals(-1, java.util.Arrays.mismatch(Files.readAllBytes(b), second.toByteArray()));
            assertTrue(millis < 900, "second request served without waiting for a retransmission: " + millis + " ms");
        } finally {
            client.close();
        }
        assertEquals(2, this.server.stats().transfers(), "two transfers, no duplicate");
    }

    @Test
    void servesCommonsNetPastRollover() throws Exception {
        Path root = dir.resolve("root");
        Path src = TftpFixtures.file(root, "big", 65_536L * 512 + 300);
        InetSocketAddress a = start(TftpServer.builder().root(root));
        TFTPClient client = new TFTPClient();
        client.open();
        Path out = dir.resolve("got");
        try (OutputStream o = Files.newOutputStream(out)) {
            client.setSoTimeout(java.time.Duration.ofSeconds(2));
            client.receiveFile("big", TFTP.BINARY_MODE, o, a.getAddress(), a.getPort());
        } finally {
            client.close();
        }
        assertTrue(TftpFixtures.sameContent(src, out));
    }

    @Test
    void refusesUploadsWhenReadOnly() throws Exception {
        Path root = dir.resolve("root");
        Files.createDirectories(root);
        InetSocketAddress a = start(TftpServer.builder().root(root));
        TFTPClient client = new TFTPClient();
        client.open();
        try {
            client.setSoTimeout(java.time.Duration.ofSeconds(2));
            java.io.IOException e = assertThrows(java.io.IOException.class, () -> client.sendFile("new", TFTP.BINARY_MODE,
                    new java.io.ByteArrayInputStream(new byte[100]), a.getAddress(), a.getPort()));
            assertTrue(e.getMessage().contains("read-only"), e.getMessage());
        } finally {
            client.close();
        }
        try (Stream<Path> s = Files.list(root)) {
            assertEquals(0, s.count());
        }
    }

    @Test
    void acceptsUploadsOnlyAsConfigured() throws Exception {
        Path atftp = Peers.require("atftp", "atftp");
        Path root = dir.resolve("root");
        Path existing = TftpFixtures.file(root, "existing", 10);
        Path upload = TftpFixtures.file(dir, "upload", 1_000_003);
        InetSocketAddress a = start(TftpServer.builder().root(root).allowWrite(true));
        String port = Integer.toString(a.getPort());
        // Overwriting an existing file is allowed; creating a new one is not.
        assertEquals(0, Peers.run(dir.resolve("put1.log"), 60, atftp.toString(), "--option", "blksize 1468",
                "--option", "windowsize 8", "-p", "-l", upload.toString(), "-r", "existing", "127.0.0.1", port),
                Files.readString(dir.resolve("put1.log")));
        assertTrue(TftpFixtures.sameContent(upload, existing));
        int rc = Peers.run(dir.resolve("put2.log"), 60, atftp.toString(), "-p", "-l", upload.toString(), "-r", "new",
                "127.0.0.1", port);
        assertTrue(rc != 0 || !Files.exists(root.resolve("new")), Files.readString(dir.resolve("put2.log")));
        assertFalse(Files.exists(root.resolve("new")));
        server.close();

        InetSocketAddress b = start(TftpServer.builder().root(root).allowCreate(true));
        assertEquals(0, Peers.run(dir.resolve("put3.log"), 60, atftp.toString(), "--option", "blksize 8192",
                "-p", "-l", upload.toString(), "-r", "new", "127.0.0.1", Integer.toString(b.getPort())),
                Files.readString(dir.resolve("put3.log")));
        assertTrue(TftpFixtures.sameContent(upload, root.resolve("new")));
        try (Stream<Path> s = Files.list(root)) {
            assertTrue(s.noneMatch(p -> p.getFileName().toString().endsWith(".tftp-part")), "no temporary file left");
        }
        assertEquals(1_000_003, server.stats().bytesReceived());
    }

    @Test
    void uploadThroughCommonsNetIsAtomic() throws Exception {
        Path root = dir.resolve("root");
        Files.createDirectories(root);
        InetSocketAddress a = start(TftpServer.builder().root(root).allowWrite(true).allowCreate(true));
        byte[] data = new byte[65_536 * 2 + 5];
        new java.util.Random(5).nextBytes(data);
        TFTPClient client = new TFTPClient();
        client.open();
        try (InputStream in = new java.io.ByteArrayInputStream(data)) {
            client.setSoTimeout(java.time.Duration.ofSeconds(2));
            java.io.IOException e = assertThrows(java.io.IOException.class,
                    () -> client.sendFile("up/../new-image", TFTP.BINARY_MODE, in, a.getAddress(), a.getPort()));
            assertTrue(e.getMessage().contains("outside the root"), e.getMessage());
        } finally {
            client.close();
        }
        // Replace an existing image. Halfway through the upload, the target must still be the old
        // image, whole, with the new bytes going to a hidden temporary file beside it.
        Path target = root.resolve("new-image");
        byte[] old = "the previous image".repeat(1000).getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        Files.write(target, old);
        java.util.List<String> seenHalfway = new java.util.ArrayList<>();
        InputStream observing = new java.io.FilterInputStream(new java.io.ByteArrayInputStream(data)) {
            private int sent;

            @Override
            public int read(byte[] b, int off, int len) throws java.io.IOException {
                if (sent >= data.length / 2 && seenHalfway.isEmpty()) {
                    seenHalfway.add(java.util.Arrays.equals(old, Files.readAllBytes(target)) ? "old image intact" : "target changed");
                    try (java.util.stream.Stream<Path> files = Files.list(root)) {
                        files.map(p -> p.getFileName().toString()).filter(n -> n.startsWith(".")).forEach(n -> seenHalfway.add("temp " + n));
                    }
                }
                int n = super.read(b, off, len);
                sent += Math.max(0, n);
                return n;
            }
        };
        client.open();
        try (observing) {
            client.sendFile("new-image", TFTP.BINARY_MODE, observing, a.getAddress(), a.getPort());
        } finally {
            client.close();
        }
        assertEquals("old image intact", seenHalfway.isEmpty() ? "not observed" : seenHalfway.get(0), seenHalfway.toString());
        assertTrue(seenHalfway.stream().anyMatch(s -> s.startsWith("temp .new-image")), "the upload went to a hidden file: " + seenHalfway);
        assertEquals(-1, java.util.Arrays.mismatch(data, Files.readAllBytes(target)));
        try (java.util.stream.Stream<Path> files = Files.list(root)) {
            assertEquals(java.util.List.of("new-image"), files.map(p -> p.getFileName().toString()).toList(), "no temporary file left");
        }
    }
}

package dev.apimage.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.apimage.image.ImageDigests;
import dev.apimage.simulator.SampleBundle;
import dev.apimage.testing.ProcessOutput;
import dev.apimage.tftp.TftpServer;
import java.io.StringWriter;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TftpCommandsTest {

    @TempDir
    Path dir;

    private final CliRun cli = new CliRun();
    private final StringWriter out = cli.out;
    private final StringWriter err = cli.err;

    @Test
    void fetchPrintsSizeTimeThroughputAndSha256() throws Exception {
        Path root = SampleBundle.write(dir.resolve("bundle"), 100, false);
        try (TftpServer server = TftpServer.builder().root(root).port(0).build()) {
            InetSocketAddress a = server.start();
            Path target = dir.resolve("ap1g8 copy");
            assertEquals(0, cli.run("fetch", "tftp://127.0.0.1:" + a.getPort() + "/ap1g8", "-o", target.toString(),
                    "--blksize", "8192", "--windowsize", "8"), err.toString());
            String text = out.toString();
            assertTrue(text.contains("Size       : 705,126 bytes"), text);
            assertTrue(text.contains("SHA-256    : " + ImageDigests.of(root.resolve("ap1g8")).sha256()), text);
            assertTrue(text.contains("Throughput : "), text);
            assertEquals(-1, Files.mismatch(root.resolve("ap1g8"), target));
        }
    }

    @Test
    void failedFetchSaysWhyInOneLineAndLeavesNoFile() throws Exception {
        Path root = SampleBundle.write(dir.resolve("bundle"), 1000, false);
        try (TftpServer server = TftpServer.builder().root(root).port(0).build()) {
            InetSocketAddress a = server.start();
            Path target = dir.resolve("out/ap1g6");
            Files.createDirectories(target.getParent());
            assertEquals(1, cli.run("fetch", "tftp://127.0.0.1:" + a.getPort() + "/Wrong-Path/ap1g6", "-o", target.toString()));
            assertEquals("Failed to download file tftp://127.0.0.1:" + a.getPort() + "/Wrong-Path/ap1g6: No such file or directory",
                    err.toString().strip());
            try (Stream<Path> s = Files.list(target.getParent())) {
                assertEquals(0, s.count(), "no partial or temporary file");
            }
        }
    }

    @Test
    void fetchFromNowhereTimesOut() throws Exception {
        int port;
        try (DatagramSocket s = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        assertEquals(1, cli.run("fetch", "tftp://127.0.0.1:" + port + "/EWC/17_9_4a/ap1g6", "-o", dir.resolve("x").toString(),
                "--timeout", "1"));
        assertTrue(err.toString().startsWith("Failed to download file tftp://127.0.0.1:" + port + "/EWC/17_9_4a/ap1g6: Timed out"),
                err.toString());
        assertFalse(Files.exists(dir.resolve("x")));
    }

    @Test
    void badFetchArgumentsAreOneLine() {
        assertEquals(2, cli.run("fetch", "tftp://127.0.0.1/ap1g8"));
        assertTrue(err.toString().contains("Missing required option: '--output=FILE'"), err.toString());
        err.getBuffer().setLength(0);
        assertEquals(2, cli.run("fetch", "no uri", "-o", "x"));
        assertEquals(1, err.toString().strip().lines().count(), err.toString());
        err.getBuffer().setLength(0);
        assertEquals(1, cli.run("fetch", "gopher://127.0.0.1/ap1g8", "-o", dir.resolve("g").toString()));
        assertTrue(err.toString().contains("Protocol not supported"), err.toString());
    }

    /** The server command as operators run it: a process that logs requests and exits 0 on SIGTERM. */
    @Test
    void tftpServerServesLogsAndStopsCleanlyOnSigterm() throws Exception {
        Path root = SampleBundle.write(dir.resolve("bundle"), 1000, false);
        int port;
        try (DatagramSocket s = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Path log = dir.resolve("server.log");
        Process p = new ProcessBuilder(java.toString(), "-cp", System.getProperty("java.class.path"),
                ApImageCli.class.getName(), "tftp-server", "--root", root.toString(), "--port", Integer.toString(port))
                .redirectErrorStream(true).start();
        ProcessOutput output = ProcessOutput.of(p, log);
        try {
            String serving = output.await("Serving ", Duration.ofSeconds(20));
            assertTrue(serving.contains("Serving " + root.toAbsolutePath() + " over TFTP on 127.0.0.1:" + port
                    + " (read-only)"), output.text());
            assertEquals(1, cli.run("fetch", "tftp://127.0.0.1:" + port + "/EWC/../ap1g7", "-o", dir.resolve("a").toString()),
                    "hostile name refused");
            assertEquals(0, cli.run("fetch", "tftp://127.0.0.1:" + port + "/ap1g7", "-o", dir.resolve("b").toString()), err.toString());
        } finally {
            p.toHandle().destroy(); // SIGTERM; Process.destroy() would also close the output we still read
        }
        assertTrue(p.waitFor(20, TimeUnit.SECONDS));
        String text = output.awaitEnd(Duration.ofSeconds(10));
        assertEquals(0, p.exitValue(), text);
        assertTrue(text.contains("RRQ from 127.0.0.1 filename /ap1g7"), text);
        assertTrue(text.contains("refused: '..' in file name"), text);
        assertTrue(text.contains("TFTP server stopped"), text);
    }
}

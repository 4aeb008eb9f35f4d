package dev.apimage.examples;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.apimage.profile.DownloadMode;
import dev.apimage.profile.ImageDownloadProfile;
import dev.apimage.profile.ImageServer;
import dev.apimage.simulator.SampleBundle;
import dev.apimage.testing.ProcessOutput;
import dev.apimage.tftp.TftpServer;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code apimage controller} as a process serving images from a TFTP server named by a profile
 * file, and {@code apimage ap} against it.
 */
class CapwapCommandsTest {

    @TempDir
    Path dir;

    @Test
    void apDownloadsItsImageFromTheControllerCommandAndBothReportIt() throws Exception {
        Path bundle = SampleBundle.write(dir.resolve("bundle"), 2000, false);
        try (TftpServer tftp = TftpServer.builder().root(bundle).address(InetAddress.getLoopbackAddress()).port(0).build()) {
            InetSocketAddress t = tftp.start();
            ImageDownloadProfile profile = ImageDownloadProfile.builder().name("lab").mode(DownloadMode.TFTP)
                    .server(ImageServer.of("127.0.0.1", t.getPort())).imagePath("/").build();
            Path profileFile = dir.resolve("profile.txt");
            Files.writeString(profileFile, profile.renderCli());
            int port;
            try (DatagramSocket s = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
                port = s.getLocalPort();
            }
            Path java = Path.of(System.getProperty("java.home"), "bin", "java");
            Path log = dir.resolve("controller.log");
            Process p = new ProcessBuilder(java.toString(), "-cp", System.getProperty("java.class.path"), ApImageCli.class.getName(),
                    "controller", "--profile", profileFile.toString(), "--capwap-port", Integer.toString(port), "--no-dtls",
                    "--ac-name", "EWC-9105")
                    .redirectErrorStream(true).start();
            ProcessOutput output = ProcessOutput.of(p, log);
            CliRun ap = new CliRun();
            CliRun small = new CliRun();
            try {
                String listening = output.await("Controller listening", Duration.ofSeconds(20));
                assertTrue(listening.contains("Controller listening for CAPWAP on 127.0.0.1:" + port + " (plain UDP, no DTLS), AC Name EWC-9105,"
                        + " image 17.9.4.27"), output.text());
                Path staging = dir.resolve("ap-staging");
                assertEquals(0, ap.run("ap", "--controller", "127.0.0.1:" + port, "--model", "C9105AXI-B", "--version", "17.3.3.26",
                        "--staging", staging.toString(), "--no-dtls"), ap.err.toString());
                assertTrue(ap.out.toString().contains("AP0001: image ap1g8 stored and verified, running 17.9.4.27"), ap.out.toString());
                try (Stream<Path> files = Files.list(staging)) {
                    assertEquals(List.of("ap1g8"), files.map(f -> f.getFileName().toString()).toList());
                }
                assertArrayEquals(Files.readAllBytes(bundle.resolve("ap1g8")), Files.readAllBytes(staging.resolve("ap1g8")));

                // A second AP of the same type downloads too, from the image the controller already holds.
                CliRun second = new CliRun();
                Path staging2 = dir.resolve("ap2-staging");
                assertEquals(0, second.run("ap", "--controller", "127.0.0.1:" + port, "--model", "C9105AXI-B", "--version", "17.3.3.26",
                        "--staging", staging2.toString(), "--name", "AP0003", "--no-dtls"), second.err.toString());
                assertArrayEquals(Files.readAllBytes(bundle.resolve("ap1g8")), Files.readAllBytes(staging2.resolve("ap1g8")));

                Path tiny = dir.resolve("tiny");
                assertEquals(1, small.run("ap", "--controller", "127.0.0.1:" + port, "--model", "C9105AXI-B", "--version", "17.3.3.26",
                        "--staging", tiny.toString(), "--space", "1000", "--name", "AP0002", "--no-dtls"));
                assertTrue(small.err.toString().contains("AP0002: download failed: PRECHECK failed: not enough space, available 1000"),
                        small.err.toString());
                try (Stream<Path> files = Files.list(tiny)) {
                    assertEquals(0, files.count(), "nothing left after a failed precheck");
                }

                // "show" on stdin: the registry and show ap image, from what the APs reported when they joined again.
                p.getOutputStream().write("show\n".getBytes(StandardCharsets.UTF_8));
                p.getOutputStream().flush();
                output.await("show ap image (as the APs reported it):", Duration.ofSeconds(20));
                String row = output.await("AP0001 ", Duration.ofSeconds(5));
                assertTrue(row.matches("AP0001 +17\\.9\\.4\\.27 +17\\.3\\.3\\.26 +None .*"), row);
            } finally {
                p.toHandle().destroy(); // SIGTERM; Process.destroy() would also close the output we still read
            }
            assertTrue(p.waitFor(20, TimeUnit.SECONDS));
            String text = output.awaitEnd(Duration.ofSeconds(10));
            assertEquals(0, p.exitValue(), text);
            assertTrue(text.contains("ap1g8    COMPLETED 100%"), text);
            assertTrue(text.contains("Image Data Request from 127.0.0.1:"), text);
            assertEquals(2, tftp.stats().transfers(), "version.info, and ap1g8 once for both APs that downloaded: " + tftp.stats());
            assertTrue(text.contains("AP joined: AP0001 model C9105AXI-B type ap1g8"), "learnt from its Join Request: " + text);
            assertTrue(text.contains("running 17.9.4.27 backup 17.3.3.26"), "and again after its reset into the image: " + text);
            assertEquals(2, text.split("COMPLETED 100%", -1).length - 1, "two APs completed: " + text);
        }
    }

    @Test
    void badArgumentsGetOneLineAndStatusTwo() {
        CliRun cli = new CliRun();
        assertEquals(2, cli.run("ap", "--controller", "nowhere", "--image-type", "ap1g8", "--version", "1.2", "--staging", dir.toString(),
                "--no-dtls"));
        assertTrue(cli.err.toString().contains("--controller must be HOST:PORT"), cli.err.toString());
        CliRun dtls = new CliRun();
        assertEquals(2, dtls.run("ap", "--controller", "127.0.0.1:5246", "--version", "1.2", "--staging", dir.toString()));
        assertTrue(dtls.err.toString().contains("--no-dtls runs the plain-UDP lab mode"), dtls.err.toString());
        CliRun c2 = new CliRun();
        assertEquals(2, c2.run("controller", "--profile", dir.resolve("missing").toString(), "--no-dtls"));
        assertTrue(c2.err.toString().contains("cannot read --profile"), c2.err.toString());
        CliRun both = new CliRun();
        assertEquals(2, both.run("ap", "--controller", "127.0.0.1:5246", "--version", "1.2", "--staging", dir.toString(), "--no-dtls",
                "--dtls-psk-file", dir.resolve("k").toString()));
        assertTrue(both.err.toString().contains("give one of --dtls-psk-file"), both.err.toString());
    }

    @Test
    void controllerAndApCommandsJoinOverDtlsWithKeyFilesAndTheKeyStaysOutOfTheOutput() throws Exception {
        String key = "00112233445566778899aabbccddeeff";
        Path bundle = SampleBundle.write(dir.resolve("bundle"), 2000, false);
        try (TftpServer tftp = TftpServer.builder().root(bundle).address(InetAddress.getLoopbackAddress()).port(0).build()) {
            InetSocketAddress t = tftp.start();
            ImageDownloadProfile profile = ImageDownloadProfile.builder().name("lab").mode(DownloadMode.TFTP)
                    .server(ImageServer.of("127.0.0.1", t.getPort())).imagePath("/").build();
            Path profileFile = dir.resolve("profile.txt");
            Files.writeString(profileFile, profile.renderCli());
            Path controllerKeys = Files.writeString(dir.resolve("controller.psk"), "AP0007 = " + key + "\n");
            Path apKey = Files.writeString(dir.resolve("ap.psk"), key + "\n");
            int port;
            try (DatagramSocket s = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
                port = s.getLocalPort();
            }
            Path java = Path.of(System.getProperty("java.home"), "bin", "java");
            Process p = new ProcessBuilder(java.toString(), "-cp", System.getProperty("java.class.path"), ApImageCli.class.getName(),
                    "controller", "--profile", profileFile.toString(), "--capwap-port", Integer.toString(port),
                    "--dtls-psk-file", controllerKeys.toString(), "--dtls-psk-hint", "EWC-9105").redirectErrorStream(true).start();
            ProcessOutput output = ProcessOutput.of(p, dir.resolve("controller.log"));
            try {
                String listening = output.await("Controller listening", Duration.ofSeconds(20));
                assertTrue(listening.contains("(DTLS, pre-shared keys)"), listening);
                CliRun ap = new CliRun();
                assertEquals(0, ap.run("ap", "--controller", "127.0.0.1:" + port, "--model", "C9105AXI-B", "--version", "17.3.3.26",
                        "--name", "AP0007", "--staging", dir.resolve("ap").toString(), "--dtls-psk-file", apKey.toString()),
                        ap.err.toString());
                assertTrue(ap.out.toString().contains("AP0007: image ap1g8 stored and verified, running 17.9.4.27"), ap.out.toString());
                assertArrayEquals(Files.readAllBytes(bundle.resolve("ap1g8")), Files.readAllBytes(dir.resolve("ap").resolve("ap1g8")));

                // An AP whose identity the controller does not know: refused, with the reason on the controller's side.
                CliRun stranger = new CliRun();
                assertEquals(1, stranger.run("ap", "--controller", "127.0.0.1:" + port, "--model", "C9105AXI-B", "--version", "17.3.3.26",
                        "--name", "AP0008", "--staging", dir.resolve("ap8").toString(), "--dtls-psk-file", apKey.toString(),
                        "--timeout", "5"));
                output.await("failed: unknown PSK identity AP0008", Duration.ofSeconds(20));
            } finally {
                p.toHandle().destroy();
            }
            assertTrue(p.waitFor(20, TimeUnit.SECONDS));
            String text = output.awaitEnd(Duration.ofSeconds(10));
            assertTrue(!text.contains(key), "the key never reaches the output");
            assertTrue(text.contains("AP joined: AP0007 model C9105AXI-B"), text);
        }
    }

    @Test
    void blocksBeyondRfc5415NeedTheExplicitOption() throws Exception {
        Path profileFile = dir.resolve("p.txt");
        Files.writeString(profileFile, ImageDownloadProfile.builder().name("lab").mode(DownloadMode.TFTP)
                .server(ImageServer.of("127.0.0.1")).imagePath("/").build().renderCli());
        CliRun cli = new CliRun();
        assertEquals(2, cli.run("controller", "--profile", profileFile.toString(), "--capwap-port", "0", "--block-size", "1377",
                "--no-dtls", "--target-version", "17.9.4.27"));
        assertTrue(cli.err.toString().contains("RFC 5415 allows at most 1024 data bytes"), cli.err.toString());
    }
}

package dev.apimage.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.apimage.image.ImageDigests;
import dev.apimage.sftp.MinaSftpServer;
import dev.apimage.simulator.SampleBundle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code apimage fetch sftp://...} as a process, its password in an environment variable. */
class SftpFetchCommandTest {

    @TempDir
    Path dir;

    private record Run(int exit, String out) {
    }

    private Run fetch(List<String> args, boolean withPassword) throws Exception {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        List<String> cmd = new java.util.ArrayList<>(List.of(java.toString(), "-cp", System.getProperty("java.class.path"),
                ApImageCli.class.getName(), "fetch"));
        cmd.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        if (withPassword) {
            pb.environment().put("SFTP_PASSWORD", MinaSftpServer.PASSWORD);
        }
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        return new Run(p.exitValue(), out);
    }

    @Test
    void fetchesOverSftpAndFailsInTheControllersWords() throws Exception {
        Path root = dir.resolve("home");
        Path image = root.resolve("Documents/sftp_files/EWC_17_9_4a/ap3g3");
        Files.createDirectories(image.getParent());
        SampleBundle.writeImage(image, 591_564, false, 3);
        try (MinaSftpServer server = new MinaSftpServer(root, dir.resolve("hostkey"), null)) {
            Path knownHosts = Files.writeString(dir.resolve("known_hosts"), server.knownHostsLine() + "\n");
            String base = "sftp://calo@127.0.0.1:" + server.port();
            Run ok = fetch(List.of(base + "/Documents/sftp_files/EWC_17_9_4a/ap3g3", "-o", dir.resolve("ap3g3").toString(),
                    "--password-env", "SFTP_PASSWORD", "--known-hosts", knownHosts.toString()), true);
            assertEquals(0, ok.exit(), ok.out());
            assertTrue(ok.out().contains("Downloaded sftp://*****@127.0.0.1:" + server.port()
                    + "/Documents/sftp_files/EWC_17_9_4a/ap3g3"), ok.out());
            assertTrue(ok.out().contains("SHA-256    : " + ImageDigests.of(image).sha256()), ok.out());
            assertEquals(-1, Files.mismatch(image, dir.resolve("ap3g3")));

            Run wrong = fetch(List.of(base + "/Documents/Wrong-Path/ap1g6", "-o", dir.resolve("ap1g6").toString(),
                    "--password-env", "SFTP_PASSWORD", "--known-hosts", knownHosts.toString()), true);
            assertEquals(1, wrong.exit());
            assertTrue(wrong.out().contains("Failed to download file sftp://*****@127.0.0.1:" + server.port()
                    + "/Documents/Wrong-Path/ap1g6: No such file or directory"), wrong.out());
            assertFalse(Files.exists(dir.resolve("ap1g6")));

            Run unknownHost = fetch(List.of(base + "/Documents/sftp_files/EWC_17_9_4a/ap3g3", "-o", dir.resolve("x").toString(),
                    "--password-env", "SFTP_PASSWORD", "--known-hosts", dir.resolve("none").toString()), true);
            assertEquals(1, unknownHost.exit());
            assertTrue(unknownHost.out().contains(": Host key rejected"), unknownHost.out());

            Run noEnv = fetch(List.of(base + "/x/ap3g3", "-o", dir.resolve("y").toString(), "--password-env", "SFTP_PASSWORD"), false);
            assertEquals(2, noEnv.exit());
            assertTrue(noEnv.out().contains("environment variable SFTP_PASSWORD is not set"), noEnv.out());
            for (Run r : List.of(ok, wrong, unknownHost, noEnv)) {
                assertFalse(r.out().contains(MinaSftpServer.PASSWORD), "the password is never printed");
            }
        }
    }
}

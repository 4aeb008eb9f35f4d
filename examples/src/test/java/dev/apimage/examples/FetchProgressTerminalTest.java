package dev.apimage.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.apimage.simulator.SampleBundle;
import dev.apimage.tftp.TftpServer;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The fetch progress bar shows on a terminal (a tmux pane) and not in a pipe. */
class FetchProgressTerminalTest {

    @TempDir
    Path dir;

    @Test
    void progressBarOnlyOnATerminal() throws Exception {
        Path root = SampleBundle.write(dir.resolve("bundle"), 10, false);
        try (TftpServer server = TftpServer.builder().root(root).port(0).build()) {
            InetSocketAddress a = server.start();
            String uri = "tftp://127.0.0.1:" + a.getPort() + "/ap1g8";

            StringWriter out = new StringWriter();
            assertEquals(0, ApImageCli.run(new PrintWriter(out, true), new PrintWriter(new StringWriter(), true),
                    "fetch", uri, "-o", dir.resolve("piped").toString()));
            assertFalse(out.toString().contains("%"), "no progress bar when not a terminal: " + out);

            assumeTrue(Files.isExecutable(Path.of("/usr/bin/tmux")), "tmux not found: install Debian package 'tmux' (.ci/run does)");
            Path java = Path.of(System.getProperty("java.home"), "bin", "java");
            Path screen = dir.resolve("screen.txt");
            String session = "apimage-" + ProcessHandle.current().pid();
            String cmd = java + " -cp " + System.getProperty("java.class.path") + " " + ApImageCli.class.getName()
                    + " fetch " + uri + " -o " + dir.resolve("tty") + "; tmux wait-for -S " + session + "-done; sleep 30";
            run("tmux", "new-session", "-d", "-s", session, "-x", "160", "-y", "20", cmd);
            try {
                // The shell in the pane signals when the fetch has ended; then the screen is read once.
                run("timeout", "30", "tmux", "wait-for", session + "-done");
                run("sh", "-c", "tmux capture-pane -p -t " + session + " > " + screen);
                String text = Files.readString(screen);
                assertTrue(text.contains("tty 100% ["), text);
                assertTrue(text.contains("] 7/7 MB"), text);
                assertTrue(text.contains("SHA-256"), text);
            } finally {
                run("tmux", "kill-session", "-t", session);
            }
        }
    }

    private static void run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        assertTrue(p.waitFor(40, TimeUnit.SECONDS), String.join(" ", cmd));
        assertEquals(0, p.exitValue(), String.join(" ", cmd));
    }
}

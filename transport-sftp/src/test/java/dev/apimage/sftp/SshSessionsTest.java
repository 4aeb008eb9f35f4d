package dev.apimage.sftp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.jcraft.jsch.JSch;
import com.jcraft.jsch.Session;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Sessions are shared while in use and closed once idle, against a real MINA server. */
class SshSessionsTest {

    @TempDir
    Path tmp;

    @Test
    void sharesWhileInUseAndClosesWhenIdle() throws Exception {
        Files.createDirectories(tmp.resolve("home"));
        try (MinaSftpServer server = new MinaSftpServer(tmp.resolve("home"), tmp.resolve("hostkey"), null);
                SshSessions sessions = new SshSessions(300)) {
            JSch jsch = new JSch();
            jsch.setKnownHosts(new java.io.ByteArrayInputStream((server.knownHostsLine() + "\n").getBytes(StandardCharsets.US_ASCII)));
            SshSessions.Connector connector = () -> {
                Session s = jsch.getSession(MinaSftpServer.USER, "127.0.0.1", server.port());
                s.setPassword(MinaSftpServer.PASSWORD);
                s.setConfig("StrictHostKeyChecking", "yes");
                s.connect(10_000);
                return s;
            };
            SshSessions.Key key = new SshSessions.Key(MinaSftpServer.USER, "127.0.0.1", server.port(), List.of("secret"));
            Session a = sessions.acquire(key, connector);
            Session b = sessions.acquire(key, connector);
            assertSame(a, b, "shared");
            Session other = sessions.acquire(new SshSessions.Key(MinaSftpServer.USER, "127.0.0.1", server.port(),
                    List.of("other credentials")), connector);
            assertTrue(other != a, "other credentials, other session");
            assertEquals(2, sessions.open());
            sessions.release(key, a, false);
            Thread.sleep(600);
            assertTrue(a.isConnected(), "still used by the second transfer");
            sessions.release(key, b, false);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (a.isConnected() && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertFalse(a.isConnected(), "closed after sitting idle");
            assertEquals(1, sessions.open());
            assertEquals(2, server.sessionsOpened.get());
        }
    }
}

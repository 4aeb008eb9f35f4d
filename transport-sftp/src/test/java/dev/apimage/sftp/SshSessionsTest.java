package dev.apimage.sftp;

import dev.apimage.time.VirtualClock;
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

    /** The sessions' clock, stepped by the test: idleness is judged without waiting for it. */
    private final VirtualClock clock = new VirtualClock();

    @Test
    void sharesWhileInUseAndClosesWhenIdle() throws Exception {
        Files.createDirectories(tmp.resolve("home"));
        try (MinaSftpServer server = new MinaSftpServer(tmp.resolve("home"), tmp.resolve("hostkey"), null);
                SshSessions sessions = new SshSessions(300, clock)) {
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
            SshSessions.Lease a = sessions.acquire(key, 2, 3, connector);
            assertEquals(2, a.channels());
            SshSessions.Lease b = sessions.acquire(key, 2, 3, connector);
            assertSame(a.session(), b.session(), "shared while it has room");
            assertEquals(1, b.channels(), "only the room left of the session's 3 channels");
            SshSessions.Lease other = sessions.acquire(new SshSessions.Key(MinaSftpServer.USER, "127.0.0.1", server.port(),
                    List.of("other credentials")), 1, 3, connector);
            assertTrue(other.session() != a.session(), "other credentials, other session");
            SshSessions.Lease c = sessions.acquire(key, 1, 3, connector);
            assertTrue(c.session() != a.session(), "a full session is not shared: another one is opened");
            assertEquals(3, sessions.open());
            sessions.release(c, false);
            sessions.release(a, false);
            SshSessions.Lease d = sessions.acquire(key, 4, 3, connector);
            assertEquals(3, d.channels(), "never more than a session may carry");
            sessions.release(d, false);
            clock.advanceNanos(TimeUnit.MILLISECONDS.toNanos(299));
            sessions.reap(); // at the instant, not at the reaper's next period
            assertTrue(c.session().isConnected(), "not yet idle for the limit");
            clock.advanceNanos(TimeUnit.MILLISECONDS.toNanos(2));
            sessions.reap(); // at the instant, not at the reaper's next period
            assertTrue(b.session().isConnected(), "still used by the second transfer");
            assertTrue(!c.session().isConnected(), "the other one closed after sitting idle");
            sessions.release(b, false);
            sessions.reap();
            assertTrue(b.session().isConnected(), "just released: not idle yet");
            clock.advanceNanos(TimeUnit.MILLISECONDS.toNanos(301));
            sessions.reap(); // at the instant, not at the reaper's next period
            assertFalse(b.session().isConnected(), "closed after sitting idle");
            assertEquals(1, sessions.open());
            assertEquals(3, server.sessionsOpened.get());
        }
    }
}

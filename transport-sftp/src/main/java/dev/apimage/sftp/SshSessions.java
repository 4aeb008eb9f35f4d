package dev.apimage.sftp;

import com.jcraft.jsch.JSch;
import com.jcraft.jsch.JSchException;
import com.jcraft.jsch.Session;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * SSH sessions shared by the transfers of one upgrade: one per (user, host, port, credentials),
 * counted while in use and disconnected after sitting idle. Thread-safe.
 */
final class SshSessions implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(SshSessions.class);

    /** What identifies a reusable session; the credential is compared by identity, never printed. */
    record Key(String user, String host, int port, Object credential) {
        @Override
        public String toString() {
            return user + "@" + host + ":" + port;
        }
    }

    /** Makes a connected session. */
    interface Connector {
        Session connect() throws JSchException;
    }

    private static final class Entry {
        final Session session;
        int users;
        long idleSince;

        Entry(Session session) {
            this.session = session;
        }
    }

    private final Map<Key, Entry> sessions = new HashMap<>();
    private final long idleNanos;
    private final ScheduledExecutorService reaper;

    SshSessions(long idleMillis) {
        this.idleNanos = TimeUnit.MILLISECONDS.toNanos(idleMillis);
        this.reaper = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "apimage-sftp-idle");
            t.setDaemon(true);
            return t;
        });
        long period = Math.max(100, idleMillis / 4);
        reaper.scheduleAtFixedRate(this::reap, period, period, TimeUnit.MILLISECONDS);
    }

    /** A connected session for the key, shared when one is open. */
    Session acquire(Key key, Connector connector) throws JSchException {
        synchronized (this) {
            Entry e = sessions.get(key);
            if (e != null && e.session.isConnected()) {
                e.users++;
                return e.session;
            }
            if (e != null) {
                sessions.remove(key);
            }
        }
        Session s = connector.connect(); // outside the lock: connecting takes network time
        synchronized (this) {
            Entry e = sessions.get(key);
            if (e != null && e.session.isConnected()) {
                // Another transfer connected meanwhile: share its session.
                e.users++;
                s.disconnect();
                return e.session;
            }
            Entry fresh = new Entry(s);
            fresh.users = 1;
            sessions.put(key, fresh);
            LOG.debug("SSH session to {} opened", key);
            return s;
        }
    }

    /** Done with a session; {@code broken} disconnects it at once. */
    synchronized void release(Key key, Session session, boolean broken) {
        Entry e = sessions.get(key);
        if (e == null || e.session != session) {
            if (broken) {
                session.disconnect();
            }
            return;
        }
        e.users--;
        if (broken) {
            sessions.remove(key);
            session.disconnect();
        } else if (e.users == 0) {
            e.idleSince = System.nanoTime();
        }
    }

    /** Sessions open now, for tests and diagnostics. */
    synchronized int open() {
        return sessions.size();
    }

    private synchronized void reap() {
        long now = System.nanoTime();
        for (Iterator<Map.Entry<Key, Entry>> it = sessions.entrySet().iterator(); it.hasNext();) {
            Map.Entry<Key, Entry> me = it.next();
            Entry e = me.getValue();
            if (!e.session.isConnected() || (e.users == 0 && now - e.idleSince > idleNanos)) {
                it.remove();
                e.session.disconnect();
                LOG.debug("SSH session to {} closed (idle)", me.getKey());
            }
        }
    }

    @Override
    public synchronized void close() {
        reaper.shutdownNow();
        sessions.values().forEach(e -> e.session.disconnect());
        sessions.clear();
    }

    static {
        JSch.setLogger(new com.jcraft.jsch.Slf4jLogger());
    }
}

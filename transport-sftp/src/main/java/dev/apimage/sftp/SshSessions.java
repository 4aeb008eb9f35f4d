package dev.apimage.sftp;

import dev.apimage.time.NanoClock;
import com.jcraft.jsch.JSchException;
import com.jcraft.jsch.Session;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * SSH sessions shared by the transfers of one upgrade: per (user, host, port, credentials), a few
 * sessions that each carry at most a set number of channels at once (OpenSSH refuses channels past
 * its {@code MaxSessions}, 10 by default), counted while in use and disconnected after sitting
 * idle. Thread-safe.
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

    /** A session and the number of channels this holder may open on it (at least one). */
    static final class Lease {
        private final Entry entry;
        private final int channels;

        private Lease(Entry entry, int channels) {
            this.entry = entry;
            this.channels = channels;
        }

        Session session() {
            return entry.session;
        }

        int channels() {
            return channels;
        }
    }

    private static final class Entry {
        final Key key;
        final Session session;
        int channels;
        int users;
        long idleSince;

        Entry(Key key, Session session) {
            this.key = key;
            this.session = session;
        }
    }

    private final Map<Key, List<Entry>> sessions = new HashMap<>();
    private final long idleNanos;
    private final NanoClock clock;
    private final NanoClock.Timer reaper;

    SshSessions(long idleMillis) {
        this(idleMillis, NanoClock.system());
    }

    /**
     * Sessions closed after {@code idleMillis} unused, as read on {@code clock}, which also runs
     * the reaper (tests give a virtual clock and step it).
     */
    SshSessions(long idleMillis, NanoClock clock) {
        this.idleNanos = TimeUnit.MILLISECONDS.toNanos(idleMillis);
        this.clock = clock;
        this.reaper = clock.repeat(this::reap, Math.max(100_000_000L, idleNanos / 4));
    }

    /**
     * A connected session for the key with room for up to {@code wanted} channels of the
     * {@code maxChannels} one session may carry: an open one with room when there is one, else a
     * new one.
     */
    Lease acquire(Key key, int wanted, int maxChannels, Connector connector) throws JSchException {
        int max = Math.max(1, maxChannels);
        int want = Math.max(1, Math.min(wanted, max));
        synchronized (this) {
            Entry e = roomiest(key, max, 1);
            if (e != null) {
                return lease(e, want, max);
            }
        }
        Session s = connector.connect(); // outside the lock: connecting takes network time
        synchronized (this) {
            Entry e = roomiest(key, max, want);
            if (e != null) {
                // Another transfer connected meanwhile and has room for all we want: share it.
                s.disconnect();
                return lease(e, want, max);
            }
            Entry fresh = new Entry(key, s);
            sessions.computeIfAbsent(key, k -> new ArrayList<>()).add(fresh);
            LOG.debug("SSH session to {} opened", key);
            return lease(fresh, want, max);
        }
    }

    /** The connected session of the key with the most free channels, if at least {@code room}. */
    private Entry roomiest(Key key, int max, int room) {
        Entry best = null;
        for (Entry e : sessions.getOrDefault(key, List.of())) {
            if (e.session.isConnected() && max - e.channels >= room && (best == null || e.channels < best.channels)) {
                best = e;
            }
        }
        return best;
    }

    private static Lease lease(Entry e, int want, int max) {
        int granted = Math.min(want, max - e.channels);
        e.channels += granted;
        e.users++;
        return new Lease(e, granted);
    }

    /** Done with a lease; {@code broken} disconnects its session at once. */
    synchronized void release(Lease lease, boolean broken) {
        Entry e = lease.entry;
        e.channels -= lease.channels;
        e.users--;
        List<Entry> list = sessions.get(e.key);
        if (broken) {
            e.session.disconnect();
            if (list != null) {
                list.remove(e);
            }
        } else if (e.users == 0) {
            e.idleSince = clock.nanoTime();
        }
        if (list != null && list.isEmpty()) {
            sessions.remove(e.key);
        }
    }

    /** Sessions open now, for tests and diagnostics. */
    synchronized int open() {
        return sessions.values().stream().mapToInt(List::size).sum();
    }

    /** Closes the sessions idle longer than the limit, and any that lost their connection. */
    synchronized void reap() {
        long now = clock.nanoTime();
        for (Iterator<List<Entry>> lists = sessions.values().iterator(); lists.hasNext();) {
            List<Entry> list = lists.next();
            for (Iterator<Entry> it = list.iterator(); it.hasNext();) {
                Entry e = it.next();
                if (!e.session.isConnected() || (e.users == 0 && now - e.idleSince > idleNanos)) {
                    it.remove();
                    e.session.disconnect();
                    LOG.debug("SSH session to {} closed (idle)", e.key);
                }
            }
            if (list.isEmpty()) {
                lists.remove();
            }
        }
    }

    @Override
    public synchronized void close() {
        reaper.cancel();
        sessions.values().forEach(list -> list.forEach(e -> e.session.disconnect()));
        sessions.clear();
    }
}

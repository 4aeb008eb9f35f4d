package dev.apimage.sftp;

import dev.apimage.internal.Hosts;
import dev.apimage.internal.DaemonThreads;
import com.jcraft.jsch.ChannelSftp;
import com.jcraft.jsch.JSch;
import com.jcraft.jsch.JSchException;
import com.jcraft.jsch.Session;
import com.jcraft.jsch.SftpATTRS;
import com.jcraft.jsch.SftpException;
import dev.apimage.transfer.Secret;
import dev.apimage.transfer.FailureReason;
import dev.apimage.transfer.RemoteFile;
import dev.apimage.transfer.TransferException;
import dev.apimage.transfer.TransferOptions;
import dev.apimage.transfer.spi.AbstractTransferSession;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One SFTP download on threads of its own: connect (or share) the SSH session, stat the file,
 * then read it over one channel in order, or over several channels as ranges when the sink accepts
 * any order and the path's round trip is long enough to need them
 * ({@link SftpOptions#RANGES_MIN_ROUND_TRIP}). Reads go through one reused buffer per channel;
 * memory stays bounded whatever the file's size.
 */
final class SftpTransferSession extends AbstractTransferSession {

    private static final Logger LOG = LoggerFactory.getLogger(SftpTransferSession.class);
    private static final int BUFFER = 64 * 1024;

    private final String user;
    private final String host;
    private final int port;
    private final String remotePath;
    private final SshSessions sessions;
    private final SshSessions.Key key;
    private final List<ChannelSftp> channels = new CopyOnWriteArrayList<>();
    private volatile boolean channelsClosed;
    private volatile Session session;

    SftpTransferSession(URI uri, String user, TransferOptions options, SshSessions sessions) {
        super(uri, options);
        this.user = user;
        String h = uri.getHost();
        this.host = Hosts.unbracket(h);
        this.port = uri.getPort() < 0 ? 22 : uri.getPort();
        this.remotePath = literal(uri.getPath());
        this.sessions = sessions;
        // Every credential is part of the key: a session opened with the right password must never
        // serve a request that brings a wrong one. Secrets compare by content, in constant time.
        List<Object> credential = Arrays.asList(options.get(TransferOptions.PASSWORD), options.get(SftpOptions.PRIVATE_KEY),
                options.get(SftpOptions.PASSPHRASE), options.get(TransferOptions.IDENTITY_FILE),
                options.get(SftpOptions.KNOWN_HOSTS), options.get(SftpOptions.ACCEPT_NEW_HOST_KEY), options.get(SftpOptions.TUNED));
        this.key = new SshSessions.Key(user, host, port, credential);
    }

    /** JSch expands {@code *} and {@code ?} in paths; a backslash makes them literal. */
    static String literal(String path) {
        StringBuilder b = new StringBuilder(path.length() + 8);
        for (int i = 0; i < path.length(); i++) {
            char c = path.charAt(i);
            if (c == '*' || c == '?' || c == '\\') {
                b.append('\\');
            }
            b.append(c);
        }
        return b.toString();
    }

    @Override
    protected void doStart() {
        DaemonThreads.start("apimage-sftp", this::run);
    }

    private void run() {
        boolean broken = false;
        SshSessions.Lease lease = null;
        try {
            boolean mayUseRanges = sink().acceptsAnyOrder() && options().get(SftpOptions.TUNED);
            lease = sessions.acquire(key, mayUseRanges ? options().get(SftpOptions.PARALLEL_RANGES) : 1,
                    options().get(SftpOptions.MAX_CHANNELS_PER_SESSION), this::connect);
            session = lease.session();
            if (isEnded()) {
                return;
            }
            markConnected();
            // The range channels open while the first one does: each costs a few round trips.
            List<CompletableFuture<ChannelSftp>> spares = new ArrayList<>();
            for (int i = 1; i < lease.channels(); i++) {
                spares.add(openChannelAsync(i));
            }
            List<ChannelSftp> open = new ArrayList<>();
            try {
                open.add(openChannel());
            } catch (JSchException e) {
                // A server with a low MaxSessions may have given the slot to a spare instead.
                open.addAll(opened(spares));
                spares.clear();
                if (open.isEmpty()) {
                    throw e;
                }
            }
            ChannelSftp first = open.get(0);
            long statStart = clock().nanoTime();
            SftpATTRS attrs = first.stat(remotePath);
            long roundTrip = clock().nanoTime() - statStart;
            if (attrs.isDir()) {
                fail(FailureReason.NOT_FOUND, "is a directory", null);
                return;
            }
            long size = attrs.getSize();
            long start = startOffset();
            if (start > size) {
                fail(FailureReason.PROTOCOL_ERROR, "start offset " + start + " is past the end (" + size + " bytes)", null);
                return;
            }
            // SFTP's mtime has whole seconds; 0 means the server did not say.
            long mtime = attrs.getMTime() & 0xFFFFFFFFL;
            announceFile(new RemoteFile(size, mtime == 0 ? Optional.empty() : Optional.of(Instant.ofEpochSecond(mtime))));
            long remaining = size - start;
            open.addAll(opened(spares));
            int ranges = 1;
            long min = Math.max(1, options().get(SftpOptions.MIN_RANGE_SIZE));
            long rangesFrom = options().get(SftpOptions.RANGES_MIN_ROUND_TRIP).toNanos();
            if (mayUseRanges && open.size() > 1 && remaining / min > 1 && roundTrip >= rangesFrom && rangesFrom > 0) {
                // The first request also paid for this side's cold code: time a second before deciding.
                long again = clock().nanoTime();
                first.stat(remotePath);
                roundTrip = Math.min(roundTrip, clock().nanoTime() - again);
            }
            LOG.debug("sftp stat round trip {} us", roundTrip / 1000);
            if (mayUseRanges && roundTrip >= rangesFrom) {
                ranges = (int) Math.max(1, Math.min(open.size(), remaining / min));
            }
            if (ranges == 1) {
                readRange(first, start, size, true);
            } else {
                readRanges(open, start, size, ranges);
            }
            if (!isEnded()) {
                succeed();
            }
        } catch (TransferException e) {
            // the transfer has already failed with the sink's reason
        } catch (SftpException e) {
            boolean lost = connectionLost() || e.getCause() instanceof IOException;
            FailureReason r = lost ? FailureReason.TIMED_OUT : SftpErrors.reason(e);
            broken = r == FailureReason.TIMED_OUT;
            fail(r, lost ? "connection lost" : SftpErrors.detail(e), null);
        } catch (JSchException e) {
            broken = true;
            fail(connectionLost() ? FailureReason.TIMED_OUT : SftpErrors.reason(e), safeMessage(e), null);
        } catch (IOException e) {
            broken = true;
            fail(FailureReason.TIMED_OUT, "connection lost: " + e.getClass().getSimpleName(), null);
        } catch (RuntimeException e) {
            broken = true;
            fail(FailureReason.PROTOCOL_ERROR, e.toString(), null);
        } finally {
            closeChannels();
            if (lease != null) {
                sessions.release(lease, broken || failureReason() == FailureReason.TIMED_OUT);
            }
        }
    }

    /** The server went away under us: whatever JSch reported, the cause is the lost connection. */
    private boolean connectionLost() {
        Session s = session;
        return s != null && !s.isConnected();
    }

    /** JSch's messages can carry a host's banner; keep the type and a cleaned first line only. */
    private static String safeMessage(JSchException e) {
        String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl);
    }

    private Session connect() throws JSchException {
        JSch jsch = new JSch();
        jsch.setInstanceLogger(JschLog.INSTANCE);
        Path knownHosts = options().get(SftpOptions.KNOWN_HOSTS);
        boolean acceptNew = options().get(SftpOptions.ACCEPT_NEW_HOST_KEY);
        try {
            if (acceptNew && !Files.exists(knownHosts)) {
                if (knownHosts.getParent() != null) {
                    Files.createDirectories(knownHosts.getParent());
                }
                Files.createFile(knownHosts);
            }
        } catch (IOException e) {
            throw new JSchException("cannot create known hosts file " + knownHosts + ": " + e.getMessage());
        }
        if (Files.exists(knownHosts)) {
            jsch.setKnownHosts(knownHosts.toString());
        }
        Path identity = options().get(TransferOptions.IDENTITY_FILE);
        Secret key = options().get(SftpOptions.PRIVATE_KEY);
        Secret passphrase = options().get(SftpOptions.PASSPHRASE);
        byte[] pass = passphrase == null ? null : passphrase.toUtf8();
        try {
            if (identity != null) {
                byte[] prv = Files.readAllBytes(identity);
                try {
                    jsch.addIdentity(identity.getFileName().toString(), prv, null, pass);
                } finally {
                    Arrays.fill(prv, (byte) 0);
                }
            } else if (key != null) {
                byte[] prv = key.toUtf8();
                try {
                    jsch.addIdentity("in-memory key", prv, null, pass);
                } finally {
                    Arrays.fill(prv, (byte) 0);
                }
            }
        } catch (IOException e) {
            throw new JSchException("cannot read identity file " + identity + ": " + e.getClass().getSimpleName());
        } finally {
            if (pass != null) {
                Arrays.fill(pass, (byte) 0);
            }
        }
        Session s = jsch.getSession(user, host, port);
        s.setHostKeyRepository(new HostKeyPolicy(jsch.getHostKeyRepository(), acceptNew));
        s.setConfig("StrictHostKeyChecking", "yes");
        s.setConfig("PreferredAuthentications", identity != null || key != null ? "publickey,password" : "password,publickey");
        if (options().get(SftpOptions.TUNED)) {
            String ciphers = options().get(SftpOptions.CIPHERS);
            s.setConfig("cipher.s2c", ciphers);
            s.setConfig("cipher.c2s", ciphers);
        }
        Secret password = options().get(TransferOptions.PASSWORD);
        if (password != null) {
            s.setPassword(password.toUtf8());
        }
        int keepalive = (int) options().get(SftpOptions.KEEPALIVE).toMillis();
        s.setServerAliveInterval(keepalive);
        s.setServerAliveCountMax(3);
        s.connect((int) options().get(TransferOptions.CONNECT_TIMEOUT).toMillis());
        return s;
    }

    private ChannelSftp openChannel() throws JSchException {
        ChannelSftp ch = (ChannelSftp) session.openChannel("sftp");
        channels.add(ch);
        if (channelsClosed) { // the transfer ended while this one was opening
            ch.disconnect();
            throw new JSchException("transfer ended");
        }
        if (options().get(SftpOptions.TUNED)) {
            ch.setBulkRequests(options().get(SftpOptions.BULK_REQUESTS));
        }
        ch.connect((int) options().get(TransferOptions.CONNECT_TIMEOUT).toMillis());
        return ch;
    }

    private CompletableFuture<ChannelSftp> openChannelAsync(int index) {
        CompletableFuture<ChannelSftp> f = new CompletableFuture<>();
        DaemonThreads.start("apimage-sftp-channel-" + index, () -> {
            try {
                f.complete(openChannel());
            } catch (JSchException | RuntimeException e) {
                f.completeExceptionally(e);
            }
        });
        return f;
    }

    /** The spare channels that opened; one the server refused (its MaxSessions) only costs a range. */
    private List<ChannelSftp> opened(List<CompletableFuture<ChannelSftp>> spares) {
        List<ChannelSftp> open = new ArrayList<>();
        for (CompletableFuture<ChannelSftp> f : spares) {
            try {
                open.add(f.join());
            } catch (CompletionException | CancellationException e) {
                LOG.debug("sftp channel for a range not opened: {}", e.getCause() == null ? e : e.getCause().getMessage());
            }
        }
        return open;
    }

    /** Reads [from, to) over one channel; in order through deliver(), else at offsets. */
    private void readRange(ChannelSftp ch, long from, long to, boolean inOrder) throws SftpException, IOException {
        if (from >= to) {
            return;
        }
        byte[] buf = new byte[BUFFER];
        ByteBuffer view = ByteBuffer.wrap(buf);
        long pos = from;
        // The stream is never closed: JSch's close() waits for every read still in flight (up to
        // bulk requests x 32 KiB past the range) and then for the CLOSE reply, two round trips on
        // the transfer's critical path. Disconnecting the channel frees the server's handle too.
        InputStream in = ch.get(remotePath, null, from);
        try {
            while (pos < to && !isEnded()) {
                int want = (int) Math.min(buf.length, to - pos);
                int n = in.read(buf, 0, want);
                if (n < 0) {
                    break; // the file shrank: succeed() reports the size mismatch
                }
                view.clear().limit(n);
                if (inOrder) {
                    deliver(view);
                } else {
                    deliverAt(view, pos);
                }
                pos += n;
            }
        } finally {
            ch.disconnect();
        }
    }

    private void readRanges(List<ChannelSftp> open, long start, long size, int ranges)
            throws SftpException, IOException, JSchException {
        long span = (size - start + ranges - 1) / ranges;
        List<Thread> threads = new ArrayList<>();
        List<Exception> errors = new CopyOnWriteArrayList<>();
        for (int i = 0; i < ranges; i++) {
            long from = start + i * span;
            long to = Math.min(size, from + span);
            ChannelSftp ch = open.get(i);
            threads.add(DaemonThreads.start("apimage-sftp-range-" + i, () -> {
                try {
                    readRange(ch, from, to, false);
                } catch (Exception e) {
                    errors.add(e);
                }
            }));
        }
        for (Thread t : threads) {
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while reading ranges");
            }
        }
        if (!errors.isEmpty()) {
            Exception e = errors.get(0);
            if (e instanceof SftpException se) {
                throw se;
            }
            if (e instanceof IOException io) {
                throw io;
            }
            if (e instanceof JSchException je) {
                throw je;
            }
            throw new IOException(e.toString());
        }
    }

    private void closeChannels() {
        channelsClosed = true;
        for (ChannelSftp ch : channels) {
            ch.disconnect();
        }
        channels.clear();
    }

    @Override
    protected void onStop() {
        // Unblocks reads: on a stall (timed out) the whole session goes, since only the SFTP
        // subsystem may be frozen while SSH still answers keep-alives; on a cancel only our channels.
        Session s = session;
        if (failureReason() == FailureReason.TIMED_OUT && s != null) {
            s.disconnect();
        }
        closeChannels();
    }
}

package dev.apimage.capwap.internal.dtls;

import dev.apimage.capwap.DtlsSettings;
import dev.apimage.capwap.DtlsStats;
import dev.apimage.capwap.wire.CapwapDecodeException;
import dev.apimage.capwap.wire.CapwapHeader;
import dev.apimage.internal.DaemonThreads;
import dev.apimage.internal.Hosts;
import dev.apimage.internal.LogText;
import dev.apimage.time.NanoClock;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.channel.socket.DatagramPacket;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import org.bouncycastle.tls.DTLSRequest;
import org.bouncycastle.tls.DTLSServerProtocol;
import org.bouncycastle.tls.DTLSTransport;
import org.bouncycastle.tls.DTLSVerifier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The controller's DTLS layer, first in its socket's pipeline (RFC 5415, 2.4 and 4.2): a datagram
 * with the CAPWAP DTLS header is a record of a peer's session, or a ClientHello answered statelessly
 * with a HelloVerifyRequest cookie (RFC 6347, 4.2.1) until it comes back with the cookie; only then
 * does a handshake start, on a bounded pool. A cleartext datagram passes only when it is a Discovery
 * Request; anything else in the clear is dropped and counted. Decrypted control messages go up the
 * pipeline as cleartext datagrams; messages going down to a peer with a session are encrypted, a
 * Discovery Response goes in the clear, anything else to a peer without a session is dropped.
 *
 * <p>Runs on the socket's event loop; a handshake thread touches only its session's queue and the
 * channel's thread-safe write.
 */
public final class DtlsServerLayer extends ChannelDuplexHandler {

    private static final Logger LOG = LoggerFactory.getLogger(DtlsServerLayer.class);

    /** What the layer tells the controller; called on the event loop. */
    public interface Listener {
        /**
         * A session is up.
         *
         * @param peer the AP's address
         * @param suite the negotiated suite
         * @param identity the PSK identity or certificate subject it authenticated with
         */
        void onEstablished(InetSocketAddress peer, String suite, String identity);

        /**
         * A session ended: an alert, close_notify, an idle timeout, or a failed handshake.
         *
         * @param peer the AP's address
         * @param why the reason, escaped
         */
        void onClosed(InetSocketAddress peer, String why);

        /**
         * A handshake failed: a wrong key, a refused certificate, a timeout. Nothing is kept.
         *
         * @param peer the address it came from
         * @param why the reason, escaped
         */
        void onHandshakeFailed(InetSocketAddress peer, String why);
    }

    /** Room a message's buffer keeps before its bytes so that the layer seals it where it is. */
    public static final int HEADROOM = GcmRecords.HEADROOM;
    /** Room it keeps after them, for the tag. */
    public static final int TAILROOM = GcmRecords.TAILROOM;

    private final DtlsSettings settings;
    private final Credentials credentials;
    private final KeyLog keyLog;
    private final Listener listener;
    private final DTLSVerifier verifier = new DTLSVerifier(Peers.crypto());
    private final ExecutorService handshakes;
    private final Map<InetSocketAddress, Session> sessions = new HashMap<>();
    private final Map<InetAddress, Integer> perAddress = new HashMap<>();
    private final CapwapHeader header = new CapwapHeader();
    /** Decrypted records land here; one buffer for all sessions, as they are decrypted one at a time on the loop. */
    private final byte[] plain = new byte[QueuedTransport.RECEIVE_LIMIT];
    private final byte[] record = new byte[QueuedTransport.RECEIVE_LIMIT];
    private ChannelHandlerContext ctx;
    private NanoClock clock;
    private NanoClock.Timer expiry;
    private int handshaking;
    private long cookiesSent;
    private long handshakesFailed;
    private long handshakesCompleted;
    private long refusedBusy;
    private long cleartextDropped;
    private long malformedDropped;

    private final class Session {
        final InetSocketAddress peer;
        final QueuedTransport transport;
        final Peers.Outcome outcome = new Peers.Outcome();
        final long startedAt;
        long lastHeard;
        DTLSTransport dtls;
        /** Records the AP sent once its side was up, before this side's handshake thread handed over. */
        final java.util.List<ByteBuf> early = new java.util.ArrayList<>(2);

        Session(InetSocketAddress peer, long now) {
            this.peer = peer;
            this.startedAt = now;
            this.lastHeard = now;
            this.transport = new QueuedTransport((buf, off, len) -> QueuedTransport.writeRecord(ctx, peer, buf, off, len));
        }
    }

    /**
     * A layer for a controller.
     *
     * @param settings the controller's DTLS settings (PSK keys or certificates)
     * @param listener told of sessions that start and end
     * @throws IOException when the certificate files cannot be read
     */
    public DtlsServerLayer(DtlsSettings settings, Listener listener) throws IOException {
        this.settings = settings;
        this.listener = listener;
        if (settings.mode() == DtlsSettings.Mode.PSK && settings.keys().isEmpty()) {
            throw new IllegalArgumentException("a controller in PSK mode needs its keys (DtlsSettings.psk)");
        }
        this.credentials = settings.mode() == DtlsSettings.Mode.CERTIFICATE ? Credentials.load(settings.certificate().orElseThrow(),
                settings.privateKey().orElseThrow(), settings.trust().orElseThrow(), settings.allowed()) : null;
        this.keyLog = new KeyLog(settings.keyLog().orElse(null));
        Peers.warmUp();
        this.handshakes = DaemonThreads.workerPool("apimage-dtls-handshake", settings.maxHandshakes());
        if (settings.keyLog().isPresent()) {
            LOG.warn("DTLS key log ON: session secrets are written to {} (a lab setting)", settings.keyLog().get());
        }
    }

    /**
     * Starts the idle and handshake timeouts on the controller's clock (its tasks run on the loop).
     *
     * @param clock the clock
     */
    public void start(NanoClock clock) {
        this.clock = clock;
        this.expiry = clock.repeat(this::expire, 1_000_000_000L);
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    /**
     * The counters; call on the event loop.
     *
     * @return a snapshot
     */
    public DtlsStats stats() {
        int up = 0;
        for (Session s : sessions.values()) {
            if (s.dtls != null) {
                up++;
            }
        }
        return new DtlsStats(sessions.size(), up, handshaking, cookiesSent, handshakesCompleted, handshakesFailed, refusedBusy, cleartextDropped, malformedDropped);
    }

    /**
     * Ends a peer's session (its control session ended): close_notify, and everything freed.
     *
     * @param peer the AP's address
     * @param why the reason, for the log
     */
    public void close(InetSocketAddress peer, String why) {
        Session s = sessions.get(peer);
        if (s != null) {
            drop(s, why, false);
        }
    }

    private long now() {
        return clock == null ? System.nanoTime() : clock.nanoTime();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof DatagramPacket p)) {
            ctx.fireChannelRead(msg);
            return;
        }
        ByteBuf b = p.content();
        InetSocketAddress from = p.sender();
        if (!b.isReadable()) {
            malformedDropped++;
            p.release();
            return;
        }
        int preamble = b.getUnsignedByte(b.readerIndex());
        if (preamble == 0x00) {
            if (isDiscoveryRequest(b)) {
                ctx.fireChannelRead(p); // RFC 5415, 2.4: Discovery runs in the clear
            } else {
                cleartextDropped++;
                p.release();
            }
            return;
        }
        boolean passedOn = false;
        try {
            if (preamble != 0x01 || b.readableBytes() < 4 + 13) {
                malformedDropped++;
                return;
            }
            b.skipBytes(4); // the CAPWAP DTLS header: version 0, type 1, 24 reserved bits (RFC 5415, 4.2)
            Session s = sessions.get(from);
            if (s == null) {
                hello(from, b);
            } else if (s.dtls == null) {
                s.lastHeard = now();
                GcmRecords gcm = s.outcome.records;
                if (gcm != null && gcm.reads(b)) {
                    if (s.early.size() < 8) {
                        s.early.add(b.copy()); // the AP's first message, a moment before the hand-over: kept, not lost
                    }
                } else {
                    s.transport.offer(b);
                }
            } else {
                s.lastHeard = now();
                if (openInPlace(s, p)) {
                    passedOn = true;
                    return;
                }
                decrypt(s, b, p.recipient());
            }
        } finally {
            if (!passedOn) {
                p.release();
            }
        }
    }

    /**
     * The common case on the block path, a datagram of one application data record: opened where
     * it lies and passed up in the same datagram, nothing taken.
     */
    private boolean openInPlace(Session s, DatagramPacket p) {
        GcmRecords gcm = s.outcome.records;
        ByteBuf b = p.content();
        int at = b.readerIndex();
        if (gcm == null || !gcm.reads(b) || b.getUnsignedByte(at) != GcmRecords.APPLICATION_DATA
                || b.readableBytes() != 13 + b.getUnsignedShort(at + 11)) {
            return false;
        }
        int got = gcm.open(b, plain);
        if (got < 0) {
            return false; // forged or replayed: dropped (open consumed it: nothing left to read)
        }
        int clear = at + 13 + 8;
        b.setBytes(clear, plain, 0, got);
        b.setIndex(clear, clear + got);
        ctx.fireChannelRead(p);
        return true;
    }

    private boolean isDiscoveryRequest(ByteBuf b) {
        try {
            header.wrap(b, b.readerIndex()).validate(b.writerIndex());
            int at = b.readerIndex() + header.headerLength();
            return !header.fragment() && b.writerIndex() - at >= 4 && b.getUnsignedInt(at) == 1;
        } catch (CapwapDecodeException e) {
            return false;
        }
    }

    /** No session: a ClientHello. Without a valid cookie it gets a HelloVerifyRequest and nothing is kept. */
    private void hello(InetSocketAddress from, ByteBuf b) {
        int n = b.readableBytes();
        if (n > record.length) {
            malformedDropped++;
            return;
        }
        b.getBytes(b.readerIndex(), record, 0, n);
        byte[] clientId = clientId(from);
        long[] sent = new long[1];
        DTLSRequest request = verifier.verifyRequest(clientId, record, 0, n, new org.bouncycastle.tls.DatagramSender() {
            @Override
            public int getSendLimit() {
                return QueuedTransport.SEND_LIMIT;
            }

            @Override
            public void send(byte[] buf, int off, int len) {
                sent[0]++;
                QueuedTransport.writeRecord(ctx, from, buf, off, len);
                ctx.flush();
            }
        });
        cookiesSent += sent[0];
        if (request == null) {
            return;
        }
        int fromAddress = perAddress.getOrDefault(from.getAddress(), 0);
        if (handshaking >= settings.maxHandshakes() || fromAddress >= settings.maxSessionsPerAddress()) {
            refusedBusy++; // the AP repeats its ClientHello; it gets its turn when a handshake ends
            return;
        }
        Session s = new Session(from, now());
        sessions.put(from, s);
        perAddress.merge(from.getAddress(), 1, Integer::sum);
        handshaking++;
        org.bouncycastle.tls.TlsServer server = Peers.server(settings, credentials, keyLog, s.outcome);
        try {
            handshakes.execute(() -> {
                DTLSTransport dtls = null;
                Exception failure = null;
                try {
                    dtls = new DTLSServerProtocol().accept(server, s.transport, request);
                } catch (Exception e) {
                    failure = e;
                }
                DTLSTransport done = dtls;
                Exception failed = failure;
                ctx.channel().eventLoop().execute(() -> handshakeEnded(s, done, failed));
            });
        } catch (RejectedExecutionException e) {
            handshaking--;
            sessions.remove(from);
            release(from);
        }
    }

    private void handshakeEnded(Session s, DTLSTransport dtls, Exception failure) {
        handshaking--;
        if (sessions.get(s.peer) != s) {
            if (dtls != null) {
                closeQuietly(dtls); // dropped meanwhile (timeout, close): the peer gets close_notify
            }
            return;
        }
        if (dtls == null) {
            handshakesFailed++;
            String why = failure instanceof org.bouncycastle.tls.TlsTimeoutException
                    ? "no valid handshake from the AP within " + settings.handshakeTimeout().toSeconds()
                            + " s (a wrong pre-shared key or certificate makes its Finished undecryptable, and DTLS drops it)"
                    : Peers.reason(s.outcome, failure);
            LOG.info("DTLS handshake with {} failed: {}", Hosts.text(s.peer), why);
            sessions.remove(s.peer);
            release(s.peer);
            s.transport.close();
            s.early.forEach(ByteBuf::release);
            s.early.clear();
            listener.onHandshakeFailed(s.peer, why);
            return;
        }
        s.transport.established();
        s.dtls = dtls;
        handshakesCompleted++;
        s.lastHeard = now();
        LOG.info("DTLS session with {} established: {}, {}", Hosts.text(s.peer), s.outcome.suite, s.outcome.peer);
        listener.onEstablished(s.peer, s.outcome.suite, s.outcome.peer == null ? "" : s.outcome.peer);
        for (ByteBuf e : s.early) {
            try {
                if (sessions.get(s.peer) == s) {
                    decrypt(s, e, (InetSocketAddress) ctx.channel().localAddress());
                }
            } finally {
                e.release();
            }
        }
        s.early.clear();
    }

    private void decrypt(Session s, ByteBuf b, InetSocketAddress local) {
        GcmRecords gcm = s.outcome.records;
        while (gcm != null && gcm.reads(b)) {
            short type = b.getUnsignedByte(b.readerIndex());
            int got = gcm.open(b, plain);
            if (got < 0) {
                continue; // forged, replayed or too old: dropped, as DTLS does
            }
            if (type == GcmRecords.ALERT) {
                onAlert(s, got);
                return;
            }
            ByteBuf clear = ctx.alloc().buffer(got);
            clear.writeBytes(plain, 0, got);
            ctx.fireChannelRead(new DatagramPacket(clear, local, s.peer));
            if (sessions.get(s.peer) != s || !b.isReadable()) {
                return;
            }
        }
        if (!b.isReadable()) {
            return; // a forged or replayed record, dropped
        }
        // Anything else (a retransmitted handshake message, another suite's records): Bouncy Castle's record layer.
        int n = b.readableBytes();
        if (n > record.length) {
            malformedDropped++;
            return;
        }
        b.getBytes(b.readerIndex(), record, 0, n);
        s.transport.hold(record, n);
        try {
            // The datagram's first record, then any more it carried (already queued: no second read,
            // and no second record buffer).
            for (int got = s.dtls.receive(plain, 0, plain.length, 1); got >= 0; got = s.dtls.receivePending(plain, 0, plain.length)) {
                ByteBuf clear = ctx.alloc().buffer(got);
                clear.writeBytes(plain, 0, got);
                ctx.fireChannelRead(new DatagramPacket(clear, local, s.peer));
                if (sessions.get(s.peer) != s) {
                    return; // the message ended the session
                }
            }
        } catch (InterruptedIOException e) {
            // no more records in that datagram
        } catch (IOException e) {
            String why = s.outcome.closedByPeer ? "the AP closed the DTLS session (close_notify)"
                    : s.outcome.failure != null ? s.outcome.failure : LogText.printable(e.toString(), 200);
            drop(s, why, true);
            return;
        }
        if (s.outcome.closedByPeer || s.outcome.failure != null) {
            drop(s, s.outcome.closedByPeer ? "the AP closed the DTLS session (close_notify)" : s.outcome.failure, true);
        }
    }

    /** An alert the GCM record layer opened: close_notify or a fatal one ends the session. */
    private void onAlert(Session s, int length) {
        if (length < 2) {
            return;
        }
        int level = plain[0];
        int description = plain[1] & 0xFF;
        if (description == org.bouncycastle.tls.AlertDescription.close_notify) {
            s.outcome.closedByPeer = true;
            drop(s, "the AP closed the DTLS session (close_notify)", true);
        } else if (level == org.bouncycastle.tls.AlertLevel.fatal) {
            s.outcome.closedByPeer = true; // a fatal alert ends the session on both sides: no close_notify back
            drop(s, "the AP sent alert " + org.bouncycastle.tls.AlertDescription.getText((short) description), true);
        }
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (!(msg instanceof DatagramPacket p)) {
            ctx.write(msg, promise);
            return;
        }
        Session s = sessions.get(p.recipient());
        ByteBuf b = p.content();
        if (s == null || s.dtls == null) {
            if (isDiscoveryResponse(b)) {
                ctx.write(p, promise);
            } else {
                p.release();
                promise.trySuccess(); // no session to carry it: nothing goes out in the clear
            }
            return;
        }
        GcmRecords gcm = s.outcome.records;
        if (gcm != null && gcm.sealInPlace(GcmRecords.APPLICATION_DATA, b)) {
            ctx.write(p, promise); // the block path: sealed where the streamer wrote it, nothing taken
            return;
        }
        if (gcm != null && b.readableBytes() <= GcmRecords.MAX_PLAINTEXT) {
            // Sealed straight into a pooled buffer.
            ByteBuf out = ctx.alloc().directBuffer(b.readableBytes() + 4 + 13 + 8 + 16);
            gcm.seal(GcmRecords.APPLICATION_DATA, b, out);
            InetSocketAddress to = p.recipient();
            p.release();
            ctx.write(new DatagramPacket(out, to), promise);
            return;
        }
        try {
            int n = b.readableBytes();
            byte[] bytes = n <= plain.length ? plain : new byte[n];
            b.getBytes(b.readerIndex(), bytes, 0, n);
            s.dtls.send(bytes, 0, n);
            promise.trySuccess();
        } catch (IOException e) {
            promise.tryFailure(e);
            drop(s, "DTLS send failed: " + e.getMessage(), true);
        } finally {
            p.release();
        }
    }

    private boolean isDiscoveryResponse(ByteBuf b) {
        try {
            header.wrap(b, b.readerIndex()).validate(b.writerIndex());
            int at = b.readerIndex() + header.headerLength();
            return b.writerIndex() - at >= 4 && b.getUnsignedInt(at) == 2;
        } catch (CapwapDecodeException e) {
            return false;
        }
    }


    private void drop(Session s, String why, boolean tell) {
        if (sessions.remove(s.peer, s)) {
            release(s.peer);
            if (s.dtls != null) {
                if (!s.outcome.closedByPeer) {
                    closeNotify(s);
                }
                ctx.flush();
            }
            s.transport.close(); // a handshake thread still waiting ends on the closed transport
            s.early.forEach(ByteBuf::release);
            s.early.clear();

            LOG.info("DTLS session with {} ended: {}", Hosts.text(s.peer), why);
            if (tell) {
                listener.onClosed(s.peer, why);
            }
        }
    }

    private void release(InetSocketAddress peer) {
        perAddress.computeIfPresent(peer.getAddress(), (a, n) -> n <= 1 ? null : n - 1);
    }

    /** Handshakes past their timeout and silent sessions end. */
    private void expire() {
        long now = now();
        long handshakeNanos = settings.handshakeTimeout().toNanos();
        long idleNanos = settings.idleTimeout().toNanos();
        for (Session s : new ArrayList<>(sessions.values())) {
            if (s.dtls == null && now - s.startedAt > handshakeNanos) {
                handshakesFailed++;
                String why = "DTLS handshake not finished within " + settings.handshakeTimeout().toSeconds() + " s";
                drop(s, why, false);
                listener.onHandshakeFailed(s.peer, why);
            } else if (s.dtls != null && now - s.lastHeard > idleNanos) {
                drop(s, "DTLS session idle for " + settings.idleTimeout().toSeconds() + " s", true);
            }
        }
    }

    /** Stops: every session gets close_notify, the handshake threads end. */
    public void shutdown() {
        if (expiry != null) {
            expiry.cancel();
        }
        for (Session s : new ArrayList<>(sessions.values())) {
            drop(s, "controller stopped", false);
        }
        handshakes.shutdownNow();
    }

    /** close_notify, from the record layer that carried the session (its sequence numbers are the peer's latest). */
    private void closeNotify(Session s) {
        GcmRecords gcm = s.outcome.records;
        if (gcm != null) {
            ByteBuf out = ctx.alloc().directBuffer(64);
            gcm.seal(GcmRecords.ALERT, new byte[] {1, 0}, 2, out);
            ctx.write(new DatagramPacket(out, s.peer));
            return;
        }
        try {
            s.dtls.close();
        } catch (IOException e) {
            LOG.debug("close_notify to {}: {}", Hosts.text(s.peer), e.toString());
        }
    }

    private static void closeQuietly(DTLSTransport t) {
        try {
            t.close();
        } catch (IOException e) {
            LOG.debug("close_notify: {}", e.toString());
        }
    }

    private static byte[] clientId(InetSocketAddress from) {
        byte[] a = from.getAddress().getAddress();
        byte[] id = java.util.Arrays.copyOf(a, a.length + 2);
        id[a.length] = (byte) (from.getPort() >> 8);
        id[a.length + 1] = (byte) from.getPort();
        return id;
    }
}

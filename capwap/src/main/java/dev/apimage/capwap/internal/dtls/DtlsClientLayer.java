package dev.apimage.capwap.internal.dtls;

import dev.apimage.capwap.DtlsSettings;
import dev.apimage.internal.DaemonThreads;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.channel.socket.DatagramPacket;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.InetSocketAddress;
import java.util.concurrent.ExecutorService;
import org.bouncycastle.tls.DTLSClientProtocol;
import org.bouncycastle.tls.DTLSTransport;

/**
 * The AP's DTLS layer, first in its socket's pipeline: in the clear until {@link #connect} (the
 * Discovery exchange), then the handshake on a thread of its own, then every control message
 * encrypted both ways. A cleartext datagram while a session is up is dropped; so is anything the
 * AP would send in the clear during the handshake.
 */
public final class DtlsClientLayer extends ChannelDuplexHandler {

    /** What the AP's state machine hears; called on the layer's event loop. */
    public interface Callback {
        /**
         * The handshake completed.
         *
         * @param suite the negotiated suite
         */
        void established(String suite);

        /**
         * The handshake failed, or the session ended (alert, close_notify).
         *
         * @param why the reason
         */
        void ended(String why);
    }

    private enum Phase { CLEAR, HANDSHAKE, UP }

    /** Shared by the APs of one JVM (a simulator runs hundreds): a handshake waits on its peer most of the time. */
    private static final ExecutorService HANDSHAKES = DaemonThreads.workerPool("apimage-wtp-dtls-handshake", 32);
    /**
     * How long past its timeout a handshake may still end by itself (Bouncy Castle checks its
     * timeout between receives) before the layer ends it.
     */
    private static final long OVERDUE_GRACE_MILLIS = 1_000;

    private final DtlsSettings settings;
    private final Credentials credentials;
    private final KeyLog keyLog;
    private final byte[] record = new byte[QueuedTransport.RECEIVE_LIMIT];
    private final byte[] plain = new byte[QueuedTransport.RECEIVE_LIMIT];
    private final byte[] outgoing = new byte[QueuedTransport.RECEIVE_LIMIT];
    private final ExecutorService handshakes;
    private ChannelHandlerContext ctx;
    private Phase phase = Phase.CLEAR;
    /** Volatile for {@link #close()} from outside the loop once the loop is stopping. */
    private volatile QueuedTransport transport;
    private io.netty.util.concurrent.ScheduledFuture<?> deadline;
    private DTLSTransport dtls;
    private Peers.Outcome outcome;
    private Callback callback;
    private InetSocketAddress controller;

    /**
     * A layer for an AP.
     *
     * @param settings the AP's DTLS settings
     * @throws IOException when the certificate files cannot be read
     */
    public DtlsClientLayer(DtlsSettings settings) throws IOException {
        this(settings, HANDSHAKES);
    }

    /** A layer whose handshakes run on {@code handshakes}; for tests. */
    DtlsClientLayer(DtlsSettings settings, ExecutorService handshakes) throws IOException {
        this.settings = settings;
        this.handshakes = handshakes;
        if (settings.mode() == DtlsSettings.Mode.PSK && settings.identity().isEmpty()) {
            throw new IllegalArgumentException("an AP in PSK mode needs its identity and key (DtlsSettings.pskIdentity)");
        }
        this.credentials = settings.mode() == DtlsSettings.Mode.CERTIFICATE ? Credentials.load(settings.certificate().orElseThrow(),
                settings.privateKey().orElseThrow(), settings.trust().orElseThrow(), java.util.Set.of()) : null;
        this.keyLog = new KeyLog(settings.keyLog().orElse(null));
        Peers.warmUp();
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    /**
     * Starts the handshake with the controller; any session before is dropped.
     *
     * @param to the controller's control address
     * @param done told how it went, on the event loop
     */
    public void connect(InetSocketAddress to, Callback done) {
        ctx.executor().execute(() -> {
            end(false);
            controller = to;
            callback = done;
            phase = Phase.HANDSHAKE;
            QueuedTransport t = new QueuedTransport((buf, off, len) -> QueuedTransport.writeRecord(ctx, controller, buf, off, len));
            Peers.Outcome o = new Peers.Outcome();
            transport = t;
            outcome = o;
            org.bouncycastle.tls.TlsClient client = Peers.client(settings, credentials, keyLog, o);
            // The handshake's timeout counts from here, not from when a handshake thread takes it:
            // with every thread of the pool waiting on other peers, it could start late and end
            // long after its time.
            deadline = ctx.executor().schedule(() -> overdue(t), settings.handshakeTimeout().toMillis() + OVERDUE_GRACE_MILLIS,
                    java.util.concurrent.TimeUnit.MILLISECONDS);
            handshakes.execute(() -> {
                DTLSTransport result = null;
                String why = null;
                try {
                    result = new DTLSClientProtocol().connect(client, t);
                } catch (org.bouncycastle.tls.TlsTimeoutException e) {
                    why = noAnswer();
                } catch (IOException | RuntimeException e) {
                    why = Peers.reason(o, e);
                }
                DTLSTransport r = result;
                String w = why;
                ctx.executor().execute(() -> handshakeEnded(t, r, w));
            });
        });
    }

    private String noAnswer() {
        return "no answer to the handshake within " + settings.handshakeTimeout().toSeconds()
                + " s (a wrong pre-shared key or certificate makes the Finished undecryptable, and DTLS drops it)";
    }

    /** The handshake outlived its timeout: end it here; its thread, whenever it runs, finds the transport closed. */
    private void overdue(QueuedTransport t) {
        if (t != transport || phase != Phase.HANDSHAKE) {
            return;
        }
        deadline = null;
        t.close();
        transport = null;
        phase = Phase.CLEAR;
        Callback c = callback;
        callback = null;
        c.ended("DTLS handshake failed: " + noAnswer());
    }

    private void handshakeEnded(QueuedTransport t, DTLSTransport result, String why) {
        if (t != transport) {
            if (result != null) {
                try {
                    result.close();
                } catch (IOException e) {
                    // a session nobody wants any more
                }
            }
            return;
        }
        if (deadline != null) {
            deadline.cancel(false);
            deadline = null;
        }
        if (result == null) {
            phase = Phase.CLEAR;
            transport = null;
            Callback c = callback;
            callback = null;
            c.ended("DTLS handshake failed: " + why);
            return;
        }
        t.established();
        dtls = result;
        phase = Phase.UP;
        callback.established(outcome.suite);
    }

    /** Ends the session: close_notify, and back to the clear (the AP's DTLS Teardown). */
    public void close() {
        if (!ctx.executor().isShuttingDown()) {
            ctx.executor().execute(() -> end(false));
            return;
        }
        // The loop is stopping and may not run end(): at least wake a handshake thread that waits
        // for the peer, so that it does not hold a thread of the shared pool until its timeout.
        QueuedTransport t = transport;
        if (t != null) {
            t.close();
        }
    }

    private void end(boolean tell) {
        if (dtls != null && !outcome.closedByPeer) {
            GcmRecords gcm = outcome.records;
            if (gcm != null) {
                ByteBuf out = ctx.alloc().directBuffer(64);
                gcm.seal(GcmRecords.ALERT, new byte[] {1, 0}, 2, out); // close_notify
                ctx.write(new DatagramPacket(out, controller));
            } else {
                try {
                    dtls.close();
                } catch (IOException e) {
                    // the session is gone either way
                }
            }
            ctx.flush();
        }
        if (deadline != null) {
            deadline.cancel(false);
            deadline = null;
        }
        if (transport != null) {
            transport.close();
        }
        dtls = null;
        transport = null;
        phase = Phase.CLEAR;
        Callback c = callback;
        callback = null;
        if (tell && c != null) {
            c.ended(outcome.closedByPeer ? "the controller closed the DTLS session (close_notify)"
                    : outcome.failure != null ? outcome.failure : "DTLS session ended");
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof DatagramPacket p)) {
            ctx.fireChannelRead(msg);
            return;
        }
        ByteBuf b = p.content();
        if (!b.isReadable()) {
            p.release();
            return;
        }
        int preamble = b.getUnsignedByte(b.readerIndex());
        if (preamble == 0x00) {
            if (phase == Phase.CLEAR) {
                ctx.fireChannelRead(p); // the Discovery Response
            } else {
                p.release(); // cleartext while a session is being set up or is up
            }
            return;
        }
        try {
            if (preamble != 0x01 || b.readableBytes() < 4 + 13 || phase == Phase.CLEAR) {
                return;
            }
            b.skipBytes(4);
            if (phase == Phase.HANDSHAKE) {
                transport.offer(b);
                return;
            }
            GcmRecords gcm = outcome.records;
            while (gcm != null && phase == Phase.UP && gcm.reads(b)) {
                short type = b.getUnsignedByte(b.readerIndex());
                int got = gcm.open(b, plain);
                if (got < 0) {
                    continue; // forged, replayed or too old: dropped
                }
                if (type == GcmRecords.ALERT) {
                    if (got >= 2 && (plain[1] == 0 || plain[0] == 2)) {
                        outcome.closedByPeer = true;
                        if (plain[1] != 0) {
                            outcome.failure = "the controller sent alert " + org.bouncycastle.tls.AlertDescription.getText((short) (plain[1] & 0xFF));
                        }
                        end(true);
                    }
                    return;
                }
                ByteBuf clear = ctx.alloc().buffer(got);
                clear.writeBytes(plain, 0, got);
                ctx.fireChannelRead(new DatagramPacket(clear, p.recipient(), p.sender()));
                if (!b.isReadable()) {
                    return;
                }
            }
            if (phase != Phase.UP) {
                return;
            }
            int n = b.readableBytes();
            if (n > record.length) {
                return;
            }
            b.getBytes(b.readerIndex(), record, 0, n);
            transport.hold(record, n);
            try {
                for (int got = dtls.receive(plain, 0, plain.length, 1); got >= 0 && dtls != null;
                        got = dtls == null ? -1 : dtls.receivePending(plain, 0, plain.length)) {
                    ByteBuf clear = ctx.alloc().buffer(got);
                    clear.writeBytes(plain, 0, got);
                    ctx.fireChannelRead(new DatagramPacket(clear, p.recipient(), p.sender()));
                }
            } catch (InterruptedIOException e) {
                // no more records in that datagram
            } catch (IOException e) {
                end(true);
                return;
            }
            if (outcome != null && (outcome.closedByPeer || outcome.failure != null)) {
                end(true);
            }
        } finally {
            p.release();
        }
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        // A connected AP socket writes bare buffers; others, datagrams.
        ByteBuf b = msg instanceof DatagramPacket p ? p.content() : msg instanceof ByteBuf buf ? buf : null;
        if (b == null || phase == Phase.CLEAR) {
            ctx.write(msg, promise); // Discovery, in the clear
            return;
        }
        try {
            GcmRecords gcm = phase == Phase.UP ? outcome.records : null;
            if (gcm != null && b.readableBytes() <= GcmRecords.MAX_PLAINTEXT) {
                ByteBuf out = ctx.alloc().directBuffer(b.readableBytes() + 4 + 13 + 8 + 16);
                gcm.seal(GcmRecords.APPLICATION_DATA, b, out);
                ctx.write(new DatagramPacket(out, controller), promise);
                return;
            }
            if (phase == Phase.UP) {
                int n = b.readableBytes();
                byte[] bytes = n <= outgoing.length ? outgoing : new byte[n];
                b.getBytes(b.readerIndex(), bytes, 0, n);
                dtls.send(bytes, 0, n);
            }
            promise.trySuccess(); // during the handshake nothing goes out in the clear
        } catch (IOException e) {
            promise.tryFailure(e);
            end(true);
        } finally {
            io.netty.util.ReferenceCountUtil.release(msg);
        }
    }

}

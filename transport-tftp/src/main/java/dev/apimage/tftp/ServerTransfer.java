package dev.apimage.tftp;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.DatagramPacket;
import dev.apimage.time.NanoClock;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * What every server-side transfer shares: its own connected channel (one ephemeral port per
 * transfer, so the kernel drops strangers' packets), a periodic timer that retransmits after
 * silence and gives up after the retry limit, and the end (stats, log, close). Runs on the
 * channel's event loop only.
 */
abstract class ServerTransfer extends ChannelInboundHandlerAdapter {

    final TftpServer server;
    final InetSocketAddress peer;
    final String filename;
    final long retransmitNanos;
    /** The request that started this transfer, to recognise repeats of it. */
    TftpPackets.Request request;
    Channel channel;
    long lastProgressNanos;
    int retries;
    /** Whether the peer has acknowledged anything yet; until then the transfer is half-open. */
    boolean acknowledged;
    private NanoClock.Timer tick;
    /** The server's clock, its tasks on this transfer's event loop. */
    NanoClock clock;
    private boolean ended;

    ServerTransfer(TftpServer server, InetSocketAddress peer, String filename, long retransmitNanos) {
        this.server = server;
        this.peer = peer;
        this.filename = filename;
        this.retransmitNanos = retransmitNanos;
    }

    /** Called on the event loop once the channel is bound and connected. */
    final void start(Channel ch) {
        this.channel = ch;
        this.clock = server.clockOn(ch.eventLoop());
        lastProgressNanos = clock.nanoTime();
        long period = Math.max(TimeUnit.MILLISECONDS.toNanos(20), retransmitNanos / 4);
        tick = clock.repeat(this::onTick, period);
        begin();
    }

    abstract void begin();

    /** Bytes a received datagram may need: ACKs for reads, whole DATA packets for writes. */
    abstract int receiveBufferSize();

    /** A packet from the peer, at its reader index. */
    abstract void onPacket(ByteBuf p, long now);

    /** Silence for a retransmission interval: resend what the peer has not acknowledged. */
    abstract void retransmit(long now);

    /** Release the transfer's resources (file, pump); called once. */
    abstract void release(boolean success);

    private void onTick() {
        try {
            tick(clock.nanoTime());
        } catch (FileBlockSource.SourceChangedException e) {
            if (!ended) {
                sourceFailed(e.getMessage());
            }
        }
    }

    private void tick(long now) {
        if (ended) {
            return;
        }
        if (now - lastProgressNanos < retransmitNanos) {
            return;
        }
        int limit = acknowledged ? server.maxRetries() : server.halfOpenRetries();
        if (++retries > limit) {
            if (finalWindowOutstanding()) {
                endUnacknowledged();
            } else if (!acknowledged) {
                end(false, "no answer to the first packet after " + limit + " retransmission" + (limit == 1 ? "" : "s"));
            } else {
                end(false, "timed out after " + limit + " retransmissions");
            }
            return;
        }
        lastProgressNanos = now;
        server.countRetransmission();
        retransmit(now);
    }

    final void progress(long now) {
        lastProgressNanos = now;
        retries = 0;
        acknowledged = true;
    }

    /** How long after the end a repeat of this transfer's request is still a repeat: timeout x (retries + 1). */
    final long horizonNanos() {
        return retransmitNanos * (server.maxRetries() + 1L);
    }

    /** Whether only the final window waits for its ACK (reads override); then a timeout is not a failure. */
    boolean finalWindowOutstanding() {
        return false;
    }

    private void endUnacknowledged() {
        end(TftpServer.Ending.COMPLETED_UNACKNOWLEDGED, "final ACK not heard");
    }

    @Override
    public final void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof DatagramPacket dp)) {
            io.netty.util.ReferenceCountUtil.release(msg);
            return;
        }
        try {
            if (!ended) {
                ByteBuf p = dp.content();
                int op = TftpPackets.opcode(p);
                if (op == TftpPackets.ERROR && p.readableBytes() >= 4) {
                    end(false, "peer sent ERROR " + new TftpError(TftpPackets.block(p)) + ": " + TftpPackets.errorMessage(p));
                } else {
                    onPacket(p, clock.nanoTime());
                }
            }
        } finally {
            dp.release();
        }
    }

    @Override
    public final void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof FileBlockSource.SourceChangedException) {
            sourceFailed(cause.getMessage());
            return;
        }
        // An ICMP port unreachable arrives as an exception on a connected UDP socket: the peer is gone.
        end(false, "peer unreachable (" + cause.getClass().getSimpleName() + ")");
    }

    /** The file being served changed or failed: tell the peer and end. */
    void sourceFailed(String why) {
        end(false, why);
    }

    final void sendError(TftpError error, String message) {
        ByteBuf b = channel.alloc().buffer(5 + message.length() * 3);
        TftpPackets.writeError(b, error, message);
        channel.writeAndFlush(b, channel.voidPromise());
    }

    final void sendOack(Map<String, String> options) {
        ByteBuf b = channel.alloc().buffer(64);
        TftpPackets.writeOack(b, options);
        channel.writeAndFlush(b, channel.voidPromise());
    }

    /** Ends the transfer once: stops the timer, releases, closes the channel, counts. */
    final void end(boolean success, String why) {
        end(success ? TftpServer.Ending.COMPLETED : TftpServer.Ending.FAILED, why);
    }

    private void end(TftpServer.Ending ending, String why) {
        if (ended) {
            return;
        }
        ended = true;
        if (tick != null) {
            tick.cancel();
        }
        try {
            release(ending != TftpServer.Ending.FAILED);
        } finally {
            server.transferEnded(this, ending, why);
            closeChannel();
        }
    }

    void closeChannel() {
        channel.close();
    }

    final boolean ended() {
        return ended;
    }

    /** Ends the transfer because the server closes. */
    final void shutdown() {
        if (!ended) {
            sendError(TftpError.NOT_DEFINED, "server shutting down");
            end(false, "server shutting down");
        }
    }
}

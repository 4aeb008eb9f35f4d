package dev.apimage.tftp;

import dev.apimage.internal.Hosts;
import dev.apimage.transfer.FailureReason;
import dev.apimage.transfer.TransferException;
import dev.apimage.transfer.TransferOptions;
import dev.apimage.transfer.spi.AbstractTransferSession;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.DatagramPacket;
import io.netty.util.ReferenceCountUtil;
import dev.apimage.time.NanoClock;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

/**
 * One TFTP download. Protocol work runs on a Netty event loop; blocks go to the sink through a
 * {@link BlockPump} on a separate executor, as views of the received datagrams.
 *
 * <pre>
 *  REQUESTING --OACK ok--> (ACK 0) RECEIVING --last block--> done
 *  REQUESTING --DATA 1---> RECEIVING (server ignored options: 512-byte lockstep)
 *  REQUESTING --ERROR 8--> REQUESTING without options (once)
 *  any --ERROR n / bad OACK / sink failure / timeout--> failed
 * </pre>
 */
final class TftpClientSession extends AbstractTransferSession implements BlockPump.Consumer {

    private enum State { REQUESTING, RECEIVING, DONE }

    private final EventLoopGroup group;
    private final Executor sinkExecutor;
    private final String filename;
    private final String host;
    private final int port;
    private final int requestedBlockSize;
    private final int requestedWindow;
    private final long retransmitNanos;
    private final boolean requestTsize;
    private boolean negotiate;

    // Event-loop state.
    private volatile Channel channel;
    private InetSocketAddress server;
    private InetSocketAddress tid;
    private State state = State.REQUESTING;
    private int window;
    private WindowedReceiver receiver;
    private BlockPump pump;
    private long lastPacketNanos;
    private NanoClock.Timer tick;
    /** The transfer's clock, its tasks on the channel's event loop; set once the channel is bound. */
    private NanoClock loopClock;
    private Map<String, String> sentOptions = Map.of();
    /** The size from the OACK's tsize, told to the sink before the first block; -1 when none or told. */
    private volatile long announcedSize = -1;
    /** The server's retransmission timeout when negotiated; it sets how long the client dallies. */
    private long serverTimeoutNanos = -1;

    TftpClientSession(URI uri, TransferOptions options, EventLoopGroup group, Executor sinkExecutor) {
        super(uri, options);
        this.group = group;
        this.sinkExecutor = sinkExecutor;
        this.filename = uri.getPath();
        String h = uri.getHost();
        this.host = Hosts.unbracket(h);
        this.port = uri.getPort() < 0 ? 69 : uri.getPort();
        this.requestedBlockSize = options.get(TftpOptions.BLOCK_SIZE);
        this.requestedWindow = options.get(TftpOptions.WINDOW_SIZE);
        this.retransmitNanos = options.get(TftpOptions.RETRANSMIT_INTERVAL).toNanos();
        this.requestTsize = options.get(TftpOptions.REQUEST_TSIZE);
        this.negotiate = options.get(TftpOptions.NEGOTIATE);
        if (startOffset() != 0) {
            throw new IllegalArgumentException("TFTP cannot resume from an offset: the protocol has no seek");
        }
    }

    @Override
    protected void doStart() throws IOException {
        InetAddress address;
        try {
            address = InetAddress.getByName(host);
        } catch (UnknownHostException e) {
            throw new TransferException(FailureReason.TIMED_OUT, redactedUri(), "unknown host " + host, e);
        }
        server = new InetSocketAddress(address, port);
        int wanted = (int) Math.min(4L << 20, 2L * requestedWindow * (requestedBlockSize + 64) + (64 << 10));
        Bootstrap bootstrap = new Bootstrap().group(group).channel(UdpTransport.channel())
                .option(ChannelOption.SO_RCVBUF, wanted)
                .handler(new Handler());
        int maxDatagram = Math.max(1024, requestedBlockSize + 8);
        UdpTransport.receiveOptions(bootstrap, maxDatagram, Math.max(1, Math.min(requestedWindow, (256 << 10) / maxDatagram)));
        bootstrap
                .bind(address.getAddress().length == 16 ? new InetSocketAddress("::", 0) : new InetSocketAddress(0))
                .addListener((ChannelFuture f) -> {
                    if (!f.isSuccess()) {
                        fail(FailureReason.IO_ERROR, "cannot open a UDP socket: " + f.cause().getMessage(), f.cause());
                        return;
                    }
                    channel = f.channel();
                    if (isEnded()) {
                        channel.close();
                        return;
                    }
                    // A window larger than the socket's receive buffer turns into loss: cap it.
                    int rcvbuf = channel.config().getOption(ChannelOption.SO_RCVBUF);
                    window = maxWindow(requestedWindow, requestedBlockSize, rcvbuf);
                    long period = Math.max(TimeUnit.MILLISECONDS.toNanos(20), retransmitNanos / 4);
                    loopClock = clockOn(channel.eventLoop());
                    tick = loopClock.repeat(this::onTick, period);
                    sendRequest();
                });
    }

    private void sendRequest() {
        Map<String, String> opts = new LinkedHashMap<>();
        if (negotiate) {
            if (requestedBlockSize != TftpOptions.DEFAULT_BLOCK_SIZE) {
                opts.put("blksize", Integer.toString(requestedBlockSize));
            }
            if (requestTsize) {
                opts.put("tsize", "0");
            }
            // RFC 2349 speaks whole seconds: a sub-second interval is kept to ourselves.
            if (retransmitNanos % 1_000_000_000L == 0 && retransmitNanos / 1_000_000_000L <= 255) {
                opts.put("timeout", Long.toString(retransmitNanos / 1_000_000_000L));
            }
            if (window > 1) {
                opts.put("windowsize", Integer.toString(window));
            }
        }
        sentOptions = opts;
        ByteBuf b = channel.alloc().buffer(64 + filename.length() * 3);
        TftpPackets.writeRequest(b, TftpPackets.RRQ, filename, "octet", opts);
        channel.writeAndFlush(new DatagramPacket(b, server)).addListener(f -> {
            if (!f.isSuccess()) {
                fail(FailureReason.IO_ERROR, "cannot send the request: " + f.cause().getMessage(), f.cause());
            }
        });
        lastPacketNanos = clock().nanoTime();
    }

    private final class Handler extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (!(msg instanceof DatagramPacket dp)) {
                ReferenceCountUtil.release(msg);
                return;
            }
            try {
                onDatagram(dp);
            } finally {
                dp.release();
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            if (cause instanceof java.net.PortUnreachableException) {
                return; // the server's port closed; the retransmission timer decides
            }
            fail(FailureReason.IO_ERROR, cause.getMessage(), cause);
        }
    }

    private void onDatagram(DatagramPacket dp) {
        if (isEnded()) {
            if (state == State.DONE && receiver != null && TftpPackets.opcode(dp.content()) == TftpPackets.DATA
                    && dp.content().readableBytes() >= 4) {
                // Dallying: the server missed our final ACK and resent the last DATA; ACK it again.
                receiver.onData(dp.content(), clock().nanoTime());
            }
            return;
        }
        ByteBuf p = dp.content();
        InetSocketAddress from = dp.sender();
        int op = TftpPackets.opcode(p);
        if (tid == null) {
            if (!from.getAddress().equals(server.getAddress())) {
                return; // not the server we asked
            }
            tid = from;
            if (op == TftpPackets.DATA || op == TftpPackets.OACK) {
                channel.connect(tid); // the transfer has begun: from now on the kernel drops every other source
            }
        } else if (from != null && !from.equals(tid)) {
            return;
        }
        long now = clock().nanoTime();
        switch (op) {
            case TftpPackets.DATA -> {
                if (p.readableBytes() < 4) {
                    return;
                }
                if (state == State.REQUESTING) {
                    startReceiving(TftpOptions.DEFAULT_BLOCK_SIZE, 1); // server ignored our options
                }
                if (state == State.RECEIVING) {
                    long before = receiver.blocks();
                    receiver.onData(p, now);
                    if (receiver.blocks() != before) {
                        lastPacketNanos = now;
                        markConnected();
                    }
                    if (receiver.done()) {
                        state = State.DONE;
                    }
                }
            }
            case TftpPackets.OACK -> {
                if (state != State.REQUESTING) {
                    return;
                }
                onOack(p);
            }
            case TftpPackets.ERROR -> onError(p);
            default -> {
                // RFC 1350: ignore
            }
        }
    }

    private void onOack(ByteBuf p) {
        Map<String, String> oack;
        try {
            oack = TftpPackets.decodeOack(p);
        } catch (TftpPackets.MalformedPacketException e) {
            refuseOack("malformed OACK: " + e.getMessage());
            return;
        }
        int blockSize = TftpOptions.DEFAULT_BLOCK_SIZE;
        int win = 1;
        long tsize = -1;
        for (Map.Entry<String, String> e : oack.entrySet()) {
            if (!sentOptions.containsKey(e.getKey())) {
                refuseOack("server acknowledged option '" + e.getKey() + "' that was not requested");
                return;
            }
            long v = Negotiation.parse(e.getValue());
            switch (e.getKey()) {
                case "blksize" -> {
                    if (v < TftpOptions.MIN_BLOCK_SIZE || v > requestedBlockSize) {
                        refuseOack("server's blksize " + e.getValue() + " is outside 8.." + requestedBlockSize);
                        return;
                    }
                    blockSize = (int) v;
                }
                case "windowsize" -> {
                    if (v < 1 || v > window) {
                        refuseOack("server's windowsize " + e.getValue() + " is outside 1.." + window);
                        return;
                    }
                    win = (int) v;
                }
                case "tsize" -> {
                    if (v < 0) {
                        refuseOack("server's tsize '" + e.getValue() + "' is not a size");
                        return;
                    }
                    tsize = v;
                }
                case "timeout" -> {
                    if (v < 1 || v > 255) {
                        refuseOack("server's timeout '" + e.getValue() + "' is outside 1..255");
                        return;
                    }
                    serverTimeoutNanos = TimeUnit.SECONDS.toNanos(v);
                }
                default -> {
                    // cannot happen: only requested options pass
                }
            }
        }
        markConnected();
        // The sink checks its space when told the size, which touches the disk: it is told on the
        // sink's thread, before the first block, while the ACK goes out now (a late ACK 0 would
        // look like a vanished client to the server).
        announcedSize = tsize;
        startReceiving(blockSize, win);
        sendAck(0);
    }

    private void refuseOack(String why) {
        sendError(TftpError.OPTION_REFUSED, "Option negotiation refused");
        fail(FailureReason.PROTOCOL_ERROR, why, null);
    }

    private void onError(ByteBuf p) {
        if (p.readableBytes() < 4) {
            return;
        }
        TftpError error = new TftpError(TftpPackets.block(p));
        String message = TftpPackets.errorMessage(p);
        if (error.code() == 8 && state == State.REQUESTING && negotiate && !sentOptions.isEmpty()) {
            // RFC 2347: the server refuses options; ask again without them.
            negotiate = false;
            tid = null; // not connected yet: only DATA or OACK connect the socket
            sendRequest();
            return;
        }
        FailureReason reason = switch (error.code()) {
            case 1 -> FailureReason.NOT_FOUND;
            case 2 -> FailureReason.ACCESS_DENIED;
            case 3 -> FailureReason.NO_SPACE;
            default -> FailureReason.PROTOCOL_ERROR;
        };
        String detail = reason == FailureReason.PROTOCOL_ERROR || !message.isEmpty()
                && !message.equalsIgnoreCase(error.name())
                ? "server said: " + (message.isEmpty() ? error.name() : message) + ", TFTP error " + error.code()
                : null;
        tid = null; // no ERROR back for an ERROR
        fail(reason, detail, null);
    }

    private void startReceiving(int blockSize, int win) {
        state = State.RECEIVING;
        this.window = win;
        this.pump = new BlockPump(pumpCapacity(blockSize, win), sinkExecutor, this);
        this.receiver = new WindowedReceiver(blockSize, win, retransmitNanos, this::sendAck, pump::offer);
        lastPacketNanos = clock().nanoTime();
    }

    /**
     * The largest window that fits half of the receive buffer. The kernel charges a datagram its
     * buffer's true size, not its length: about the next power of two above the datagram plus its
     * bookkeeping (a 8,196-byte datagram costs 16 KiB). Measured on loopback: without this margin
     * blksize 8192 x windowsize 25 overflowed a 416 KiB buffer and fell to 50 MB/s on timeouts.
     */
    static int maxWindow(int requested, int blockSize, int rcvbuf) {
        int trueSize = Integer.highestOneBit(blockSize + 4 + 512) << 1;
        return Math.max(1, Math.min(requested, rcvbuf / (2 * trueSize)));
    }

    /**
     * About 8 MiB of blocks queued for the sink, and never less than four windows: enough that a
     * sink thread kept off the CPU for a few milliseconds does not make the receiver drop blocks.
     */
    static int pumpCapacity(int blockSize, int window) {
        return Math.max(4 * window, Math.min(8192, (8 << 20) / (blockSize + 64)));
    }

    private void sendAck(int block) {
        ByteBuf b = channel.alloc().directBuffer(4);
        TftpPackets.writeAck(b, block);
        channel.writeAndFlush(b, channel.voidPromise());
    }

    private void sendError(TftpError error, String message) {
        if (tid == null || channel == null || !channel.isActive()) {
            return;
        }
        ByteBuf b = channel.alloc().buffer(8 + message.length());
        TftpPackets.writeError(b, error, message);
        channel.writeAndFlush(b, channel.voidPromise());
    }

    private void onTick() {
        if (isEnded() || state == State.DONE) {
            return;
        }
        long now = clock().nanoTime();
        if (now - lastPacketNanos < retransmitNanos) {
            return;
        }
        lastPacketNanos = now;
        if (state == State.REQUESTING) {
            if (tid == null) {
                sendRequest();
            }
        } else if (state == State.RECEIVING) {
            receiver.onTimeout(now);
        }
    }

    // --- on the sink executor ---

    @Override
    public void block(ByteBuf payload, int index, int length, boolean last) throws Exception {
        long size = announcedSize;
        if (size >= 0) {
            announcedSize = -1;
            announceSize(size);
        }
        deliver(payload.internalNioBuffer(index, length));
        if (last) {
            succeed();
        }
    }

    @Override
    public void failed(Exception e) {
        // deliver() already failed the transfer with the sink's reason.
    }

    @Override
    public void drainedAfterRefusal() {
        // Blocks were refused while the sink caught up: ask for a resend now rather than after a timeout.
        Channel ch = channel;
        ch.eventLoop().execute(() -> {
            if (!isEnded() && receiver != null && !receiver.done()) {
                receiver.onTimeout(clock().nanoTime());
            }
        });
    }

    @Override
    protected void onStop() {
        Channel ch = channel;
        if (ch == null) {
            return;
        }
        ch.eventLoop().execute(() -> {
            if (tick != null) {
                tick.cancel();
            }
            if (pump != null) {
                pump.close();
            }
            if (state != State.DONE) {
                if (failureReason() == FailureReason.NO_SPACE) {
                    sendError(TftpError.DISK_FULL, "Disk full or allocation exceeded");
                } else {
                    sendError(TftpError.NOT_DEFINED, "transfer cancelled");
                }
                ch.close();
                return;
            }
            // RFC 1350 section 6: the side that sent the final ACK dallies, so that a server which
            // lost it and resends the last DATA hears the ACK again instead of a closed port.
            loopClock.schedule(ch::close, dallyNanos());
        });
    }

    /** Twice the server's retransmission timeout when it was negotiated, else twice ours. */
    long dallyNanos() {
        return 2 * (serverTimeoutNanos > 0 ? serverTimeoutNanos : retransmitNanos);
    }
}

package dev.apimage.tftp;

import dev.apimage.internal.Durations;
import dev.apimage.internal.LogText;
import dev.apimage.time.NanoClock;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.DatagramPacket;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An embeddable TFTP server (RFC 1350, 2347, 2348, 2349, 7440) on Netty.
 *
 * <ul>
 *   <li>Serves one root directory like {@code in.tftpd --secure}: names are relative to the root;
 *       {@code ..}, backslashes, control characters and symbolic links leading out of the root get
 *       ERROR 2 and a log line.</li>
 *   <li>Read-only by default. {@link Builder#allowWrite(boolean)} lets WRQ overwrite existing
 *       files; {@link Builder#allowCreate(boolean)} also lets it create new ones. Uploads go to a
 *       hidden temporary file that is renamed over the target only when complete.</li>
 *   <li>One ephemeral port per transfer; at most {@link Builder#maxTransfers(int)} at once and at
 *       most {@link Builder#maxTransfersPerClient(int)} from one client address, a request past
 *       either gets ERROR 0 "server busy". A transfer whose first answer is never acknowledged
 *       (a spoofed or vanished client) ends after {@link Builder#halfOpenRetries(int)}
 *       retransmissions rather than the full budget, so a flood of requests cannot hold the
 *       slots for long.</li>
 *   <li>A request repeated from the same address and port, identical in bytes, during its
 *       transfer or within that transfer's retransmission horizon (timeout x (retries + 1)) after
 *       it ended, never starts another transfer.</li>
 *   <li>Options: {@code blksize} (lowered to {@link Builder#maxBlockSize(int)}), {@code windowsize}
 *       (lowered to {@link Builder#maxWindowSize(int)}), {@code timeout}, {@code tsize}. Octet mode
 *       only; netascii gets a clear ERROR. Block numbers wrap from 65535 to 0.</li>
 *   <li>Logs each request like tftpd-hpa: {@code RRQ from 127.0.0.1 filename /EWC/17_9_4a/ap1g8}.</li>
 * </ul>
 *
 * <pre>{@code
 * try (TftpServer server = TftpServer.builder().root(Path.of("/srv/tftp")).port(6969).build()) {
 *     InetSocketAddress bound = server.start();
 *     ...
 * }
 * }</pre>
 */
public final class TftpServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(TftpServer.class);

    private final SecureRoot root;
    private final InetAddress address;
    private final int port;
    private final int maxBlockSize;
    private final int maxWindowSize;
    private final long retransmitNanos;
    private final int maxRetries;
    private final int maxTransfers;
    private final int maxTransfersPerClient;
    private final int halfOpenRetries;
    /** The clock set by the caller, or null for real time on each transfer's event loop. */
    private final NanoClock clock;
    private final Map<InetAddress, Integer> perClient = new ConcurrentHashMap<>();
    /** Requests whose file is being opened on a disk thread, by client port; they hold a slot. */
    private final Map<InetSocketAddress, TftpPackets.Request> opening = new ConcurrentHashMap<>();
    private final boolean allowWrite;
    private final boolean allowCreate;
    private final EventLoopGroup group;
    private final boolean ownGroup;
    private final ExecutorService diskExecutor;
    private final Set<ServerTransfer> active = ConcurrentHashMap.newKeySet();
    /** Transfers by client address: a repeated request from a client being served is not a new transfer. */
    private final java.util.Map<InetSocketAddress, ServerTransfer> byPeer = new ConcurrentHashMap<>();
    /**
     * The last request of each client address whose transfer ended lately: a copy of that request
     * still queued when its transfer finished must not start a second transfer to a client that has
     * gone. A different request from the same address (clients that reuse their port) is served.
     */
    private final java.util.Map<InetSocketAddress, Ended> recentlyEnded = new ConcurrentHashMap<>();

    /** A transfer that ended, and until when (on {@link #clock}) a repeat of its request is not served again. */
    private record Ended(TftpPackets.Request request, long untilNanos) {
    }
    private final AtomicLong transfers = new AtomicLong();
    private final AtomicLong completed = new AtomicLong();
    private final AtomicLong completedUnacknowledged = new AtomicLong();
    /** Completed when a transfer ends, waking {@link #awaitIdle(Duration)}. */
    private volatile java.util.concurrent.CompletableFuture<Void> idle = new java.util.concurrent.CompletableFuture<>();
    private final AtomicLong failed = new AtomicLong();
    private final AtomicLong refused = new AtomicLong();
    private final AtomicLong unansweredRefusals = new AtomicLong();
    private final RefusalBudget refusalBudget;
    private final AtomicLong bytesSent = new AtomicLong();
    private final AtomicLong bytesReceived = new AtomicLong();
    private final AtomicLong retransmissions = new AtomicLong();
    private final AtomicLong retransmittedBlocks = new AtomicLong();
    private volatile Channel requestChannel;
    private volatile boolean closed;

    private TftpServer(Builder b) throws IOException {
        this.root = new SecureRoot(Objects.requireNonNull(b.root, "root"));
        this.address = b.address;
        this.port = b.port;
        this.maxBlockSize = b.maxBlockSize;
        this.maxWindowSize = b.maxWindowSize;
        this.retransmitNanos = b.retransmit.toNanos();
        this.maxRetries = b.maxRetries;
        this.maxTransfers = b.maxTransfers;
        this.maxTransfersPerClient = b.maxTransfersPerClient;
        this.halfOpenRetries = b.halfOpenRetries;
        this.clock = b.clock;
        this.refusalBudget = new RefusalBudget(b.refusalsPerSecond);
        this.allowWrite = b.allowWrite || b.allowCreate;
        this.allowCreate = b.allowCreate;
        this.ownGroup = b.group == null;
        this.group = ownGroup ? UdpTransport.group(b.threads, "apimage-tftp-server") : b.group;
        this.diskExecutor = dev.apimage.internal.DaemonThreads.workerPool("apimage-tftp-disk", 2);
    }

    /**
     * A builder; only the root is required.
     *
     * @return the builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Binds the listening socket.
     *
     * @return the bound address (with the actual port when 0 was asked for)
     * @throws IOException when the address cannot be bound
     */
    public InetSocketAddress start() throws IOException {
        if (requestChannel != null) {
            throw new IllegalStateException("already started");
        }
        ChannelFuture f = new Bootstrap().group(group).channel(UdpTransport.channel())
                .option(ChannelOption.SO_RCVBUF, 1 << 20)
                // Twice the RFC 2347 request limit, so an oversized request is seen whole and refused.
                .option(ChannelOption.RECVBUF_ALLOCATOR, new FixedRecvByteBufAllocator(2 * TftpPackets.MAX_REQUEST))
                .handler(new RequestHandler())
                .bind(address, port).awaitUninterruptibly();
        if (!f.isSuccess()) {
            throw new IOException("cannot bind TFTP server to " + address.getHostAddress() + ":" + port + ": "
                    + f.cause().getMessage(), f.cause());
        }
        requestChannel = f.channel();
        InetSocketAddress bound = (InetSocketAddress) requestChannel.localAddress();
        LOG.info("TFTP server serving {} on {}:{} ({}, {})", root.root(), bound.getAddress().getHostAddress(), bound.getPort(),
                allowCreate ? "read-write, create" : allowWrite ? "read-write" : "read-only", UdpTransport.name());
        return bound;
    }

    /**
     * Counters since start.
     *
     * @return a snapshot
     */
    public Stats stats() {
        return new Stats(transfers.get(), completed.get(), completedUnacknowledged.get(), failed.get(), refused.get(),
                unansweredRefusals.get(), active.size(),
                bytesSent.get(), bytesReceived.get(), retransmissions.get(), retransmittedBlocks.get());
    }

    /**
     * Waits until no transfer is in progress, for a graceful stop or a test that must see the
     * counters settle after its clients finished (a client is done at the final ACK it sends; the
     * server counts the transfer when that ACK arrives).
     *
     * @param timeout the longest wait
     * @return true when idle, false when the time ran out first
     * @throws InterruptedException when interrupted while waiting
     */
    public boolean awaitIdle(Duration timeout) throws InterruptedException {
        long end = System.nanoTime() + timeout.toNanos();
        while (!active.isEmpty()) {
            java.util.concurrent.CompletableFuture<Void> signal = new java.util.concurrent.CompletableFuture<>();
            idle = signal;
            if (active.isEmpty()) {
                break; // ended between the check and the installation of the signal
            }
            long left = end - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            try {
                // Woken by the end of a transfer; the bound only covers a waiter whose signal another replaced.
                signal.get(Math.min(left, TimeUnit.MILLISECONDS.toNanos(50)), TimeUnit.NANOSECONDS);
            } catch (java.util.concurrent.TimeoutException | java.util.concurrent.ExecutionException e) {
                // check again
            }
        }
        return true;
    }

    /**
     * Server counters.
     *
     * @param transfers transfers started
     * @param completed transfers completed: the final ACK arrived
     * @param completedUnacknowledged read transfers whose final window was sent, and resent until
     *     the retry budget ran out, without its final ACK: the client most likely has the file and
     *     left (or lost its last ACK); not counted as failed
     * @param failed transfers that ended otherwise (timeout, peer error, shutdown)
     * @param refused requests refused (bad name, busy, malformed, not permitted)
     * @param unansweredRefusals refused requests past the refusal budget, dropped without an ERROR
     *     or a log line (see {@link Builder#refusalsPerSecond(int)})
     * @param active transfers in progress
     * @param bytesSent bytes of files served (acknowledged)
     * @param bytesReceived bytes of files received
     * @param retransmissions retransmission timer expiries
     * @param retransmittedBlocks DATA blocks sent again
     */
    public record Stats(long transfers, long completed, long completedUnacknowledged, long failed, long refused,
            long unansweredRefusals, int active,
            long bytesSent, long bytesReceived, long retransmissions, long retransmittedBlocks) {
    }

    /** Ends active transfers with ERROR 0 "server shutting down", then closes every socket. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        Channel l = requestChannel;
        if (l != null) {
            l.close().awaitUninterruptibly();
        }
        for (ServerTransfer t : active) {
            if (t.channel != null) {
                t.channel.eventLoop().execute(t::shutdown);
            }
        }
        try {
            awaitIdle(Duration.ofSeconds(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (ownGroup) {
            group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly();
        }
        diskExecutor.shutdown();
        root.close();
        LOG.info("TFTP server stopped: {}", stats());
    }

    // --- called by transfers ---

    /** Now, on the server's clock. */
    long now() {
        return clock == null ? System.nanoTime() : clock.nanoTime();
    }

    /** The clock for code confined to an event loop: its timers run on that loop. */
    NanoClock clockOn(ScheduledExecutorService loop) {
        return clock == null ? NanoClock.on(loop) : clock.handingTo(loop);
    }

    int maxRetries() {
        return maxRetries;
    }

    int halfOpenRetries() {
        return Math.min(halfOpenRetries, maxRetries);
    }

    Logger log() {
        return LOG;
    }

    void countRetransmission() {
        retransmissions.incrementAndGet();
    }

    void countRetransmittedBlocks(long n) {
        retransmittedBlocks.addAndGet(n);
    }

    void countBytesSent(long n) {
        bytesSent.addAndGet(n);
    }

    void countBytesReceived(long n) {
        bytesReceived.addAndGet(n);
    }

    /** How a transfer ended, for the counters. */
    enum Ending { COMPLETED, COMPLETED_UNACKNOWLEDGED, FAILED }

    void transferEnded(ServerTransfer t, Ending ending, String why) {
        // Counted, logged and remembered against repeats of its request before it leaves the live
        // table: a repeated request, a stats reader or awaitIdle never finds it in neither.
        (switch (ending) {
            case COMPLETED -> completed;
            case COMPLETED_UNACKNOWLEDGED -> completedUnacknowledged;
            case FAILED -> failed;
        }).incrementAndGet();
        String kind = t instanceof ServerReadTransfer ? "RRQ" : "WRQ";
        if (ending == Ending.COMPLETED) {
            LOG.debug("{} from {} filename {} complete", kind, t.peer.getAddress().getHostAddress(), t.filename);
        } else {
            LOG.info("{} from {} filename {} ended: {}", kind, t.peer.getAddress().getHostAddress(), t.filename, why);
        }
        if (t.acknowledged) {
            recentlyEnded.put(t.peer, new Ended(t.request, now() + t.horizonNanos()));
        }
        // A transfer whose first answer was never acknowledged is not remembered: the client
        // evidently did not hear it, and its repeated request deserves a new answer at once.
        active.remove(t);
        byPeer.remove(t.peer, t);
        perClient.computeIfPresent(t.peer.getAddress(), (a, n) -> n <= 1 ? null : n - 1);
        idle.complete(null); // lock-free: the event loop never waits on a waiter
    }

    // --- requests ---

    private final class RequestHandler extends SimpleChannelInboundHandler<DatagramPacket> {
        @Override
        protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket packet) {
            InetSocketAddress peer = packet.sender();
            ByteBuf content = packet.content();
            int op = TftpPackets.opcode(content);
            if (op != TftpPackets.RRQ && op != TftpPackets.WRQ) {
                // Stray DATA/ACK/garbage on the request port: nothing to answer (RFC 1350 TIDs).
                LOG.debug("ignored packet with opcode {} from {}", op, peer);
                return;
            }
            TftpPackets.Request request;
            try {
                request = TftpPackets.decodeRequest(content);
            } catch (TftpPackets.MalformedPacketException e) {
                refuse(ctx.channel(), peer, TftpError.ILLEGAL_OPERATION, "Malformed request: " + e.getMessage(),
                        "malformed request: " + e.getMessage());
                return;
            }
            handle(ctx.channel(), peer, request);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            LOG.debug("request socket: {}", cause.toString());
        }
    }

    private void handle(Channel requestChannel, InetSocketAddress peer, TftpPackets.Request r) {
        boolean read = r.opcode() == TftpPackets.RRQ;
        String kind = read ? "RRQ" : "WRQ";
        String from = peer.getAddress().getHostAddress();
        String shownName = LogText.printable(r.filename(), 256);
        ServerTransfer running = byPeer.get(peer);
        if (running != null && !r.equals(running.request) && running.channel != null) {
            // A client that reuses its port has moved on: whatever we still send it is stale.
            ServerTransfer stale = running;
            stale.channel.eventLoop().execute(() -> stale.end(false, "client sent a new request from the same port"));
            byPeer.remove(peer, stale);
            running = null;
        }
        if (running != null || endedRecently(peer, r) || opening.containsKey(peer)) {
            // The client repeated its request before our first answer reached it (RFC 1350 TIDs).
            LOG.debug("{} from {} filename {} repeated; transfer already running", kind, peer, shownName);
            return;
        }
        LOG.info("{} from {} filename {}", kind, from, shownName);
        if (!r.mode().equals("octet")) {
            String m = r.mode().equals("netascii") ? "netascii mode is not supported; use octet (binary) mode"
                    : "unknown transfer mode '" + LogText.printable(r.mode(), 64) + "'";
            refuse(requestChannel, peer, r.mode().equals("netascii") ? TftpError.NOT_DEFINED : TftpError.ILLEGAL_OPERATION,
                    m, kind + " from " + from + " filename " + shownName + " refused: " + m);
            return;
        }
        if (closed) {
            return;
        }
        int fromClient = perClient.getOrDefault(peer.getAddress(), 0);
        if (fromClient >= maxTransfersPerClient) {
            refuse(requestChannel, peer, TftpError.NOT_DEFINED, "server busy: " + maxTransfersPerClient
                    + " transfers in progress for this client, try again later", kind + " from " + from + " refused: server busy ("
                    + maxTransfersPerClient + " transfers in progress for this client)");
            return;
        }
        if (active.size() + opening.size() >= maxTransfers) {
            refuse(requestChannel, peer, TftpError.NOT_DEFINED, "server busy: " + maxTransfers
                    + " transfers in progress, try again later", kind + " from " + from + " refused: server busy ("
                    + maxTransfers + " transfers in progress)");
            return;
        }
        if (!read && !allowWrite) {
            refuse(requestChannel, peer, TftpError.ACCESS_VIOLATION, "Access violation: server is read-only",
                    "WRQ from " + from + " filename " + shownName + " refused: server is read-only");
            return;
        }
        // The slot is held from here: a repeat while the file is opened is dropped, and the caps count it.
        opening.put(peer, r);
        perClient.merge(peer.getAddress(), 1, Integer::sum);
        // Resolving the name, opening the file and asking for free space touch the disk: never on the event loop.
        diskExecutor.execute(() -> open(requestChannel, peer, r, kind, from, shownName));
    }

    /** On a disk thread: resolves and opens the file, then launches the transfer or refuses. */
    private void open(Channel requestChannel, InetSocketAddress peer, TftpPackets.Request r, String kind, String from, String shownName) {
        boolean read = r.opcode() == TftpPackets.RRQ;
        ServerTransfer transfer = null;
        try {
            if (read) {
                SecureRoot.Opened opened = root.openForReading(r.filename());
                FileBlockSource source = new FileBlockSource(opened.channel(), opened.path(), opened.attributes());
                Negotiation n = Negotiation.of(r.options(), maxBlockSize, maxWindowSize, source.size());
                transfer = new ServerReadTransfer(this, peer, shownName, source, n, retransmit(n));
            } else {
                Path file = root.forWriting(r.filename(), allowCreate);
                Negotiation n = Negotiation.of(r.options(), maxBlockSize, maxWindowSize, -1);
                if (n.tsize >= 0 && Files.getFileStore(file.getParent()).getUsableSpace() < n.tsize) {
                    unreserve(peer);
                    refuse(requestChannel, peer, TftpError.DISK_FULL, "Disk full or allocation exceeded",
                            "WRQ from " + from + " filename " + shownName + " refused: not enough space for "
                                    + n.tsize + " bytes");
                    return;
                }
                transfer = new ServerWriteTransfer(this, peer, shownName, file, n, retransmit(n), diskExecutor);
            }
            transfer.request = r;
        } catch (SecureRoot.Refusal e) {
            unreserve(peer);
            refuse(requestChannel, peer, e.error, e.error.name() + (e.error.code() == 1 ? "" : ": " + e.getMessage()),
                    kind + " from " + from + " filename " + shownName + " refused: " + e.getMessage());
            return;
        } catch (IOException e) {
            unreserve(peer);
            refuse(requestChannel, peer, TftpError.ACCESS_VIOLATION, "Access violation: cannot open file",
                    kind + " from " + from + " filename " + shownName + " refused: " + LogText.printable(e.toString(), 200));
            return;
        }
        ServerTransfer t = transfer;
        if (closed) {
            unreserve(peer);
            t.release(false);
            return;
        }
        launch(peer, t);
    }

    /** Gives back the slot held while a request's file was being opened. */
    private void unreserve(InetSocketAddress peer) {
        opening.remove(peer);
        perClient.computeIfPresent(peer.getAddress(), (a, n) -> n <= 1 ? null : n - 1);
    }

    /**
     * Whether a request repeats one whose transfer ended within its retransmission horizon
     * (timeout x retries): a client that retransmitted its RRQ because our first answer was slow
     * must not start a second transfer. After the horizon, the same request from the same port is
     * a client reusing its port for a new download, and is served.
     */
    private boolean endedRecently(InetSocketAddress peer, TftpPackets.Request request) {
        long now = now();
        if (recentlyEnded.size() > 4096) {
            recentlyEnded.values().removeIf(e -> now - e.untilNanos() > 0);
        }
        Ended ended = recentlyEnded.get(peer);
        if (ended == null) {
            return false;
        }
        if (now - ended.untilNanos() > 0) {
            recentlyEnded.remove(peer, ended);
            return false;
        }
        return ended.request().equals(request);
    }

    private long retransmit(Negotiation n) {
        return n.timeoutSeconds > 0 ? TimeUnit.SECONDS.toNanos(n.timeoutSeconds) : retransmitNanos;
    }

    /** Takes over the slot reserved while opening: the transfer is live from here. */
    private void launch(InetSocketAddress peer, ServerTransfer transfer) {
        active.add(transfer);
        byPeer.put(peer, transfer);
        opening.remove(peer);
        transfers.incrementAndGet();
        InetAddress local = ((InetSocketAddress) requestChannel.localAddress()).getAddress();
        new Bootstrap().group(group).channel(UdpTransport.channel())
                .option(ChannelOption.SO_RCVBUF, 1 << 20)
                .option(ChannelOption.SO_SNDBUF, 1 << 20)
                .option(ChannelOption.RECVBUF_ALLOCATOR, new FixedRecvByteBufAllocator(transfer.receiveBufferSize()))
                .handler(transfer)
                .bind(local, 0)
                .addListener((ChannelFuture bf) -> {
                    if (!bf.isSuccess()) {
                        abandon(transfer, "cannot bind a transfer port: " + bf.cause());
                        return;
                    }
                    bf.channel().connect(peer).addListener((ChannelFuture cf) -> {
                        if (!cf.isSuccess()) {
                            bf.channel().close();
                            abandon(transfer, "cannot connect to " + peer + ": " + cf.cause());
                            return;
                        }
                        transfer.start(cf.channel());
                    });
                });
    }

    private void abandon(ServerTransfer t, String why) {
        active.remove(t);
        byPeer.remove(t.peer, t);
        perClient.computeIfPresent(t.peer.getAddress(), (a, n) -> n <= 1 ? null : n - 1);
        idle.complete(null); // lock-free: the event loop never waits on a waiter
        failed.incrementAndGet();
        t.release(false);
        LOG.warn("transfer for {} abandoned: {}", t.peer, why);
    }

    /** Answers a refused request with ERROR from a fresh port, as RFC 1350 asks of every reply. */
    private void refuse(Channel requestChannel, InetSocketAddress peer, TftpError error, String message, String logLine) {
        refused.incrementAndGet();
        if (!refusalBudget.take(now())) {
            // A flood of refused requests: answering each (a fresh port, a log line) would cost the
            // server more than the flood costs the sender. Past the budget, refusals go unanswered.
            unansweredRefusals.incrementAndGet();
            return;
        }
        LOG.warn(logLine);
        InetAddress local = ((InetSocketAddress) requestChannel.localAddress()).getAddress();
        new Bootstrap().group(group).channel(UdpTransport.channel())
                .handler(new io.netty.channel.ChannelInboundHandlerAdapter())
                .bind(local, 0)
                .addListener((ChannelFuture f) -> {
                    if (!f.isSuccess()) {
                        return;
                    }
                    ByteBuf b = f.channel().alloc().buffer(8 + message.length() * 3);
                    TftpPackets.writeError(b, error, message);
                    f.channel().writeAndFlush(new DatagramPacket(b, peer))
                            .addListener(w -> f.channel().close());
                });
    }

    /** A token bucket of refusal replies, refilled continuously; lock-free, shared by the event loops. */
    private static final class RefusalBudget {
        private final long nanosPerToken;
        private final long burst;
        /** The time at which the bucket would be empty; a token is taken by moving it forward. */
        private final AtomicLong emptyAt = new AtomicLong(Long.MIN_VALUE);

        RefusalBudget(int perSecond) {
            this.nanosPerToken = TimeUnit.SECONDS.toNanos(1) / perSecond;
            this.burst = TimeUnit.SECONDS.toNanos(1); // up to a second's worth at once
        }

        boolean take(long now) {
            while (true) {
                long e = emptyAt.get();
                long from = e == Long.MIN_VALUE || now - e > 0 ? now : e; // an idle bucket refills, to the burst
                long next = from + nanosPerToken;
                if (next - now > burst) {
                    return false;
                }
                if (emptyAt.compareAndSet(e, next)) {
                    return true;
                }
            }
        }
    }

    /** Builds a {@link TftpServer}. */
    public static final class Builder {
        private Path root;
        private InetAddress address = InetAddress.getLoopbackAddress();
        private int port = 69;
        private int maxBlockSize = TftpOptions.MAX_BLOCK_SIZE;
        private int maxWindowSize = 64;
        private Duration retransmit = Duration.ofSeconds(1);
        private int maxRetries = 5;
        private int maxTransfers = 1000;
        private int maxTransfersPerClient = 16;
        private int halfOpenRetries = 2;
        private int refusalsPerSecond = 500;
        private NanoClock clock;
        private boolean allowWrite;
        private boolean allowCreate;
        private EventLoopGroup group;
        private int threads = Math.max(1, Runtime.getRuntime().availableProcessors());

        private Builder() {
        }

        /**
         * The directory to serve (required).
         *
         * @param root an existing directory
         * @return this builder
         */
        public Builder root(Path root) {
            this.root = Objects.requireNonNull(root, "root");
            return this;
        }

        /**
         * The address to bind. Default: the loopback address.
         *
         * @param address the address
         * @return this builder
         */
        public Builder address(InetAddress address) {
            this.address = Objects.requireNonNull(address, "address");
            return this;
        }

        /**
         * The port to bind. Default 69; 0 picks a free port.
         *
         * @param port 0..65535
         * @return this builder
         */
        public Builder port(int port) {
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("port out of range: " + port);
            }
            this.port = port;
            return this;
        }

        /**
         * The largest {@code blksize} granted. Default 65464.
         *
         * @param max 8..65464
         * @return this builder
         */
        public Builder maxBlockSize(int max) {
            if (max < TftpOptions.MIN_BLOCK_SIZE || max > TftpOptions.MAX_BLOCK_SIZE) {
                throw new IllegalArgumentException("max blksize must be 8..65464: " + max);
            }
            this.maxBlockSize = max;
            return this;
        }

        /**
         * The largest {@code windowsize} granted. Default 64.
         *
         * @param max 1..65535
         * @return this builder
         */
        public Builder maxWindowSize(int max) {
            if (max < 1 || max > TftpOptions.MAX_WINDOW_SIZE) {
                throw new IllegalArgumentException("max windowsize must be 1..65535: " + max);
            }
            this.maxWindowSize = max;
            return this;
        }

        /**
         * Retransmission interval when the client negotiates no {@code timeout}. Default 1 s.
         *
         * @param interval positive
         * @return this builder
         */
        public Builder retransmitInterval(Duration interval) {
            this.retransmit = Durations.positive(interval, "retransmit interval");
            return this;
        }

        /**
         * Retransmissions without an answer before a transfer is given up. Default 5.
         *
         * @param retries at least 1
         * @return this builder
         */
        public Builder maxRetries(int retries) {
            if (retries < 1) {
                throw new IllegalArgumentException("max retries must be at least 1");
            }
            this.maxRetries = retries;
            return this;
        }

        /**
         * Concurrent transfers allowed; more get ERROR 0 "server busy". Default 1000.
         *
         * @param max at least 1
         * @return this builder
         */
        public Builder maxTransfers(int max) {
            if (max < 1) {
                throw new IllegalArgumentException("max transfers must be at least 1");
            }
            this.maxTransfers = max;
            return this;
        }

        /**
         * Concurrent transfers allowed from one client address (any port), so that one client
         * cannot take every slot; more get ERROR 0 "server busy". Default 16, more than a
         * controller fetching every image type of a bundle at once needs.
         *
         * @param max at least 1
         * @return this builder
         */
        public Builder maxTransfersPerClient(int max) {
            if (max < 1) {
                throw new IllegalArgumentException("max transfers per client must be at least 1");
            }
            this.maxTransfersPerClient = max;
            return this;
        }

        /**
         * Retransmissions of a transfer's first answer (OACK or first DATA) before the client has
         * acknowledged anything; then the transfer ends and frees its slot. Default 2; the retry
         * limit applies once the client has answered.
         *
         * @param retries zero or more
         * @return this builder
         */
        public Builder halfOpenRetries(int retries) {
            if (retries < 0) {
                throw new IllegalArgumentException("half-open retries must not be negative");
            }
            this.halfOpenRetries = retries;
            return this;
        }

        /**
         * Refused requests answered with an ERROR (and logged) per second, at most; past that a
         * refused request is dropped silently and counted, so a flood of bad or excess requests
         * cannot make the server spend a socket and a log line on each. Default 500.
         *
         * @param perSecond at least 1
         * @return this builder
         */
        public Builder refusalsPerSecond(int perSecond) {
            if (perSecond < 1) {
                throw new IllegalArgumentException("refusals per second must be at least 1");
            }
            this.refusalsPerSecond = perSecond;
            return this;
        }

        /**
         * The clock every transfer reads and retransmits on, the refusal budget and the
         * repeated-request horizon included. Default: real time, each transfer's timers on its own
         * event loop. A {@link dev.apimage.time.VirtualClock} set here runs the server in virtual
         * time; its tasks are handed to the transfers' event loops.
         *
         * @param clock the clock
         * @return this builder
         */
        public Builder clock(NanoClock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /**
         * Lets WRQ overwrite existing files. Default false (read-only).
         *
         * @param allow true to accept writes
         * @return this builder
         */
        public Builder allowWrite(boolean allow) {
            this.allowWrite = allow;
            return this;
        }

        /**
         * Lets WRQ create new files (implies {@link #allowWrite(boolean)}). Default false.
         *
         * @param allow true to accept new files
         * @return this builder
         */
        public Builder allowCreate(boolean allow) {
            this.allowCreate = allow;
            return this;
        }

        /**
         * Runs on a caller's event loop group instead of one of its own (not shut down by close).
         *
         * @param group a group of NIO event loops
         * @return this builder
         */
        public Builder eventLoopGroup(EventLoopGroup group) {
            this.group = Objects.requireNonNull(group, "group");
            return this;
        }

        /**
         * Event loop threads of the server's own group. Default: the number of processors.
         *
         * @param threads at least 1
         * @return this builder
         */
        public Builder threads(int threads) {
            if (threads < 1) {
                throw new IllegalArgumentException("threads must be at least 1");
            }
            this.threads = threads;
            return this;
        }

        /**
         * Builds the server (not yet bound).
         *
         * @return the server
         * @throws IOException when the root is not a readable directory
         */
        public TftpServer build() throws IOException {
            return new TftpServer(this);
        }
    }
}

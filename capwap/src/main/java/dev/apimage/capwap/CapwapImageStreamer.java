package dev.apimage.capwap;

import dev.apimage.cache.ImageCache.CachedImage;
import dev.apimage.capwap.internal.ApSocket;
import dev.apimage.capwap.internal.ControllerSocket;
import dev.apimage.capwap.internal.ImageStreamSession;
import dev.apimage.capwap.internal.OutboundDatagrams;
import dev.apimage.capwap.internal.OpenImageFile;
import dev.apimage.capwap.internal.StreamerSettings;
import dev.apimage.capwap.wire.CapwapDecodeException;
import dev.apimage.capwap.wire.CapwapMessage;
import dev.apimage.capwap.wire.CapwapMessageWriter;
import dev.apimage.capwap.wire.ControlMessage;
import dev.apimage.capwap.wire.ResultCode;
import dev.apimage.image.ImageType;
import dev.apimage.internal.DaemonThreads;
import dev.apimage.internal.Durations;
import dev.apimage.internal.Failures;
import dev.apimage.internal.Hosts;
import dev.apimage.internal.LogText;
import dev.apimage.time.NanoClock;
import dev.apimage.transfer.TransferException;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoEventLoop;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.DatagramPacket;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The controller side of the CAPWAP image download (RFC 5415, 9.1) on one UDP socket: answers each
 * AP's Image Data Request with the image's size and MD5, then sends the image as Image Data
 * Requests, one outstanding per AP, retransmitting after RetransmitInterval (doubling, at most
 * MaxRetransmit times), the last block marked with data type 2.
 *
 * <p>A thin Netty handler: it decodes each datagram, admits or refuses Image Data Requests (the
 * session caps, the memory of failed fetches; a refusal makes no state), routes responses to the
 * AP's {@link ImageStreamSession}, where the protocol is, and writes what the sessions send. Many APs
 * share the socket, each keyed by its address; everything runs on the socket's event loop without
 * blocking: images come from an {@link ImageSource} (fetched once per type, opened once, shared by
 * every AP of that type, each block read with one positional read), and one periodic check on the
 * injected clock drives every session's deadlines, so an AP that stalls or misbehaves only costs
 * its own retransmissions.
 *
 * <p>Blocks are 1024 bytes by default, the most RFC 5415 allows; larger blocks (the field's
 * controllers send 1377) need {@link Builder#allowNonRfcBlockSize(boolean)}.
 */
public final class CapwapImageStreamer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(CapwapImageStreamer.class);
    /** The IANA port of the CAPWAP control channel (RFC 5415, 15.7). */
    public static final int CONTROL_PORT = 5246;

    /** What the streamer reports; called on its event loop, so keep it quick. */
    public interface Listener {
        /**
         * An AP's phase changed.
         *
         * @param status the AP's status now
         */
        default void onStatus(ApStreamStatus status) {
        }

        /**
         * An AP acknowledged a block. Called per block: do not allocate or block here.
         *
         * @param ap the AP
         * @param bytes bytes acknowledged so far
         * @param size the image's size
         */
        default void onProgress(InetSocketAddress ap, long bytes, long size) {
        }
    }

    /**
     * What the streamer holds and has refused, for operators and tests.
     *
     * @param sessions sessions held now (fetching, streaming, or lingering after their end)
     * @param streaming sessions fetching or streaming
     * @param refusedBusy requests refused by the session caps
     * @param refusedUnknown requests refused without state: an invalid image type name, or a type
     *     whose fetch failed within the remembered interval
     * @param fetches image fetches started (one per request that created a session)
     * @param aborted streams ended with an Image Data abort (type 5) because the image file changed
     * @param malformed datagrams that did not decode
     * @param refusedUnjoined Image Data Requests refused because the source has not joined (or asked
     *     for another type than its own); only with a control session
     * @param apSockets APs streaming through a socket of their own now ({@link Builder#apSockets})
     * @param apSocketsOpened sockets of their own given to streaming APs so far
     * @param blocksAcknowledged Image Data blocks the APs acknowledged with success, all streams so far
     * @param bytesAcknowledged image bytes in those blocks
     */
    public record Stats(int sessions, int streaming, long refusedBusy, long refusedUnknown, long fetches, long aborted, long malformed,
            long refusedUnjoined, int apSockets, long apSocketsOpened, long blocksAcknowledged, long bytesAcknowledged) {
    }

    private static final int MAX_REMEMBERED_FAILURES = 4096;
    /** Control messages larger than this go in CAPWAP fragments (RFC 5415, 3.4): below a 1500-byte MTU with IP and UDP. */
    static final int MAX_CONTROL_DATAGRAM = 1400;
    private int nextFragmentId;

    private final StreamerSettings settings;
    private final ImageSource images;
    private final Listener listener;
    private final EventLoopGroup group;
    private final boolean ownGroup;
    private final Channel channel;
    private final EventLoop loop;
    /** The Image Data envelopes, reused (one per block in flight, not one per block). */
    private final OutboundDatagrams envelopes;
    private final NanoClock clock;
    private final Map<InetSocketAddress, ImageStreamSession> sessions = new HashMap<>();
    private final Map<InetAddress, Integer> perAddress = new HashMap<>();
    /** Image types whose fetch failed, with when the memory of it ends; bounded, oldest dropped. */
    private final Map<ImageType, Long> failedFetches = new LinkedHashMap<>(64, 0.75f, false) {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<ImageType, Long> eldest) {
            return size() > MAX_REMEMBERED_FAILURES;
        }
    };
    private final Map<String, OpenImageFile> opened = new ConcurrentHashMap<>();
    private final CapwapMessage in = new CapwapMessage();
    private final CapwapMessageWriter out = new CapwapMessageWriter();
    private final SessionPort port = new SessionPort();
    private final NanoClock.Timer ticker;
    /** Opens image files off the event loop. */
    private final ExecutorService opener = DaemonThreads.single("apimage-capwap-open");
    private long refusedBusy;
    private long refusedUnknown;
    private long fetches;
    private long aborted;
    private long malformed;
    private long refusedUnjoined;
    /** The control session, when a {@link CapwapController} runs this socket; null for a bare streamer. */
    private final ControlPlane control;
    /** Room the security layer needs before and around a stream's message (0 without one). */
    private final int securityHeadroom;
    private final int securityRoom;
    /** Whether each streaming AP gets a connected socket of its own ({@link ApSocket}). */
    private final boolean apSockets;
    private final Map<InetSocketAddress, ApSocket> apSocketsByAp = new HashMap<>();
    private long apSocketsOpened;
    private long blocksAcknowledged;
    private final ArrayList<ImageStreamSession> tickSessions = new ArrayList<>();
    private long bytesAcknowledged;
    private final java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();
    /** The one buffer every AP socket reads into (on the event loop, one datagram at a time). */
    private final ByteBuf apReadBuffer;
    /** The one buffer every datagram to an AP with its own socket is written in: sent before the next is made. */
    private final ByteBuf apSendBuffer;
    private final ApSocket.Reader apReader = new ApSocket.Reader() {
        @Override
        public void onDatagram(InetSocketAddress from, ByteBuf datagram) {
            CapwapImageStreamer.this.onDatagram(from, datagram);
        }

        @Override
        public void onReadsDone() {
            channel.flush(); // what the datagrams made the main socket send (control answers)
        }
    };

    private CapwapImageStreamer(Builder b, StreamerSettings settings) throws IOException {
        this.settings = settings;
        this.images = b.images;
        this.listener = b.listener;
        this.control = b.control;
        this.securityHeadroom = b.securityHeadroom;
        this.securityRoom = b.securityHeadroom + b.securityTailroom;
        this.ownGroup = b.group == null;
        this.group = ownGroup ? new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("apimage-capwap-controller", true),
                ControllerSocket.ioHandler()) : b.group;
        // Per-AP sockets bypass the pipeline, so a hook or a security layer keeps every datagram on the one channel.
        ByteBuf readBuffer = null;
        if (b.apSockets && ownGroup && ControllerSocket.EPOLL && b.pipelineHook == null && b.security == null && ApSocket.supported()) {
            readBuffer = Unpooled.directBuffer(ControllerSocket.MAX_DATAGRAM);
            if (!readBuffer.hasMemoryAddress()) {
                readBuffer.release();
                readBuffer = null;
            }
        }
        this.apReadBuffer = readBuffer;
        this.apSockets = readBuffer != null;
        this.apSendBuffer = apSockets ? Unpooled.directBuffer(settings.blockSize() + 64) : null;
        Bootstrap bootstrap = ControllerSocket.configure(new Bootstrap().group(group), ownGroup, apSockets)
                .option(ChannelOption.SO_RCVBUF, 4 << 20).option(ChannelOption.SO_SNDBUF, 4 << 20)
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        if (b.pipelineHook != null) {
                            b.pipelineHook.accept(ch.pipeline());
                        }
                        if (b.security != null) {
                            ch.pipeline().addLast("capwap-dtls", b.security);
                        }
                        ch.pipeline().addLast(new Inbound());
                    }
                });
        try {
            this.channel = bootstrap.bind(b.address).syncUninterruptibly().channel();
        } catch (RuntimeException e) {
            if (apReadBuffer != null) {
                apReadBuffer.release();
                apSendBuffer.release();
            }
            if (ownGroup) {
                group.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
            }
            throw new IOException("cannot listen on " + b.address + ": " + e.getMessage(), e);
        }
        this.loop = channel.eventLoop();
        this.envelopes = new OutboundDatagrams(loop);
        this.clock = b.clock == null ? NanoClock.on(loop) : b.clock.handingTo(loop);
        // One periodic check for every session instead of a timer per block: a block in flight costs no timer.
        long tick = Math.max(TimeUnit.MILLISECONDS.toNanos(5), Math.min(TimeUnit.MILLISECONDS.toNanos(100), settings.retransmitNanos() / 10));
        this.ticker = clock.repeat(this::tick, tick);
        if (control != null) {
            control.attach(new ControlPlane.Socket() {
                @Override
                public void send(InetSocketAddress to, ControlMessage message) {
                    sendControl(to, message);
                }

                @Override
                public NanoClock clock() {
                    return clock;
                }

                @Override
                public void execute(Runnable task) {
                    loop.execute(task);
                }

                @Override
                public boolean inLoop() {
                    return loop.inEventLoop();
                }

                @Override
                public InetSocketAddress localAddress() {
                    return CapwapImageStreamer.this.localAddress();
                }
            });
        }
        LOG.info("CAPWAP image streamer listening on {} ({}{}), block size {}{}", localAddress(), ControllerSocket.name(),
                apSockets ? ", a socket per streaming AP" : "",
                settings.blockSize(), settings.blockSize() > CapwapMessage.RFC_MAX_DATA ? " (beyond RFC 5415's 1024)" : "");
    }

    /**
     * Starts configuring a streamer.
     *
     * @return a builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * The address the streamer listens on.
     *
     * @return the bound address (with the real port when 0 was asked for)
     */
    public InetSocketAddress localAddress() {
        return (InetSocketAddress) channel.localAddress();
    }

    /**
     * Every AP the streamer has served or is serving.
     *
     * @return a snapshot, in no particular order
     */
    public List<ApStreamStatus> status() {
        return onLoop(() -> {
            List<ApStreamStatus> all = new ArrayList<>(sessions.size());
            for (ImageStreamSession s : sessions.values()) {
                all.add(s.status());
            }
            return all;
        });
    }

    /**
     * What the streamer holds and has refused.
     *
     * @return a snapshot
     */
    public Stats stats() {
        return onLoop(() -> {
            int streaming = 0;
            for (ImageStreamSession s : sessions.values()) {
                if (!s.ended()) {
                    streaming++;
                }
            }
            return new Stats(sessions.size(), streaming, refusedBusy, refusedUnknown, fetches, aborted, malformed, refusedUnjoined,
                    apSocketsByAp.size(), apSocketsOpened, blocksAcknowledged, bytesAcknowledged);
        });
    }

    /**
     * Datagrams dropped because they did not decode.
     *
     * @return the count
     */
    public long malformedDatagrams() {
        return onLoop(() -> malformed);
    }

    private <T> T onLoop(java.util.concurrent.Callable<T> task) {
        if (loop.inEventLoop()) {
            try {
                return task.call();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
        return loop.submit(task).syncUninterruptibly().getNow();
    }

    /** Sends a control message for the control plane, in fragments past a safe datagram size. */
    private void sendControl(InetSocketAddress to, ControlMessage message) {
        ByteBuf whole = channel.alloc().buffer(256);
        try {
            message.writeTo(whole);
            for (ByteBuf part : dev.apimage.capwap.wire.Fragments.split(whole, MAX_CONTROL_DATAGRAM, nextFragmentId++ & 0xFFFF, channel.alloc())) {
                channel.write(new DatagramPacket(part, to));
            }
        } finally {
            whole.release();
        }
        channel.flush();
    }

    /** Stops listening; APs in progress stop getting blocks. */
    @Override
    public void close() {
        if (closed.getAndSet(true)) {
            return; // closing twice is harmless
        }
        ticker.cancel();
        if (control != null) {
            loop.execute(control::close);
        }
        if (apSockets) {
            onLoop(() -> {
                apSocketsByAp.values().forEach(ApSocket::close);
                apSocketsByAp.clear();
                return null;
            });
        }
        channel.close().syncUninterruptibly();
        if (ownGroup) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
        opener.shutdown();
        opened.values().forEach(OpenImageFile::close);
        opened.clear();
        if (apReadBuffer != null) {
            apReadBuffer.release();
            apSendBuffer.release(apSendBuffer.refCnt());
        }
    }

    /** Decodes and routes; the protocol is in the sessions. */
    private final class Inbound extends SimpleChannelInboundHandler<DatagramPacket> {
        @Override
        protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket packet) {
            onDatagram(packet.sender(), packet.content());
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            ctx.flush();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            // One AP's trouble must not stop the socket: log and go on.
            LOG.warn("CAPWAP controller socket: {}", cause.toString());
        }
    }

    /** One datagram, from the main socket or an AP's own; {@code b} is not kept. */
    private void onDatagram(InetSocketAddress from, ByteBuf b) {
        long now = clock.nanoTime();
        try {
            in.wrap(b, b.readerIndex(), b.writerIndex());
        } catch (CapwapDecodeException e) {
            if (control != null) {
                control.onDatagram(from, b, now); // a fragment, or a control element the flyweight does not check
                return;
            }
            malformed++;
            LOG.debug("dropped a malformed datagram from {}: {}", Hosts.text(from), e.getMessage());
            return;
        }
        long type = in.messageType();
        if (control != null && type != CapwapMessage.IMAGE_DATA_REQUEST && type != CapwapMessage.IMAGE_DATA_RESPONSE) {
            control.onDatagram(from, b, now);
            return;
        }
        route(from, now);
    }

    private void route(InetSocketAddress from, long now) {
        long type = in.messageType();
        int seq = in.sequenceNumber();
        if (in.isRequest()) {
            if (type == CapwapMessage.IMAGE_DATA_REQUEST) {
                onImageDataRequest(from, seq, now);
            } else {
                ByteBuf b = channel.alloc().directBuffer(24);
                out.answerUnhandled(b, type, seq);
                channel.write(new DatagramPacket(b, from));
            }
        } else if (type == CapwapMessage.IMAGE_DATA_RESPONSE) {
            ImageStreamSession s = sessions.get(from);
            if (s != null) {
                s.onResponse(seq, in.hasResultCode() ? in.resultCode() : -1, now);
            }
        }
    }

    private void refuse(InetSocketAddress to, int seq, ResultCode result) {
        ByteBuf b = channel.alloc().directBuffer(24);
        out.begin(b, CapwapMessage.IMAGE_DATA_RESPONSE, seq).resultCode(result).finish();
        channel.write(new DatagramPacket(b, to));
    }

    /** Admission: the caps and the failed-fetch memory are checked before any state is made. */
    private void onImageDataRequest(InetSocketAddress from, int seq, long now) {
        if (!in.hasImageIdentifier()) {
            refuse(from, seq, ResultCode.FAILURE_MISSING_MANDATORY_ELEMENT);
            return;
        }
        String name = in.imageName();
        ImageStreamSession s = sessions.get(from);
        if (s != null && s.apSequence() == seq && s.imageType().name().equals(name)) {
            s.onRequestRepeated(); // the AP did not hear our answer
            return;
        }
        if (!ImageType.isValidName(name)) {
            refusedUnknown++;
            LOG.debug("Image Data Request from {} refused: [{}] is not an image type name", Hosts.text(from), LogText.printable(name, 64));
            refuse(from, seq, ResultCode.IMAGE_DATA_OTHER_ERROR);
            return;
        }
        ImageType type = ImageType.of(name);
        if (control != null && !control.mayStream(from, type)) {
            // Only a joined WTP, and only its own type: no state, no fetch, one small answer.
            refusedUnjoined++;
            refuse(from, seq, ResultCode.IMAGE_DATA_OTHER_ERROR);
            return;
        }
        Long failedUntil = failedFetches.get(type);
        if (failedUntil != null) {
            if (now - failedUntil < 0) {
                // Refused without state: a flood of unknown types costs one fetch per type per interval.
                refusedUnknown++;
                refuse(from, seq, ResultCode.IMAGE_DATA_OTHER_ERROR);
                return;
            }
            failedFetches.remove(type);
        }
        if (s != null) {
            drop(s); // the AP asked anew: its old session ends here
        }
        int fromAddress = perAddress.getOrDefault(from.getAddress(), 0);
        if (sessions.size() >= settings.maxSessions() || fromAddress >= settings.maxSessionsPerAddress()) {
            refusedBusy++;
            LOG.debug("Image Data Request from {} refused: {}", Hosts.text(from), sessions.size() >= settings.maxSessions()
                    ? settings.maxSessions() + " sessions held" : fromAddress + " sessions from that address");
            refuse(from, seq, ResultCode.IMAGE_DATA_OTHER_ERROR);
            return;
        }
        LOG.info("Image Data Request from {}, fileName [{}]", Hosts.text(from), type);
        if (control != null) {
            control.onImageDataRequest(from);
        }
        ImageStreamSession fresh = new ImageStreamSession(from, type, seq, settings, out, port);
        sessions.put(from, fresh);
        perAddress.merge(from.getAddress(), 1, Integer::sum);
        if (apSockets) {
            loop.execute(() -> openApSocket(fresh)); // not here: the new socket's first reads reuse the buffer being decoded
        }
        fetches++;
        listener.onStatus(fresh.status());
        images.image(type)
                .thenApplyAsync(this::open, opener)
                .whenComplete((image, failure) -> loop.execute(() -> onFetched(fresh, image, failure)));
    }

    private void onFetched(ImageStreamSession session, OpenImageFile image, Throwable error) {
        if (sessions.get(session.ap()) != session) {
            return; // the AP asked again meanwhile; that request has its own session
        }
        long now = clock.nanoTime();
        if (error != null) {
            Throwable cause = Failures.unwrap(error);
            String line = cause instanceof TransferException ? cause.getMessage()
                    : Failures.downloadFailed("for image type " + session.imageType(), String.valueOf(cause.getMessage()));
            failedFetches.put(session.imageType(), now + settings.failedFetchNanos());
            session.onFetchFailed(line, now);
        } else {
            session.onImageReady(image, now);
        }
        channel.flush();
    }

    /** Removes a session and its count. */
    private void drop(ImageStreamSession s) {
        if (sessions.remove(s.ap(), s)) {
            perAddress.computeIfPresent(s.ap().getAddress(), (a, n) -> n <= 1 ? null : n - 1);
            closeApSocket(s.ap());
        }
    }

    /** Gives a streaming AP a socket of its own; if none can be made it stays on the main socket. */
    private void openApSocket(ImageStreamSession session) {
        InetSocketAddress ap = session.ap();
        if (sessions.get(ap) != session || session.ended() || apSocketsByAp.containsKey(ap)) {
            return;
        }
        try {
            apSocketsByAp.put(ap, ApSocket.open((IoEventLoop) loop, localAddress(), ap, apReadBuffer, apReader));
            apSocketsOpened++;
        } catch (IOException e) {
            LOG.debug("no socket of its own for {}, it stays on the main socket: {}", Hosts.text(ap), e.getMessage());
        }
    }

    private void closeApSocket(InetSocketAddress ap) {
        ApSocket s = apSocketsByAp.remove(ap);
        if (s != null) {
            s.close();
        }
    }


    /**
     * Opens an image file once for all APs. Runs on the opening thread, never the event loop: a
     * fetch that is already complete would otherwise run this on the loop that called it.
     */
    private OpenImageFile open(CachedImage image) {
        String key = image.image().file() + "|" + image.image().size() + "|" + image.image().digests().md5();
        OpenImageFile known = opened.get(key);
        if (known != null && known.changed() == null) {
            return known;
        }
        try {
            OpenImageFile fresh = OpenImageFile.open(key, image.image().file(), image.image().size(),
                    image.image().digests().md5Bytes());
            opened.put(key, fresh);
            return fresh;
        } catch (IOException e) {
            throw new CompletionException(e);
        }
    }

    private void tick() {
        long now = clock.nanoTime();
        // A copy, as a tick may end sessions; into a list kept between ticks, so that a tick
        // allocates nothing (with 1,000 sessions a fresh copy was 4 KB every 100 ms).
        ArrayList<ImageStreamSession> all = tickSessions;
        try {
            for (ImageStreamSession s : sessions.values()) {
                all.add(s);
            }
            for (int i = 0; i < all.size(); i++) {
                ImageStreamSession s = all.get(i);
                if (s.expired(now)) {
                    drop(s); // kept a while to answer a repeated request, then freed
                } else {
                    s.onTick(now);
                }
            }
        } finally {
            all.clear();
            channel.flush();
        }
    }

    /** The sessions' way out: the socket, the listener, and the shared open files. */
    private final class SessionPort implements ImageStreamSession.Port {
        @Override
        public ByteBuf buffer(int capacity, InetSocketAddress to) {
            if (apSockets && capacity <= apSendBuffer.capacity() && apSocketsByAp.containsKey(to)) {
                // Sent at once by the AP's own socket, so one buffer serves every block: the streamer
                // keeps one reference, the datagram's is released by the send.
                return apSendBuffer.clear().retain();
            }
            if (securityRoom == 0) {
                return channel.alloc().directBuffer(capacity);
            }
            // Room for the DTLS record around the message, so that it is sealed where it is written.
            ByteBuf b = channel.alloc().directBuffer(capacity + securityRoom);
            return b.setIndex(securityHeadroom, securityHeadroom);
        }

        @Override
        public void send(ByteBuf datagram, InetSocketAddress to) {
            ApSocket own = apSockets ? apSocketsByAp.get(to) : null;
            if (own != null) {
                own.send(datagram);
            } else if (datagram == apSendBuffer) {
                // Not expected (the AP's socket closes between taking a buffer and sending it), but the main socket writes later.
                ByteBuf copy = channel.alloc().directBuffer(datagram.readableBytes()).writeBytes(datagram);
                datagram.release();
                channel.write(envelopes.wrap(copy, to), channel.voidPromise());
            } else {
                channel.write(envelopes.wrap(datagram, to), channel.voidPromise());
            }
        }

        @Override
        public void onPhase(ImageStreamSession session) {
            ApStreamStatus status = session.status();
            listener.onStatus(status);
            if (session.ended()) {
                closeApSocket(session.ap()); // a repeated request after the end comes to the main socket
            }
            if (control != null && session.ended()) {
                control.onStreamEnded(session.ap(), session.phase() == ApStreamStatus.Phase.COMPLETED, status.failure());
            }
        }

        @Override
        public void onProgress(ImageStreamSession session) {
            blocksAcknowledged++;
            bytesAcknowledged += session.lastBlockLength();
            listener.onProgress(session.ap(), session.bytesAcknowledged(), session.size());
        }

        @Override
        public void onImageChanged(OpenImageFile image) {
            aborted++;
            if (image != null && opened.remove(image.key(), image)) {
                image.close(); // the next request opens the file anew
            }
        }
    }

    /** Configures a {@link CapwapImageStreamer}. */
    public static final class Builder {
        private InetSocketAddress address = new InetSocketAddress("127.0.0.1", CONTROL_PORT);
        private ImageSource images;
        private int blockSize = CapwapMessage.RFC_MAX_DATA;
        private boolean allowNonRfcBlockSize;
        private Duration retransmitInterval = Duration.ofSeconds(3);
        private int maxRetransmit = 5;
        private int halfOpenRetransmits = 2;
        private int maxSessions = 1000;
        private int maxSessionsPerAddress = 16;
        private Duration linger = Duration.ofSeconds(30);
        private Duration failedFetchMemory = Duration.ofSeconds(30);
        private Listener listener = new Listener() { };
        private EventLoopGroup group;
        private NanoClock clock;
        private Consumer<ChannelPipeline> pipelineHook;
        private boolean apSockets = Boolean.getBoolean("apimage.capwap.apSockets");
        private io.netty.channel.ChannelHandler security;
        private int securityHeadroom;
        private int securityTailroom;
        private ControlPlane control;

        private Builder() {
        }

        /**
         * Where to listen; default 127.0.0.1:5246.
         *
         * @param address the address, port 0 for any
         * @return this builder
         */
        public Builder address(InetSocketAddress address) {
            this.address = Objects.requireNonNull(address, "address");
            return this;
        }

        /**
         * Where images come from; required.
         *
         * @param images the source
         * @return this builder
         */
        public Builder images(ImageSource images) {
            this.images = Objects.requireNonNull(images, "images");
            return this;
        }

        /**
         * Data bytes per Image Data element; default and RFC 5415 maximum 1024.
         *
         * @param bytes 1..1024, or up to 65000 with {@link #allowNonRfcBlockSize(boolean)}
         * @return this builder
         */
        public Builder blockSize(int bytes) {
            this.blockSize = bytes;
            return this;
        }

        /**
         * Allows blocks beyond RFC 5415's 1024 bytes, as some vendors' controllers send (1377).
         *
         * @param allow true to allow
         * @return this builder
         */
        public Builder allowNonRfcBlockSize(boolean allow) {
            this.allowNonRfcBlockSize = allow;
            return this;
        }

        /**
         * RFC 5415 RetransmitInterval, doubled per retransmission; default 3 s.
         *
         * @param interval the interval
         * @return this builder
         */
        public Builder retransmitInterval(Duration interval) {
            this.retransmitInterval = Objects.requireNonNull(interval, "interval");
            return this;
        }

        /**
         * RFC 5415 MaxRetransmit; default 5.
         *
         * @param count retransmissions before an AP is given up
         * @return this builder
         */
        public Builder maxRetransmit(int count) {
            this.maxRetransmit = count;
            return this;
        }

        private static int atLeast(int value, int min, String what) {
            if (value < min) {
                throw new IllegalArgumentException(what + " must be at least " + min + ": " + value);
            }
            return value;
        }

        private static Duration notNegative(Duration d, String what) {
            return Durations.notNegative(d, what);
        }

        /**
         * Retransmissions of the first block before the AP has answered any: a source that asks
         * and then stays silent (a spoofed address) costs the response and this many more blocks.
         * Default 2; at most {@link #maxRetransmit(int)} applies.
         *
         * @param count zero or more
         * @return this builder
         */
        public Builder halfOpenRetransmits(int count) {
            this.halfOpenRetransmits = atLeast(count, 0, "halfOpenRetransmits");
            return this;
        }

        /**
         * The most sessions held at once (fetching, streaming, or lingering); a request beyond it
         * is answered with result 16 and creates no state. Default 1000.
         *
         * @param count at least 1
         * @return this builder
         */
        public Builder maxSessions(int count) {
            this.maxSessions = atLeast(count, 1, "maxSessions");
            return this;
        }

        /**
         * The most sessions from one IP address (any port); beyond it, as {@link #maxSessions(int)}.
         * Default 16.
         *
         * @param count at least 1
         * @return this builder
         */
        public Builder maxSessionsPerAddress(int count) {
            this.maxSessionsPerAddress = atLeast(count, 1, "maxSessionsPerAddress");
            return this;
        }

        /**
         * How long an ended session stays to answer a repeated request and show in {@link #status()},
         * before it is freed. Default 30 s.
         *
         * @param linger zero or more
         * @return this builder
         */
        public Builder linger(Duration linger) {
            this.linger = notNegative(linger, "linger");
            return this;
        }

        /**
         * How long a failed fetch of an image name is remembered; requests for that name meanwhile
         * are refused at once, without state and without another fetch. Default 30 s.
         *
         * @param memory zero or more
         * @return this builder
         */
        public Builder failedFetchMemory(Duration memory) {
            this.failedFetchMemory = notNegative(memory, "failedFetchMemory");
            return this;
        }

        /**
         * Receives status changes and progress.
         *
         * @param listener the listener
         * @return this builder
         */
        public Builder listener(Listener listener) {
            this.listener = Objects.requireNonNull(listener, "listener");
            return this;
        }

        /**
         * Runs on a shared event loop group instead of an own thread.
         *
         * @param group the group (NIO)
         * @return this builder
         */
        public Builder eventLoopGroup(EventLoopGroup group) {
            this.group = group;
            return this;
        }

        /**
         * The clock the sessions' deadlines run on. Default: real time on the streamer's event loop.
         * A {@link dev.apimage.time.VirtualClock} set here runs the streamer in virtual time; its
         * tasks are handed to the event loop.
         *
         * @param clock the clock
         * @return this builder
         */
        public Builder clock(NanoClock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /**
         * Puts handlers in front of the streamer's own, for labs: loss or delay injection, a
         * capture. Runs once, when the socket's pipeline is made.
         *
         * @param hook adds handlers to the pipeline
         * @return this builder
         */
        public Builder pipelineHook(Consumer<ChannelPipeline> hook) {
            this.pipelineHook = hook;
            return this;
        }

        /**
         * Whether each AP, while it streams an image, gets a UDP socket of its own, bound to the
         * streamer's address and connected to the AP (off by default; on with this or
         * {@code -Dapimage.capwap.apSockets=true}). The kernel then routes the AP's datagrams to
         * that socket, which is read into a reused buffer and writes every block from one reused
         * buffer, so a block allocates next to nothing; other datagrams still come to the main
         * socket. The price is CPU: a system call per datagram read and per block sent instead of
         * one {@code recvmmsg} and one {@code sendmmsg} for many APs (the README's CAPWAP figures
         * measure both). It takes one file descriptor per
         * streaming AP and sets {@code SO_REUSEPORT} on the main socket (Linux lets only the same
         * user share the port). Only with the native transport on Linux 5.4 or later, the
         * streamer's own event loop, no {@link #pipelineHook} (which must see every datagram) and
         * no DTLS; otherwise every AP shares the main socket.
         *
         * @param enabled whether to use per-AP sockets where they are possible
         * @return this builder
         */
        public Builder apSockets(boolean enabled) {
            this.apSockets = enabled;
            return this;
        }

        /** Puts a control session on this socket (the controller does). */
        Builder controlPlane(ControlPlane plane) {
            this.control = Objects.requireNonNull(plane, "plane");
            return this;
        }

        /**
         * The controller's DTLS layer: after any pipeline hook (a capture sees the wire), before the
         * routing; the streams' buffers leave it the room to seal a message where it was written.
         */
        Builder security(io.netty.channel.ChannelHandler layer, int headroom, int tailroom) {
            this.security = Objects.requireNonNull(layer, "layer");
            this.securityHeadroom = headroom;
            this.securityTailroom = tailroom;
            return this;
        }

        /**
         * Binds the socket and starts serving.
         *
         * @return the running streamer
         * @throws IOException when the address cannot be bound
         * @throws IllegalArgumentException when a setting is out of range
         */
        public CapwapImageStreamer start() throws IOException {
            Objects.requireNonNull(images, "images");
            int max = allowNonRfcBlockSize ? 65000 : CapwapMessage.RFC_MAX_DATA;
            if (blockSize < 1 || blockSize > max) {
                throw new IllegalArgumentException("block size " + blockSize + " is outside 1.." + max
                        + (allowNonRfcBlockSize ? "" : " (RFC 5415 allows at most 1024 data bytes; larger blocks need the non-RFC option)"));
            }
            Durations.positive(retransmitInterval, "RetransmitInterval");
            if (maxRetransmit < 0) {
                throw new IllegalArgumentException("MaxRetransmit must not be negative: " + maxRetransmit);
            }
            return new CapwapImageStreamer(this, new StreamerSettings(blockSize, retransmitInterval.toNanos(), maxRetransmit,
                    halfOpenRetransmits, maxSessions, maxSessionsPerAddress, linger.toNanos(), failedFetchMemory.toNanos()));
        }
    }
}

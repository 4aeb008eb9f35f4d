package dev.apimage.capwap;

import dev.apimage.internal.Durations;
import dev.apimage.internal.Failures;
import dev.apimage.internal.DaemonThreads;
import dev.apimage.cache.ImageCache.CachedImage;
import dev.apimage.transfer.TransferException;
import dev.apimage.internal.LogText;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.DatagramPacket;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.ScheduledFuture;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.FileChannel;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ConcurrentHashMap;
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
 * <p>Many APs share the socket, each keyed by its address. Everything per AP runs on the socket's
 * event loop without blocking: images come from an {@link ImageSource} (fetched once per type,
 * opened once, shared by every AP of that type, each block read with one positional read), and one retransmission timer scans the
 * APs, so an AP that stalls or misbehaves only costs its own retransmissions.
 *
 * <p>Blocks are 1024 bytes by default, the most RFC 5415 allows; larger blocks (the field's
 * controllers send 1377) need {@link Builder#allowNonRfcBlockSize(boolean)}.
 */
public final class CapwapImageStreamer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(CapwapImageStreamer.class);
    /** The IANA port of the CAPWAP control channel. */
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
     * One image file, open once for every AP that streams it; each block is read with a positional
     * read straight into the datagram's buffer. Not a mapping: a mapped page that a truncation
     * removed faults (SIGBUS, delivered by the JVM as an asynchronous {@code InternalError} at some
     * later point, where Netty may close the shared socket), while a positional read past the new
     * end returns short and ends just that stream.
     */
    private static final class OpenImage {
        final String key;
        final long size;
        final byte[] md5;
        final FileChannel file;
        final java.nio.file.Path path;
        final Object fileKey;
        final java.nio.file.attribute.FileTime modified;

        OpenImage(String key, long size, byte[] md5, FileChannel file, java.nio.file.Path path,
                java.nio.file.attribute.BasicFileAttributes attributes) {
            this.key = key;
            this.path = path;
            this.fileKey = attributes.fileKey();
            this.modified = attributes.lastModifiedTime();
            this.size = size;
            this.md5 = md5;
            this.file = file;
        }

        /**
         * Null while the file is the one opened, else why not: its size through the descriptor, and
         * through its path its identity, size and modification time (a rewrite in place, a
         * replacement or a deletion do not show in the reads). A stat of an open, cached file, made
         * every few blocks: cheap enough for the event loop.
         */
        String changed() {
            try {
                long now = file.size();
                if (now != size) {
                    return "image file changed while streaming: " + now + " bytes, was " + size;
                }
                java.nio.file.attribute.BasicFileAttributes a = java.nio.file.Files.readAttributes(path,
                        java.nio.file.attribute.BasicFileAttributes.class, java.nio.file.LinkOption.NOFOLLOW_LINKS);
                if (!Objects.equals(a.fileKey(), fileKey) || a.size() != size || !a.lastModifiedTime().equals(modified)) {
                    return "image file replaced or modified while streaming";
                }
                return null;
            } catch (java.nio.file.NoSuchFileException e) {
                return "image file deleted while streaming";
            } catch (IOException e) {
                return "image file unreadable while streaming: " + LogText.printable(e.getMessage(), 200);
            }
        }
    }

    /**
     * What the streamer holds and has refused, for operators and tests.
     *
     * @param sessions sessions held now (fetching, streaming, or lingering after their end)
     * @param streaming sessions fetching or streaming
     * @param refusedBusy requests refused by the session caps
     * @param refusedUnknown requests refused because the image's fetch failed within the remembered interval
     * @param fetches image fetches started (one per request that created a session)
     * @param aborted streams ended with an Image Data abort (type 5) because the image file changed
     * @param malformed datagrams that did not decode
     */
    public record Stats(int sessions, int streaming, long refusedBusy, long refusedUnknown, long fetches, long aborted, long malformed) {
    }

    private final Builder config;
    private final EventLoopGroup group;
    private final boolean ownGroup;
    private final Channel channel;
    private final EventLoop loop;
    private final Map<InetSocketAddress, Session> sessions = new HashMap<>();
    private final Map<InetAddress, Integer> perAddress = new HashMap<>();
    /** Image names whose fetch failed, with when the memory of it ends; bounded, oldest dropped. */
    private final Map<String, Long> failedFetches = new LinkedHashMap<>(64, 0.75f, false) {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Long> eldest) {
            return size() > MAX_REMEMBERED_FAILURES;
        }
    };
    private long refusedBusy;
    private long refusedUnknown;
    private long fetches;
    private long aborted;
    private final Map<String, OpenImage> opened = new ConcurrentHashMap<>();
    private final CapwapMessage in = new CapwapMessage();
    private static final int MAX_REMEMBERED_FAILURES = 4096;
    /** How often the image file's size is checked while streaming, in blocks. */
    private static final int CHECK_EVERY_BLOCKS = 16;
    private final CapwapMessageWriter out = new CapwapMessageWriter();
    private final ScheduledFuture<?> ticker;
    private final long retransmitNanos;
    private final long lingerNanos;
    private final long failedFetchNanos;
    /** Opens image files off the event loop. */
    private final ExecutorService opener = DaemonThreads.single("apimage-capwap-open");
    private long malformed;

    private CapwapImageStreamer(Builder b) throws IOException {
        this.config = b;
        this.retransmitNanos = b.retransmitInterval.toNanos();
        this.lingerNanos = b.linger.toNanos();
        this.failedFetchNanos = b.failedFetchMemory.toNanos();
        this.ownGroup = b.group == null;
        this.group = ownGroup ? new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("apimage-capwap-controller", true),
                NioIoHandler.newFactory()) : b.group;
        Bootstrap bootstrap = new Bootstrap().group(group).channel(NioDatagramChannel.class)
                .option(ChannelOption.SO_RCVBUF, 4 << 20).option(ChannelOption.SO_SNDBUF, 4 << 20)
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        if (b.pipelineHook != null) {
                            b.pipelineHook.accept(ch.pipeline());
                        }
                        ch.pipeline().addLast(new Inbound());
                    }
                });
        try {
            this.channel = bootstrap.bind(b.address).syncUninterruptibly().channel();
        } catch (RuntimeException e) {
            if (ownGroup) {
                group.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
            }
            throw new IOException("cannot listen on " + b.address + ": " + e.getMessage(), e);
        }
        this.loop = channel.eventLoop();
        long tick = Math.max(TimeUnit.MILLISECONDS.toNanos(5), Math.min(TimeUnit.MILLISECONDS.toNanos(100), retransmitNanos / 10));
        this.ticker = loop.scheduleAtFixedRate(this::tick, tick, tick, TimeUnit.NANOSECONDS);
        LOG.info("CAPWAP image streamer listening on {}, block size {}{}", localAddress(), b.blockSize,
                b.blockSize > CapwapMessage.RFC_MAX_DATA ? " (beyond RFC 5415's 1024)" : "");
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
        if (loop.inEventLoop()) {
            return snapshot();
        }
        return loop.submit(this::snapshot).syncUninterruptibly().getNow();
    }

    private List<ApStreamStatus> snapshot() {
        List<ApStreamStatus> all = new ArrayList<>(sessions.size());
        for (Session s : sessions.values()) {
            all.add(s.status());
        }
        return all;
    }

    /**
     * What the streamer holds and has refused.
     *
     * @return a snapshot
     */
    public Stats stats() {
        if (loop.inEventLoop()) {
            return statsNow();
        }
        return loop.submit(this::statsNow).syncUninterruptibly().getNow();
    }

    private Stats statsNow() {
        int streaming = 0;
        for (Session s : sessions.values()) {
            if (!s.ended()) {
                streaming++;
            }
        }
        return new Stats(sessions.size(), streaming, refusedBusy, refusedUnknown, fetches, aborted, malformed);
    }

    /**
     * Datagrams dropped because they did not decode.
     *
     * @return the count
     */
    public long malformedDatagrams() {
        return loop.submit(() -> malformed).syncUninterruptibly().getNow();
    }

    /** Stops listening; APs in progress stop getting blocks. */
    @Override
    public void close() {
        ticker.cancel(false);
        channel.close().syncUninterruptibly();
        if (ownGroup) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
        opener.shutdown();
        for (OpenImage m : opened.values()) {
            try {
                m.file.close();
            } catch (IOException e) {
                // read-only descriptor
            }
        }
        opened.clear();
    }

    private final class Inbound extends SimpleChannelInboundHandler<DatagramPacket> {
        @Override
        protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket packet) {
            ByteBuf b = packet.content();
            InetSocketAddress from = packet.sender();
            try {
                in.wrap(b, b.readerIndex(), b.writerIndex());
            } catch (CapwapDecodeException e) {
                malformed++;
                LOG.debug("dropped a malformed datagram from {}: {}", text(from), e.getMessage());
                return;
            }
            handle(from);
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

    private void handle(InetSocketAddress from) {
        long type = in.messageType();
        int seq = in.sequenceNumber();
        if (in.isRequest()) {
            if (type == CapwapMessage.IMAGE_DATA_REQUEST) {
                onApRequest(from, seq);
            } else if (type == CapwapMessage.ECHO_REQUEST) {
                ByteBuf b = channel.alloc().directBuffer(16);
                out.begin(b, CapwapMessage.ECHO_RESPONSE, seq).finish();
                channel.write(new DatagramPacket(b, from));
            } else {
                answer(from, type + 1, seq, ResultCode.MESSAGE_UNEXPECTED_UNRECOGNIZED_REQUEST.code());
            }
        } else if (type == CapwapMessage.IMAGE_DATA_RESPONSE) {
            Session s = sessions.get(from);
            if (s != null) {
                s.onResponse(seq);
            }
        }
    }

    private void answer(InetSocketAddress to, long type, int seq, long result) {
        ByteBuf b = channel.alloc().directBuffer(24);
        out.begin(b, type, seq).resultCode(result).finish();
        channel.write(new DatagramPacket(b, to));
    }

    private void onApRequest(InetSocketAddress from, int seq) {
        if (!in.hasImageIdentifier()) {
            answer(from, CapwapMessage.IMAGE_DATA_RESPONSE, seq, ResultCode.FAILURE_MISSING_MANDATORY_ELEMENT.code());
            return;
        }
        String imageType = in.imageName();
        Session s = sessions.get(from);
        if (s != null && s.apSequence == seq && s.imageType.equals(imageType)) {
            s.repeatResponse(); // the AP did not hear our answer
            return;
        }
        long now = System.nanoTime();
        Long failedUntil = failedFetches.get(imageType);
        if (failedUntil != null) {
            if (now - failedUntil < 0) {
                // Refused without state: a flood of unknown names costs one fetch per name per interval.
                refusedUnknown++;
                answer(from, CapwapMessage.IMAGE_DATA_RESPONSE, seq, ResultCode.IMAGE_DATA_OTHER_ERROR.code());
                return;
            }
            failedFetches.remove(imageType);
        }
        if (s != null) {
            drop(s); // the AP asked anew: its old session ends here
        }
        int fromAddress = perAddress.getOrDefault(from.getAddress(), 0);
        if (sessions.size() >= config.maxSessions || fromAddress >= config.maxSessionsPerAddress) {
            refusedBusy++;
            LOG.debug("Image Data Request from {} refused: {}", text(from), sessions.size() >= config.maxSessions
                    ? config.maxSessions + " sessions held" : fromAddress + " sessions from that address");
            answer(from, CapwapMessage.IMAGE_DATA_RESPONSE, seq, ResultCode.IMAGE_DATA_OTHER_ERROR.code());
            return;
        }
        LOG.info("Image Data Request from {}, fileName [{}]", text(from), LogText.printable(imageType, 64));
        Session fresh = new Session(from, imageType, seq);
        sessions.put(from, fresh);
        perAddress.merge(from.getAddress(), 1, Integer::sum);
        fetches++;
        fresh.publish();
        config.images.image(imageType)
                .thenApplyAsync(this::open, opener)
                .whenComplete((image, failure) -> loop.execute(() -> fresh.onImage(image, failure)));
    }

    /** Removes a session and its count. */
    private void drop(Session s) {
        if (sessions.remove(s.ap, s)) {
            perAddress.computeIfPresent(s.ap.getAddress(), (a, n) -> n <= 1 ? null : n - 1);
        }
    }

    /**
     * Opens an image file once for all APs. Runs on the opening thread, never the event loop: a
     * fetch that is already complete would otherwise run this on the loop that called it.
     */
    private OpenImage open(CachedImage image) {
        String key = image.image().file() + "|" + image.image().size() + "|" + image.image().digests().md5();
        OpenImage known = opened.get(key);
        if (known != null && known.changed() == null) {
            return known;
        }
        long size = image.image().size();
        if (size > Integer.MAX_VALUE) {
            throw new CompletionException(new IOException("image " + image.name() + " of " + size
                    + " bytes exceeds what CAPWAP Image Information and this streamer can carry"));
        }
        FileChannel fc = null;
        try {
            java.nio.file.attribute.BasicFileAttributes attributes = java.nio.file.Files.readAttributes(image.image().file(),
                    java.nio.file.attribute.BasicFileAttributes.class, java.nio.file.LinkOption.NOFOLLOW_LINKS);
            fc = FileChannel.open(image.image().file(), StandardOpenOption.READ);
            if (fc.size() != size) {
                throw new IOException("cached image " + image.image().file().getFileName() + " has " + fc.size()
                        + " bytes, expected " + size);
            }
            OpenImage fresh = new OpenImage(key, size, image.image().digests().md5Bytes(), fc, image.image().file(), attributes);
            opened.put(key, fresh);
            return fresh;
        } catch (IOException e) {
            if (fc != null) {
                try {
                    fc.close();
                } catch (IOException ignored) {
                    // already failing
                }
            }
            throw new CompletionException(e);
        }
    }

    /** An address as logs show it: {@code 127.0.0.1:5246}. */
    static String text(InetSocketAddress a) {
        return a.getAddress() == null ? a.getHostString() + ":" + a.getPort() : a.getAddress().getHostAddress() + ":" + a.getPort();
    }

    private void tick() {
        long now = System.nanoTime();
        try {
            for (Session s : new ArrayList<>(sessions.values())) {
                if (s.outstanding && now - s.deadline >= 0) {
                    s.onTimeout(now);
                } else if (s.ended() && now - s.endedAt >= lingerNanos) {
                    drop(s); // kept a while to answer a repeated request, then freed
                }
            }
        } finally {
            channel.flush();
        }
    }

    /** One AP's download; touched only on the event loop. */
    private final class Session {
        final InetSocketAddress ap;
        final String imageType;
        final int apSequence;
        ApStreamStatus.Phase phase = ApStreamStatus.Phase.FETCHING;
        OpenImage image;
        long responseResult = -1;
        long offset;
        int blockLength;
        int sequence;
        boolean outstanding;
        long deadline;
        long interval;
        int retries;
        long messages;
        long retransmissions;
        String failure;
        long endedAt;
        /** True until the AP has answered a block: a silent source gets few retransmissions. */
        boolean halfOpen = true;

        Session(InetSocketAddress ap, String imageType, int apSequence) {
            this.ap = ap;
            this.imageType = imageType;
            this.apSequence = apSequence;
        }

        ApStreamStatus status() {
            return new ApStreamStatus(ap, LogText.printable(imageType, 64), phase, offset, image == null ? -1 : image.size, messages, retransmissions,
                    Optional.ofNullable(failure));
        }

        void publish() {
            config.listener.onStatus(status());
        }

        boolean ended() {
            return phase == ApStreamStatus.Phase.COMPLETED || phase == ApStreamStatus.Phase.FAILED;
        }

        void onImage(OpenImage img, Throwable error) {
            if (sessions.get(ap) != this) {
                return; // the AP asked again meanwhile; that request has its own session
            }
            if (error != null) {
                Throwable cause = Failures.unwrap(error);
                String line = cause instanceof TransferException ? cause.getMessage()
                        : Failures.downloadFailed("for image type " + imageType, String.valueOf(cause.getMessage()));
                LOG.error("{} (AP {})", line, text(ap));
                failedFetches.put(imageType, System.nanoTime() + failedFetchNanos);
                responseResult = ResultCode.IMAGE_DATA_OTHER_ERROR.code();
                repeatResponse();
                fail(line);
                channel.flush();
                return;
            }
            image = img;
            responseResult = ResultCode.SUCCESS.code();
            repeatResponse();
            LOG.info("Image Data Response sent to {}: {} bytes, {} bytes per block", text(ap), img.size, config.blockSize);
            phase = ApStreamStatus.Phase.STREAMING;
            publish();
            interval = retransmitNanos;
            sendBlock(true);
            channel.flush();
        }

        void repeatResponse() {
            if (responseResult < 0) {
                return; // still fetching: the answer comes when the image is ready
            }
            ByteBuf b = channel.alloc().directBuffer(48);
            out.begin(b, CapwapMessage.IMAGE_DATA_RESPONSE, apSequence).resultCode(responseResult);
            if (responseResult == 0) {
                out.imageInformation(image.size, image.md5);
            }
            out.finish();
            channel.write(new DatagramPacket(b, ap));
        }

        void sendBlock(boolean fresh) {
            if (fresh) {
                sequence = (sequence + 1) & 0xFF;
                blockLength = (int) Math.min(config.blockSize, image.size - offset);
                retries = 0;
                interval = retransmitNanos;
            }
            int type = offset + blockLength == image.size ? CapwapMessage.DATA_TYPE_EOF : CapwapMessage.DATA_TYPE_DATA;
            if (fresh && (messages % CHECK_EVERY_BLOCKS == 0 || type == CapwapMessage.DATA_TYPE_EOF)) {
                String why = image.changed();
                if (why != null) {
                    abort(why);
                    return;
                }
            }
            ByteBuf b = channel.alloc().directBuffer(21 + blockLength);
            try {
                out.begin(b, CapwapMessage.IMAGE_DATA_REQUEST, sequence).imageData(type, image.file, offset, blockLength).finish();
            } catch (IOException e) {
                b.release();
                abort("image file changed while streaming: " + e.getMessage());
                return;
            }
            channel.write(new DatagramPacket(b, ap));
            outstanding = true;
            deadline = System.nanoTime() + interval;
        }

        /**
         * The image file changed under the stream: tell the AP with an Image Data Request of data
         * type 5 (RFC 5415 4.6.24, no data), sent once, and end; the open file is dropped so that the
         * next request opens the file anew.
         */
        void abort(String why) {
            sequence = (sequence + 1) & 0xFF;
            ByteBuf b = channel.alloc().directBuffer(24);
            out.begin(b, CapwapMessage.IMAGE_DATA_REQUEST, sequence).imageDataHeader(CapwapMessage.DATA_TYPE_ERROR, 0).finish();
            channel.write(new DatagramPacket(b, ap));
            aborted++;
            OpenImage img = image;
            if (img != null && opened.remove(img.key, img)) {
                try {
                    img.file.close();
                } catch (IOException e) {
                    // read-only descriptor
                }
            }
            fail(why);
        }

        void onResponse(int seq) {
            if (!outstanding || seq != sequence) {
                return; // a late answer to a request already settled
            }
            outstanding = false;
            halfOpen = false;
            long result = in.hasResultCode() ? in.resultCode() : -1;
            if (result != 0) {
                fail("AP answered " + (result < 0 ? "without a Result Code" : ResultCode.describe(result)));
                return;
            }
            offset += blockLength;
            messages++;
            config.listener.onProgress(ap, offset, image.size);
            if (offset == image.size) {
                phase = ApStreamStatus.Phase.COMPLETED;
                endedAt = System.nanoTime();
                LOG.info("Image {} sent to {}: {} bytes, {} msgs, {} last, {} retransmissions", LogText.printable(imageType, 64), text(ap),
                        image.size, messages, blockLength, retransmissions);
                publish();
                return;
            }
            sendBlock(true);
        }

        void onTimeout(long now) {
            if (retries == (halfOpen ? Math.min(config.halfOpenRetransmits, config.maxRetransmit) : config.maxRetransmit)) {
                outstanding = false;
                fail("AP not answering: no Image Data Response after " + (retries + 1) + " sends of block at offset " + offset);
                return;
            }
            retries++;
            retransmissions++;
            interval *= 2;
            sendBlock(false);
        }

        void fail(String why) {
            phase = ApStreamStatus.Phase.FAILED;
            failure = why;
            outstanding = false;
            endedAt = System.nanoTime();
            LOG.warn("AP {} image {}: {}", text(ap), LogText.printable(imageType, 64), why);
            publish();
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
        private Consumer<ChannelPipeline> pipelineHook;

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

        /** Lets tests put handlers (loss injection) in front of the streamer's. */
        Builder pipelineHook(Consumer<ChannelPipeline> hook) {
            this.pipelineHook = hook;
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
            return new CapwapImageStreamer(this);
        }
    }
}

package dev.apimage.simulator;

import dev.apimage.capwap.CapwapImageStateMachine;
import dev.apimage.capwap.CapwapWtpStateMachine;
import dev.apimage.capwap.DtlsSettings;
import dev.apimage.capwap.WtpDtls;
import dev.apimage.capwap.WtpSettings;
import dev.apimage.image.ImageVersion;
import dev.apimage.staging.CommittedImage;
import dev.apimage.staging.StagingArea;
import dev.apimage.time.NanoClock;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.DatagramPacket;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.EventExecutor;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * One simulated AP that runs the whole CAPWAP session ({@link CapwapWtpStateMachine}) on its own
 * UDP socket: it discovers and joins its controller, downloads when told, and reboots into a new
 * image by coming back through Discovery and Join with the new running version, as an AP does.
 * The state machine, with its staging writes, runs on a disk thread of its own, never on the
 * socket's event loop.
 */
public final class SimulatedWtp implements AutoCloseable {

    private final InetSocketAddress controller;
    private final StagingArea staging;
    private final EventLoopGroup io;
    private final EventLoopGroup disk;
    private final EventExecutor executor;
    private final Channel channel;
    private final List<ImageVersion> boots = new CopyOnWriteArrayList<>();
    private final List<Watch> watchers = new CopyOnWriteArrayList<>();
    /** The version running in Run now, null outside Run. */
    private volatile ImageVersion running;

    private record Watch(ImageVersion version, CompletableFuture<WtpSettings> done) {
    }
    private final CapwapWtpStateMachine.Listener extra;
    private volatile WtpSettings settings;
    private volatile CapwapWtpStateMachine machine;
    private volatile boolean closed;
    private final boolean ownGroups;
    /** DTLS under the AP's socket, or {@link CapwapWtpStateMachine.Security#NONE} in the plain lab mode. */
    private final CapwapWtpStateMachine.Security security;

    private SimulatedWtp(WtpSettings settings, StagingArea staging, InetSocketAddress controller, CapwapWtpStateMachine.Listener extra,
            EventLoopGroup sharedIo, EventLoopGroup sharedDisk, DtlsSettings dtls) throws IOException {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.staging = Objects.requireNonNull(staging, "staging");
        this.controller = Objects.requireNonNull(controller, "controller");
        this.extra = extra;
        this.ownGroups = sharedIo == null;
        this.io = sharedIo != null ? sharedIo
                : new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("apimage-wtp-io", true), NioIoHandler.newFactory());
        this.disk = sharedDisk != null ? sharedDisk : SimulatedAp.diskThreads(1, "apimage-wtp-disk");
        this.executor = disk.next();
        try {
            this.channel = new Bootstrap().group(io).channel(NioDatagramChannel.class).handler(new ChannelInitializer<Channel>() {
                @Override
                protected void initChannel(Channel c) {
                    // The state machine runs on the disk thread: each datagram is handed to it there.
                    c.pipeline().addLast(new SimpleChannelInboundHandler<DatagramPacket>(false) {
                        @Override
                        protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket p) {
                            io.netty.buffer.ByteBuf content = p.content();
                            try {
                                executor.execute(() -> {
                                    try {
                                        CapwapWtpStateMachine m = machine;
                                        if (m != null) {
                                            m.onDatagram(content);
                                        }
                                    } finally {
                                        content.release();
                                    }
                                });
                            } catch (java.util.concurrent.RejectedExecutionException e) {
                                content.release(); // the AP is shutting down
                            }
                        }

                        @Override
                        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                            // The controller's port is closed (it restarts): the state machine's timers decide.
                            if (!(cause instanceof java.net.PortUnreachableException)) {
                                org.slf4j.LoggerFactory.getLogger(SimulatedWtp.class).debug("AP socket: {}", cause.toString());
                            }
                        }
                    });
                }
            }).connect(controller, new InetSocketAddress(controller.getAddress(), 0)).syncUninterruptibly().channel();
        } catch (RuntimeException e) {
            if (ownGroups) {
                io.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
                disk.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
            }
            throw new IOException("cannot open the AP's socket: " + e.getMessage(), e);
        }
        this.security = dtls == null ? CapwapWtpStateMachine.Security.NONE : WtpDtls.install(channel, dtls, controller, executor);
    }

    /**
     * Opens the AP's socket and boots it: Discovery, then Join.
     *
     * @param settings the AP
     * @param staging where it stores images
     * @param controller the controller's CAPWAP control address
     * @param listener more of the state machine's news, or null
     * @return the running AP
     * @throws IOException when the socket cannot be opened
     */
    public static SimulatedWtp start(WtpSettings settings, StagingArea staging, InetSocketAddress controller,
            CapwapWtpStateMachine.Listener listener) throws IOException {
        return start(settings, staging, controller, listener, null, null);
    }

    /**
     * As {@link #start(WtpSettings, StagingArea, InetSocketAddress, CapwapWtpStateMachine.Listener)}, on
     * threads shared by many simulated APs (a storm of a thousand joins).
     *
     * @param settings the AP
     * @param staging where it stores images
     * @param controller the controller's CAPWAP control address
     * @param listener more of the state machine's news, or null
     * @param io the sockets' event loops, or null for one of the AP's own
     * @param disk the state machines' threads (they may block on the disk), or null for one of the AP's own
     * @return the running AP
     * @throws IOException when the socket cannot be opened
     */
    public static SimulatedWtp start(WtpSettings settings, StagingArea staging, InetSocketAddress controller,
            CapwapWtpStateMachine.Listener listener, EventLoopGroup io, EventLoopGroup disk) throws IOException {
        return start(settings, staging, controller, listener, io, disk, null);
    }

    /**
     * As {@link #start(WtpSettings, StagingArea, InetSocketAddress, CapwapWtpStateMachine.Listener, EventLoopGroup, EventLoopGroup)},
     * with the control channel over DTLS.
     *
     * @param settings the AP
     * @param staging where it stores images
     * @param controller the controller's CAPWAP control address
     * @param listener more of the state machine's news, or null
     * @param io the sockets' event loops, or null for one of the AP's own
     * @param disk the state machines' threads, or null for one of the AP's own
     * @param dtls the AP's DTLS settings, or null for the plain lab mode
     * @return the running AP
     * @throws IOException when the socket cannot be opened or the DTLS certificates cannot be read
     */
    public static SimulatedWtp start(WtpSettings settings, StagingArea staging, InetSocketAddress controller,
            CapwapWtpStateMachine.Listener listener, EventLoopGroup io, EventLoopGroup disk, DtlsSettings dtls) throws IOException {
        if ((io == null) != (disk == null)) {
            throw new IllegalArgumentException("share both thread groups or neither");
        }
        SimulatedWtp w = new SimulatedWtp(settings, staging, controller, listener, io, disk, dtls);
        w.executor.execute(w::boot);
        return w;
    }

    /**
     * The DTLS suite of the session now up.
     *
     * @return its IANA name; empty in the plain lab mode or without a session
     */
    public Optional<String> dtlsSuite() {
        return security instanceof WtpDtls d ? d.suite() : Optional.empty();
    }

    /** One boot: a fresh state machine on the running version. */
    private void boot() {
        if (closed) {
            return;
        }
        WtpSettings s = settings;
        boots.add(s.primaryVersion());
        CapwapImageStateMachine.Port port = SimulatedAp.portOf(channel, controller, 256);
        CapwapWtpStateMachine m = new CapwapWtpStateMachine(s, staging, port, NanoClock.on(executor), new CapwapWtpStateMachine.Listener() {
            @Override
            public void onState(CapwapWtpStateMachine.State from, CapwapWtpStateMachine.State to) {
                if (to == CapwapWtpStateMachine.State.RUN) {
                    running = settings.primaryVersion();
                    for (Watch w : watchers) {
                        if (w.version().equals(running)) {
                            w.done().complete(settings);
                        }
                    }
                } else {
                    running = null;
                }
                if (extra != null) {
                    extra.onState(from, to);
                }
            }

            @Override
            public void onRun(ImageVersion running, Optional<ImageVersion> backup, Optional<ImageVersion> controllerImage) {
                if (extra != null) {
                    extra.onRun(running, backup, controllerImage);
                }
            }

            @Override
            public void onDownload(dev.apimage.capwap.ApImageOutcome outcome) {
                if (extra != null) {
                    extra.onDownload(outcome);
                }
            }

            @Override
            public void onReset(ImageVersion running, Optional<ImageVersion> backup, Optional<CommittedImage> image) {
                if (extra != null) {
                    extra.onReset(running, backup, image);
                }
                settings = settings.rebootedInto(running, backup);
                executor.execute(SimulatedWtp.this::boot); // the AP comes back through Discovery and Join
            }

            @Override
            public void onPredownload(ImageVersion version, dev.apimage.capwap.ApImageOutcome outcome) {
                if (outcome.state() == CapwapImageStateMachine.State.COMPLETE) {
                    settings = settings.rebootedInto(settings.primaryVersion(), Optional.of(version)); // kept as the backup
                }
                if (extra != null) {
                    extra.onPredownload(version, outcome);
                }
            }
        }, security);
        machine = m;
        m.start();
    }

    /**
     * Completes when the AP is in Run on a version: now, or once it gets there.
     *
     * @param version the running version to wait for
     * @return the future, with the AP's settings then
     */
    public CompletableFuture<WtpSettings> runningOn(ImageVersion version) {
        CompletableFuture<WtpSettings> f = new CompletableFuture<>();
        Watch w = new Watch(version, f);
        watchers.add(w);
        f.whenComplete((s, e) -> watchers.remove(w));
        if (version.equals(running)) {
            f.complete(settings);
        }
        return f;
    }

    /**
     * The versions the AP booted with, in order.
     *
     * @return one per boot
     */
    public List<ImageVersion> boots() {
        return List.copyOf(boots);
    }

    /**
     * The AP as it is now (its versions change with resets).
     *
     * @return the settings
     */
    public WtpSettings settings() {
        return settings;
    }

    /**
     * The AP's own address.
     *
     * @return the bound address
     */
    public InetSocketAddress localAddress() {
        return (InetSocketAddress) channel.localAddress();
    }

    /** Closes the socket and stops the AP's threads. */
    @Override
    public void close() {
        closed = true;
        security.teardown(); // close_notify, and a handshake in progress ends now rather than at its timeout
        channel.close().syncUninterruptibly();
        if (ownGroups) {
            io.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
            disk.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }
}

package dev.apimage.simulator;

import dev.apimage.capwap.ApImageOutcome;
import dev.apimage.capwap.ApImageSettings;
import dev.apimage.capwap.CapwapImageStateMachine;
import dev.apimage.capwap.CapwapImageStreamer;
import dev.apimage.internal.DaemonThreads;
import dev.apimage.staging.StagingArea;
import dev.apimage.time.NanoClock;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerAdapter;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.DatagramPacket;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.EventExecutorGroup;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One simulated AP: a {@link CapwapImageStateMachine} on its own UDP socket, talking to a
 * controller that speaks RFC 5415 (this SDK's {@link CapwapImageStreamer} or any other).
 *
 * <p>The socket's I/O runs on an event loop; the state machine, with its staging writes and the
 * final fsync, runs on a separate executor when one is given, so a slow disk never holds up the
 * network thread, or on the socket's loop (one thread hop less per block) when not.
 * Datagrams from anyone but the controller are dropped.
 */
public final class SimulatedAp implements AutoCloseable {

    private final InetSocketAddress controller;
    private final Channel channel;
    private static final Logger LOG = LoggerFactory.getLogger(SimulatedAp.class);

    private final EventExecutor executor;
    private final CompletableFuture<Void> released = new CompletableFuture<>();
    private final EventLoopGroup ownGroup;
    private final CapwapImageStateMachine machine;
    private final EventLoopGroup ownWorker;

    private SimulatedAp(ApImageSettings settings, StagingArea staging, InetSocketAddress controller, EventLoopGroup io,
            EventExecutorGroup workers, CapwapImageStateMachine.Listener listener, Consumer<ChannelPipeline> hook)
            throws IOException {
        this.controller = Objects.requireNonNull(controller, "controller");
        this.ownGroup = io == null ? new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("apimage-ap-io", true),
                NioIoHandler.newFactory()) : null;
        EventLoopGroup group = io == null ? ownGroup : io;
        // The state machine writes and fsyncs the staging file: never on the socket's event loop.
        // Without workers it gets a disk thread of its own (a plain thread, which may block).
        this.ownWorker = workers == null ? diskThreads(1, "apimage-ap-disk") : null;
        EventExecutor chosen = workers == null ? ownWorker.next() : workers.next();
        this.executor = chosen;
        Channel ch;
        try {
            ch = new Bootstrap().group(group).channel(NioDatagramChannel.class)
                    .handler(new ChannelInitializer<Channel>() {
                        @Override
                        protected void initChannel(Channel c) {
                            c.pipeline().addLast(new ChannelHandlerAdapter() {
                                @Override
                                public void handlerRemoved(ChannelHandlerContext ctx) {
                                    released.complete(null); // the last of the pipeline's teardown
                                }
                            });
                            if (hook != null) {
                                hook.accept(c.pipeline());
                            }
                            if (executor == c.eventLoop()) {
                                c.pipeline().addLast(new Inbound());
                            } else {
                                c.pipeline().addLast(executor, new Inbound());
                            }
                        }
                    })
                    // Connected to its one controller: the kernel drops datagrams from anyone else,
                    // and each answer is written as it is, with no envelope allocated per block.
                    .connect(controller, new InetSocketAddress(loopbackLike(controller), 0)).syncUninterruptibly().channel();
        } catch (RuntimeException e) {
            shutdown();
            throw new IOException("cannot open the AP's socket: " + e.getMessage(), e);
        }
        this.channel = ch;
        this.machine = new CapwapImageStateMachine(settings, staging, portOf(channel, controller, 64), NanoClock.on(executor), listener);
    }

    /**
     * A state machine's port on a socket connected to the controller: each datagram written as it
     * is, with no envelope per block.
     */
    static CapwapImageStateMachine.Port portOf(Channel channel, InetSocketAddress controller, int bufferSize) {
        return new CapwapImageStateMachine.Port() {
            @Override
            public ByteBuf buffer() {
                return channel.alloc().directBuffer(bufferSize);
            }

            @Override
            public void send(ByteBuf datagram) {
                channel.writeAndFlush(datagram, channel.voidPromise());
            }

            @Override
            public String peer() {
                return controller.getAddress().getHostAddress() + ":" + controller.getPort();
            }
        };
    }

    private static InetAddress loopbackLike(InetSocketAddress controller) {
        InetAddress a = controller.getAddress();
        // Bind where the controller is reachable: the same address family, the wildcard unless it is loopback.
        if (a != null && a.isLoopbackAddress()) {
            return a;
        }
        return null;
    }

    /**
     * Threads for the state machine's disk work: plain threads, which may block, behind a
     * lock-free task queue (a Netty I/O loop's), so that handing them a datagram never parks the
     * socket's event loop.
     *
     * @param threads how many
     * @param name their name prefix
     * @return the group; shut it down when done
     */
    public static EventLoopGroup diskThreads(int threads, String name) {
        return new MultiThreadIoEventLoopGroup(threads, DaemonThreads.named(name), NioIoHandler.newFactory());
    }

    /**
     * Opens the AP's socket and starts its download: version check, PRECHECK, Image Data Request.
     *
     * @param settings the AP
     * @param staging where it stores the image
     * @param controller the controller's CAPWAP control address
     * @param io an event loop group for the socket, or null for an own thread
     * @param workers where the state machine runs, staging writes and fsyncs included: threads that
     *     may block (made by a plain thread factory, not Netty's event-loop threads), or null for a
     *     disk thread of the AP's own
     * @param listener transitions and progress, or null
     * @return the running AP
     * @throws IOException when the socket cannot be opened
     */
    public static SimulatedAp start(ApImageSettings settings, StagingArea staging, InetSocketAddress controller,
            EventLoopGroup io, EventExecutorGroup workers, CapwapImageStateMachine.Listener listener) throws IOException {
        return start(settings, staging, controller, io, workers, listener, null);
    }

    static SimulatedAp start(ApImageSettings settings, StagingArea staging, InetSocketAddress controller, EventLoopGroup io,
            EventExecutorGroup workers, CapwapImageStateMachine.Listener listener, Consumer<ChannelPipeline> hook)
            throws IOException {
        SimulatedAp ap = new SimulatedAp(settings, staging, controller, io, workers, listener, hook);
        ap.executor.execute(ap.machine::start);
        return ap;
    }

    /**
     * Completes when the download ends.
     *
     * @return the outcome
     */
    public CompletableFuture<ApImageOutcome> outcome() {
        return machine.outcome();
    }

    /**
     * The AP's own address.
     *
     * @return the bound address
     */
    public InetSocketAddress localAddress() {
        return (InetSocketAddress) channel.localAddress();
    }

    /**
     * The state machine's state (read from another thread: a recent value).
     *
     * @return the state
     */
    public CapwapImageStateMachine.State state() {
        return executor.submit(machine::state).syncUninterruptibly().getNow();
    }

    /** Aborts a download still running, closes the socket, and stops the AP's own threads. */
    @Override
    public void close() {
        if (!executor.isShuttingDown()) {
            executor.submit(() -> machine.abort("AP shut down")).awaitUninterruptibly(5, TimeUnit.SECONDS);
        }
        channel.close().syncUninterruptibly();
        // Closing hands the pipeline's teardown from the socket's loop to the workers and back:
        // wait for it, so whoever shuts those groups down next finds nothing still in flight.
        try {
            released.get(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            LOG.debug("AP socket teardown not finished: {}", e.toString());
        }
        shutdown();
    }

    private void shutdown() {
        if (ownGroup != null) {
            ownGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        }
        if (ownWorker != null) {
            ownWorker.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        }
    }

    private final class Inbound extends SimpleChannelInboundHandler<DatagramPacket> {
        @Override
        protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket packet) {
            machine.onDatagram(packet.content());
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            // A connected socket hears ICMP "port unreachable" while no controller listens: the
            // state machine's timers retransmit and give up as a real AP does.
            LOG.debug("AP socket to {}: {}", controller, cause.toString());
        }
    }
}

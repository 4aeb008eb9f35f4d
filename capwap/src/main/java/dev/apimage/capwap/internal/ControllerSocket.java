package dev.apimage.capwap.internal;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.ChannelOption;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioDatagramChannel;

/**
 * How the controller's UDP socket is opened. Native epoll where the platform has it: a burst of
 * responses from many APs is read with one {@code recvmmsg}, and the blocks written in one pass
 * leave with one {@code sendmmsg}; Java NIO elsewhere, or with {@code -Dapimage.capwap.nio=true}.
 * Buffers come from Netty's pooled allocator, whose buffers keep their NIO view and are recycled,
 * so reading a block into one and handing it to the socket allocates nothing (the adaptive
 * allocator, Netty 4.2's default, makes a new view for every such call).
 */
public final class ControllerSocket {

    /** Whether the native transport is used. */
    public static final boolean EPOLL = !Boolean.getBoolean("apimage.capwap.nio") && Epoll.isAvailable();

    /** The largest datagram read; CAPWAP control messages are reassembled from fragments below this. */
    public static final int MAX_DATAGRAM = 2048;
    /** Datagrams per {@code recvmmsg}: one burst of a few dozen APs' responses. */
    private static final int PER_READ = 32;

    private ControllerSocket() {
    }

    /**
     * The event loops' I/O handler.
     *
     * @return epoll's or NIO's
     */
    public static IoHandlerFactory ioHandler() {
        return EPOLL ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
    }

    /**
     * Sets the channel class, allocator and read options.
     *
     * @param b the bootstrap of the controller's socket
     * @param ownGroup whether its event loop was made with {@link #ioHandler()}; a caller's group is NIO
     * @param reusePort whether the port is shared with per-AP sockets ({@link ApSocket}; epoll only)
     * @return the same bootstrap
     */
    public static Bootstrap configure(Bootstrap b, boolean ownGroup, boolean reusePort) {
        b.option(ChannelOption.ALLOCATOR, PooledByteBufAllocator.DEFAULT);
        if (EPOLL && ownGroup) {
            if (reusePort) {
                b.option(EpollChannelOption.SO_REUSEPORT, true);
            }
            return b.channel(EpollDatagramChannel.class)
                    .option(EpollChannelOption.MAX_DATAGRAM_PAYLOAD_SIZE, MAX_DATAGRAM)
                    .option(ChannelOption.RCVBUF_ALLOCATOR, new FixedRecvByteBufAllocator(MAX_DATAGRAM * PER_READ));
        }
        return b.channel(NioDatagramChannel.class).option(ChannelOption.RCVBUF_ALLOCATOR, new FixedRecvByteBufAllocator(MAX_DATAGRAM));
    }

    /**
     * Names the transport for the start-up log line.
     *
     * @return "epoll" or "nio"
     */
    public static String name() {
        return EPOLL ? "epoll" : "nio";
    }
}

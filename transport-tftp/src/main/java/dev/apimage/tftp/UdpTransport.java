package dev.apimage.tftp;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.util.concurrent.DefaultThreadFactory;

/**
 * Native epoll datagram channels where the platform offers them (Linux x86_64: fewer system calls
 * and no selector overhead per datagram), Java NIO everywhere else. The system property
 * {@code apimage.tftp.nio=true} forces NIO.
 */
final class UdpTransport {

    static final boolean EPOLL = !Boolean.getBoolean("apimage.tftp.nio") && Epoll.isAvailable();

    private UdpTransport() {
    }

    static EventLoopGroup group(int threads, String name) {
        return new MultiThreadIoEventLoopGroup(threads, new DefaultThreadFactory(name, true),
                EPOLL ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
    }

    static Class<? extends DatagramChannel> channel() {
        return EPOLL ? EpollDatagramChannel.class : NioDatagramChannel.class;
    }

    /**
     * Receive options for a socket that takes datagrams of up to {@code maxDatagram} bytes: a
     * buffer that fits them (Netty's default of 2 KiB would cut larger blocks short) and, on epoll,
     * {@code recvmmsg} so that a burst of a window's datagrams costs one system call.
     */
    static void receiveOptions(io.netty.bootstrap.Bootstrap b, int maxDatagram, int perRead) {
        if (EPOLL) {
            b.option(io.netty.channel.epoll.EpollChannelOption.MAX_DATAGRAM_PAYLOAD_SIZE, maxDatagram);
            b.option(io.netty.channel.ChannelOption.RECVBUF_ALLOCATOR,
                    new io.netty.channel.FixedRecvByteBufAllocator(maxDatagram * perRead));
        } else {
            b.option(io.netty.channel.ChannelOption.RECVBUF_ALLOCATOR, new io.netty.channel.FixedRecvByteBufAllocator(maxDatagram));
        }
    }

    /** Whether the kernel segments UDP for us (Linux UDP_SEGMENT, through epoll). */
    static final boolean GSO = EPOLL && !Boolean.getBoolean("apimage.tftp.nogso")
            && io.netty.channel.epoll.SegmentedDatagramPacket.isSupported();

    /**
     * Datagrams of one size that one send may carry: the kernel takes at most 64 segments and a
     * total under 64 KiB per call.
     */
    static int maxSegments(int segmentSize) {
        if (!GSO) {
            return 1;
        }
        return Math.max(1, Math.min(64, 65_000 / segmentSize));
    }

    static io.netty.channel.socket.DatagramPacket segmented(io.netty.buffer.ByteBuf datagrams, int segmentSize,
            java.net.InetSocketAddress peer) {
        return new io.netty.channel.epoll.SegmentedDatagramPacket(datagrams, segmentSize, peer);
    }

    static String name() {
        return EPOLL ? (GSO ? "epoll, UDP segmentation offload" : "epoll") : "nio";
    }
}

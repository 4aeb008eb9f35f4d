package dev.apimage.capwap.internal;

import io.netty.buffer.ByteBuf;
import io.netty.channel.IoEvent;
import io.netty.channel.IoEventLoop;
import io.netty.channel.IoRegistration;
import io.netty.channel.epoll.EpollIoEvent;
import io.netty.channel.epoll.EpollIoHandle;
import io.netty.channel.epoll.EpollIoOps;
import io.netty.channel.unix.DatagramSocketAddress;
import io.netty.channel.unix.FileDescriptor;
import io.netty.channel.unix.Socket;
import io.netty.util.concurrent.Future;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A UDP socket of the controller's own for one AP while it streams an image: bound to the
 * controller's address and port (with {@code SO_REUSEPORT}, which Linux grants only to sockets of
 * the same user) and connected to the AP, so the kernel hands it that AP's datagrams and the main
 * socket everything else. Read and written on the controller's epoll event loop through Netty's
 * native socket into buffers that are reused, it allocates nothing per datagram: Netty's datagram
 * channels make an envelope and the sender's address objects for every datagram they read, and
 * with a thousand APs answering in turn no address can be cached.
 *
 * <p>Linux routes by the best match, a connected socket's peer beating any unconnected socket, and
 * since 5.4 it does so inside a {@code SO_REUSEPORT} group as well ({@link #supported()}). Between
 * the bind and the connect the new socket may take datagrams meant for others; they are read back
 * once connected and handed on with their true sender ({@link Reader#onDatagram}).
 */
public final class ApSocket implements EpollIoHandle {

    private static final Logger LOG = LoggerFactory.getLogger(ApSocket.class);
    /**
     * Datagrams read per readiness event. One: an AP has one message outstanding at a time, and a
     * second read would mostly cost a system call to learn there is nothing more; epoll is
     * level-triggered, so a datagram left behind is reported by the next wait.
     */
    private static final int READS_PER_EVENT = 1;

    /** Where the datagrams go; called on the event loop. */
    public interface Reader {
        /**
         * One datagram arrived; the buffer is reused once this returns.
         *
         * @param from the sender (the AP, or during the set-up another peer)
         * @param datagram the datagram, from its reader index to its writer index
         */
        void onDatagram(InetSocketAddress from, ByteBuf datagram);

        /** A burst of reads ended: a chance to flush what the datagrams caused. */
        void onReadsDone();
    }

    private final Socket socket;
    private final InetSocketAddress ap;
    private final ByteBuf readBuffer;
    private final Reader reader;
    private IoRegistration registration;
    private boolean closed;

    private ApSocket(Socket socket, InetSocketAddress ap, ByteBuf readBuffer, Reader reader) {
        this.socket = socket;
        this.ap = ap;
        this.readBuffer = readBuffer;
        this.reader = reader;
    }

    /**
     * Whether this kernel routes to connected sockets inside a {@code SO_REUSEPORT} group (Linux
     * 5.4 and later).
     *
     * @return true where per-AP sockets are safe
     */
    public static boolean supported() {
        return supported(System.getProperty("os.name", ""), System.getProperty("os.version", ""));
    }

    static boolean supported(String os, String version) {
        if (!os.toLowerCase(Locale.ROOT).startsWith("linux")) {
            return false;
        }
        String[] parts = version.split("[.\\-]", 3);
        try {
            int major = Integer.parseInt(parts[0]);
            int minor = parts.length > 1 ? Integer.parseInt(parts[1]) : 0;
            return major > 5 || (major == 5 && minor >= 4);
        } catch (NumberFormatException e) {
            return false;
        }
    }

    /**
     * Opens, binds, connects and registers a socket for one AP. Call on {@code loop}.
     *
     * @param loop the controller's epoll event loop
     * @param local the controller's bound address (its main socket set {@code SO_REUSEPORT})
     * @param ap the AP
     * @param readBuffer a direct buffer shared by all of the loop's AP sockets, at least one datagram long
     * @param reader where datagrams go
     * @return the registered socket
     * @throws IOException when the socket cannot be made (out of descriptors, say); the caller
     *     keeps the AP on the main socket
     */
    public static ApSocket open(IoEventLoop loop, InetSocketAddress local, InetSocketAddress ap, ByteBuf readBuffer, Reader reader)
            throws IOException {
        Socket s = Socket.newSocketDgram();
        try {
            s.setReusePort(true);
            s.bind(local);
            s.connect(ap);
            ApSocket socket = new ApSocket(s, ap, readBuffer, reader);
            Future<IoRegistration> f = loop.register(socket);
            if (!f.isDone()) {
                throw new IOException("registration did not complete on the event loop");
            }
            if (!f.isSuccess()) {
                throw new IOException("cannot register: " + f.cause(), f.cause());
            }
            socket.registration = f.getNow();
            socket.registration.submit(EpollIoOps.EPOLLIN);
            socket.drainForeign();
            return socket;
        } catch (IOException | RuntimeException e) {
            s.close();
            throw e instanceof IOException io ? io : new IOException(e.toString(), e);
        }
    }

    /** The datagrams that reached the socket before it was connected, handed on with their senders. */
    private void drainForeign() {
        for (int i = 0; i < 1024; i++) {
            DatagramSocketAddress from;
            try {
                readBuffer.clear();
                from = socket.recvFromAddress(readBuffer.memoryAddress(), 0, readBuffer.capacity());
            } catch (IOException e) {
                continue; // an error queued for the socket (an ICMP answer): read on
            }
            if (from == null) {
                break;
            }
            readBuffer.writerIndex(from.receivedAmount());
            reader.onDatagram(from, readBuffer);
        }
        reader.onReadsDone();
    }

    @Override
    public FileDescriptor fd() {
        return socket;
    }

    @Override
    public void handle(IoRegistration registration, IoEvent event) {
        EpollIoOps ops = ((EpollIoEvent) event).ops();
        if (closed || !(ops.contains(EpollIoOps.EPOLLIN) || ops.contains(EpollIoOps.EPOLLERR))) {
            return;
        }
        for (int i = 0; i < READS_PER_EVENT; i++) {
            int n;
            try {
                readBuffer.clear();
                n = socket.recvAddress(readBuffer.memoryAddress(), 0, readBuffer.capacity());
            } catch (IOException e) {
                // ECONNREFUSED: an ICMP port-unreachable for an earlier send; the session's timers decide.
                LOG.debug("AP socket for {}: {}", ap, e.getMessage());
                continue;
            }
            if (n == 0) {
                break; // nothing more to read (EAGAIN)
            }
            if (n < 0) {
                continue; // an empty datagram
            }
            readBuffer.writerIndex(n);
            reader.onDatagram(ap, readBuffer);
            if (closed) {
                break; // the datagram ended the AP's stream
            }
        }
        reader.onReadsDone();
    }

    /**
     * Sends one datagram to the AP and releases it. A datagram the kernel does not take (a full
     * send buffer, an ICMP error for an earlier one) is dropped: the stream's retransmission
     * covers it, as it covers a loss on the wire.
     *
     * @param datagram the datagram, a direct buffer
     */
    public void send(ByteBuf datagram) {
        try {
            int at = datagram.readerIndex();
            int length = datagram.readableBytes();
            if (datagram.hasMemoryAddress()) {
                socket.sendAddress(datagram.memoryAddress(), at, at + length);
            } else {
                ByteBuffer nio = datagram.internalNioBuffer(at, length);
                socket.send(nio, nio.position(), nio.limit());
            }
        } catch (IOException e) {
            LOG.debug("AP socket for {}: {}", ap, e.getMessage()); // dropped: the stream's retransmission covers it
        } finally {
            datagram.release();
        }
    }

    /** Stops reading and closes the socket; the AP's datagrams go to the main socket again. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (registration != null) {
            registration.cancel();
        }
        try {
            socket.close();
        } catch (IOException e) {
            LOG.debug("closing the AP socket for {}: {}", ap, e.getMessage());
        }
    }

    @Override
    public String toString() {
        return "ApSocket(" + ap + ")";
    }
}

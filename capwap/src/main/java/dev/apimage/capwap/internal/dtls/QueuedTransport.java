package dev.apimage.capwap.internal.dtls;

import io.netty.buffer.ByteBuf;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.bouncycastle.tls.DatagramTransport;

/**
 * Bouncy Castle's view of one peer's datagrams (the CAPWAP DTLS header already stripped). During
 * the handshake, a handshake thread waits in {@link #receive} on a small queue the event loop
 * fills; the queue takes no lock, so the event loop never waits for the handshake thread (a
 * blocking queue's lock, held by a handshake thread in its poll, parked the loop). After it, the event loop hands over one datagram at a time and asks the DTLS layer to
 * decrypt it at once: {@link #receive} then never waits, it returns that datagram or says at once
 * that there is none (an {@link InterruptedIOException}, which Bouncy Castle passes up without
 * failing the session).
 */
final class QueuedTransport implements DatagramTransport {

    /** The most a record may take: a 1,500-byte path less IPv4, UDP and the CAPWAP DTLS header. */
    static final int SEND_LIMIT = 1500 - 20 - 8 - 4;
    /**
     * The largest datagram taken: control messages are fragmented at 1,400 bytes and Image Data
     * blocks stay under 1,500. Bouncy Castle allocates a buffer of this size per receive call.
     */
    static final int RECEIVE_LIMIT = 2048;
    private static final InterruptedIOException NONE_PENDING = new InterruptedIOException("no datagram pending") {
        @Override
        public synchronized Throwable fillInStackTrace() {
            return this; // thrown per empty poll on the event loop: no stack trace to allocate
        }
    };

    /** Where records go, with the CAPWAP DTLS header put in front. */
    interface Sender {
        void send(byte[] record, int off, int len);
    }

    /**
     * Writes a record towards the socket, past the DTLS layer (so it is not encrypted twice), with
     * the CAPWAP DTLS header in front (RFC 5415, 4.2: version 0, type 1, 24 reserved bits).
     * Thread-safe: handshake threads call it.
     */
    static void writeRecord(io.netty.channel.ChannelHandlerContext ctx, java.net.InetSocketAddress to, byte[] buf, int off, int len) {
        ByteBuf out = ctx.alloc().directBuffer(4 + len);
        out.writeInt(0x01000000);
        out.writeBytes(buf, off, len);
        if (ctx.executor().inEventLoop()) {
            ctx.write(new io.netty.channel.socket.DatagramPacket(out, to));
        } else {
            ctx.writeAndFlush(new io.netty.channel.socket.DatagramPacket(out, to));
        }
    }

    /** Handshake datagrams queued at most; beyond, they are dropped (DTLS retransmits). */
    private static final int HANDSHAKE_QUEUE = 32;

    private final ConcurrentLinkedQueue<byte[]> handshake = new ConcurrentLinkedQueue<>();
    private final AtomicInteger queued = new AtomicInteger();
    /** The handshake thread while it waits in {@link #receive}; woken by {@link #offer} and {@link #close}. */
    private volatile Thread waiter;
    private final Sender sender;
    private volatile boolean established;
    private volatile boolean closed;
    private static final byte[] CLOSED = new byte[0];
    /** The datagram the event loop lent for the next receive: the loop's buffer, not a copy. */
    private byte[] pending;
    private int pendingLength = -1;

    QueuedTransport(Sender sender) {
        this.sender = sender;
    }

    /** During the handshake, on the event loop: queue a copy; beyond the queue's room, drop. Never waits. */
    void offer(ByteBuf datagram) {
        if (queued.get() >= HANDSHAKE_QUEUE) {
            return;
        }
        byte[] copy = new byte[datagram.readableBytes()];
        datagram.getBytes(datagram.readerIndex(), copy);
        queued.incrementAndGet();
        handshake.offer(copy);
        wake();
    }

    private void wake() {
        Thread w = waiter;
        if (w != null) {
            LockSupport.unpark(w);
        }
    }

    /** After the handshake, on the event loop: the one datagram the next {@link #receive} returns. */
    void hold(byte[] datagram, int length) {
        pending = datagram;
        pendingLength = length;
    }

    void established() {
        established = true;
        handshake.clear();
        queued.set(0);
    }

    @Override
    public int getReceiveLimit() {
        return RECEIVE_LIMIT;
    }

    @Override
    public int getSendLimit() {
        return SEND_LIMIT;
    }

    @Override
    public int receive(byte[] buf, int off, int len, int waitMillis) throws IOException {
        if (closed) {
            throw new java.io.EOFException("DTLS transport closed");
        }
        if (established) {
            if (pendingLength < 0) {
                throw NONE_PENDING;
            }
            int n = Math.min(len, pendingLength);
            System.arraycopy(pending, 0, buf, off, n);
            pendingLength = -1;
            return n;
        }
        byte[] d = take(TimeUnit.MILLISECONDS.toNanos(Math.max(1, waitMillis)));
        if (d == null) {
            return -1; // a timeout: Bouncy Castle retransmits its flight or gives up
        }
        if (d == CLOSED) {
            throw new java.io.EOFException("DTLS transport closed");
        }
        int n = Math.min(len, d.length);
        System.arraycopy(d, 0, buf, off, n);
        return n;
    }

    /** The next handshake datagram, waiting up to {@code nanos}; null when none came. */
    private byte[] take(long nanos) throws InterruptedIOException {
        long deadline = System.nanoTime() + nanos;
        while (true) {
            byte[] d = handshake.poll();
            if (d != null) {
                if (d != CLOSED) {
                    queued.decrementAndGet();
                }
                return d;
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return null;
            }
            waiter = Thread.currentThread();
            // Looked again after announcing itself: a datagram offered meanwhile is not missed.
            if (handshake.isEmpty()) {
                LockSupport.parkNanos(this, left);
            }
            waiter = null;
            if (Thread.interrupted()) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("handshake interrupted");
            }
        }
    }

    @Override
    public void send(byte[] buf, int off, int len) {
        if (!closed) {
            sender.send(buf, off, len);
        }
    }

    @Override
    public void close() {
        closed = true;
        handshake.clear();
        handshake.offer(CLOSED); // wakes a handshake thread waiting for the peer
        wake();
    }
}

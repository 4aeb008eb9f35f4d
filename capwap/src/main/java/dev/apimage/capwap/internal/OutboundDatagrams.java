package dev.apimage.capwap.internal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.socket.DatagramPacket;
import io.netty.util.IllegalReferenceCountException;
import io.netty.util.concurrent.EventExecutor;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;

/**
 * Envelopes for the datagrams the controller sends, reused: a block going out needs its
 * recipient beside it, and a new {@link DatagramPacket} per block was the block path's largest
 * allocation after the buffers themselves. Each envelope is a {@code DatagramPacket} (so Netty's
 * native transport still batches them into one {@code sendmmsg}) whose content and recipient are
 * set when it is taken and which comes back here when the transport releases it after the send.
 * Taken and returned on the controller's event loop only; one released elsewhere is left to the
 * collector.
 */
public final class OutboundDatagrams {

    /** More than this many idle envelopes are not kept: a burst's worth. */
    private static final int MAX_IDLE = 4096;

    private final EventExecutor loop;
    private final ArrayDeque<Envelope> idle = new ArrayDeque<>();

    /**
     * A pool for one event loop.
     *
     * @param loop the loop that takes and returns envelopes
     */
    public OutboundDatagrams(EventExecutor loop) {
        this.loop = loop;
    }

    /**
     * An envelope carrying {@code content} to {@code recipient}; releasing it releases the
     * content once and returns the envelope.
     *
     * @param content the datagram, whose reference passes to the envelope
     * @param recipient where it goes
     * @return the envelope, with one reference
     */
    public DatagramPacket wrap(ByteBuf content, InetSocketAddress recipient) {
        Envelope e = idle.pollFirst();
        if (e == null) {
            e = new Envelope();
        }
        e.content = content;
        e.recipient = recipient;
        e.refs = 1;
        return e;
    }

    private void recycle(Envelope e) {
        if (loop.inEventLoop() && idle.size() < MAX_IDLE) {
            idle.addFirst(e);
        }
    }

    /** Idle envelopes kept, for tests. */
    int idle() {
        return idle.size();
    }

    /** The reusable envelope; its fields change only while it is idle. */
    private final class Envelope extends DatagramPacket {
        private ByteBuf content;
        private InetSocketAddress recipient;
        private int refs;

        Envelope() {
            super(Unpooled.EMPTY_BUFFER, new InetSocketAddress(0));
        }

        @Override
        public ByteBuf content() {
            if (refs <= 0) {
                throw new IllegalReferenceCountException(refs);
            }
            return content;
        }

        @Override
        public InetSocketAddress recipient() {
            return recipient;
        }

        @Override
        public InetSocketAddress sender() {
            return null;
        }

        @Override
        public int refCnt() {
            return refs;
        }

        @Override
        public DatagramPacket retain() {
            return retain(1);
        }

        @Override
        public DatagramPacket retain(int increment) {
            if (refs <= 0) {
                throw new IllegalReferenceCountException(refs, increment);
            }
            refs += increment;
            return this;
        }

        @Override
        public DatagramPacket touch() {
            return this;
        }

        @Override
        public DatagramPacket touch(Object hint) {
            content.touch(hint);
            return this;
        }

        @Override
        public boolean release() {
            return release(1);
        }

        @Override
        public boolean release(int decrement) {
            if (refs < decrement || decrement <= 0) {
                throw new IllegalReferenceCountException(refs, -decrement);
            }
            refs -= decrement;
            if (refs > 0) {
                return false;
            }
            ByteBuf c = content;
            content = null;
            recipient = null;
            recycle(this);
            c.release();
            return true;
        }

        @Override
        public String toString() {
            return "DatagramPacket(=> " + recipient + ", " + content + ")";
        }
    }
}

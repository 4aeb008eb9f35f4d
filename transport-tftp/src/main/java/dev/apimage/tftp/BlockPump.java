package dev.apimage.tftp;

import io.netty.buffer.ByteBuf;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Moves received blocks off the event loop: the event loop offers retained datagrams (with the
 * payload's index and length) into a fixed ring, and one drain task at a time, on a separate
 * executor, hands them to the consumer in order and releases them. The sink's disk writes thus
 * never block an event loop. Nothing is allocated per block: the ring's slots are reused and the
 * datagram's own buffer travels, retained.
 *
 * <p>A full ring refuses the block; the receiver then treats it as lost and the sender resends it,
 * which is the protocol's own back-pressure.
 */
final class BlockPump {

    /** Receives the blocks in order, on the drain executor. */
    interface Consumer {
        /** One block; {@code payload}'s bytes from index to index+length. Must not keep the buffer. */
        void block(ByteBuf payload, int index, int length, boolean last) throws Exception;

        /** The consumer threw; the pump drops whatever else is queued. */
        void failed(Exception e);

        /** The ring ran empty after it had refused a block: the receiver may ask for a resend now. */
        default void drainedAfterRefusal() {
        }
    }

    private final ByteBuf[] bufs;
    private final int[] indexes;
    private final int[] lengths;
    private final boolean[] lasts;
    private final int mask;
    private final Executor executor;
    private final Consumer consumer;
    private final AtomicBoolean scheduled = new AtomicBoolean();
    private final Runnable drain = this::drain;
    private long head; // next slot to take, guarded by this
    private long tail; // next slot to fill, guarded by this
    private boolean closed;
    private boolean refused; // guarded by this

    BlockPump(int capacity, Executor executor, Consumer consumer) {
        int size = Integer.highestOneBit(Math.max(4, capacity - 1)) << 1;
        this.bufs = new ByteBuf[size];
        this.indexes = new int[size];
        this.lengths = new int[size];
        this.lasts = new boolean[size];
        this.mask = size - 1;
        this.executor = executor;
        this.consumer = consumer;
    }

    /**
     * Queues a block, retaining the buffer when accepted.
     *
     * @return false when the ring is full or the pump closed (the block counts as lost)
     */
    boolean offer(ByteBuf buf, int index, int length, boolean last) {
        synchronized (this) {
            if (closed) {
                return false;
            }
            if (tail - head == bufs.length) {
                refused = true;
                return false;
            }
            int slot = (int) (tail & mask);
            bufs[slot] = buf.retain();
            indexes[slot] = index;
            lengths[slot] = length;
            lasts[slot] = last;
            tail++;
        }
        if (scheduled.compareAndSet(false, true)) {
            executor.execute(drain);
        }
        return true;
    }

    private void drain() {
        while (true) {
            ByteBuf buf = null;
            int index = 0;
            int length = 0;
            boolean last = false;
            boolean signal = false;
            synchronized (this) {
                if (head == tail) {
                    signal = refused && !closed;
                    refused = false;
                    if (!signal) {
                        scheduled.set(false); // inside the lock: a producer after us schedules anew
                        return;
                    }
                } else {
                    int slot = (int) (head & mask);
                    buf = bufs[slot];
                    bufs[slot] = null;
                    index = indexes[slot];
                    length = lengths[slot];
                    last = lasts[slot];
                    head++;
                }
            }
            if (signal) {
                consumer.drainedAfterRefusal();
                continue;
            }
            try {
                if (!isClosed()) {
                    consumer.block(buf, index, length, last);
                }
            } catch (Exception e) {
                close();
                consumer.failed(e);
            } finally {
                buf.release();
            }
        }
    }

    private synchronized boolean isClosed() {
        return closed;
    }

    /** Stops accepting; releases what is queued. */
    void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            while (head != tail) {
                int slot = (int) (head & mask);
                ByteBuf b = bufs[slot];
                bufs[slot] = null;
                head++;
                if (b != null) {
                    b.release();
                }
            }
        }
    }
}

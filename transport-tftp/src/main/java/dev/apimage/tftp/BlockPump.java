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
    private volatile long head; // next slot to take; written by the drain only
    private volatile long tail; // next slot to fill; written by the producer only
    private volatile boolean closed;
    private volatile boolean refused;

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
     * Queues a block, retaining the buffer when accepted. Called by one producer, the event loop,
     * and never blocks: the ring is single-producer, single-consumer, with no lock the event loop
     * could wait on.
     *
     * @return false when the ring is full or the pump closed (the block counts as lost)
     */
    boolean offer(ByteBuf buf, int index, int length, boolean last) {
        if (closed) {
            return false;
        }
        long t = tail;
        if (t - head == bufs.length) {
            refused = true;
            return false;
        }
        int slot = (int) (t & mask);
        bufs[slot] = buf.retain();
        indexes[slot] = index;
        lengths[slot] = length;
        lasts[slot] = last;
        tail = t + 1; // volatile store: publishes the slot to the drain
        schedule(); // also when closed meanwhile: the drain then releases what is queued
        return true;
    }

    private void schedule() {
        if (scheduled.compareAndSet(false, true)) {
            executor.execute(drain);
        }
    }

    /** The consumer: one drain at a time, handing blocks over in order, releasing them after. */
    private void drain() {
        while (true) {
            long h = head;
            if (h == tail) {
                boolean signal = refused && !closed;
                refused = false;
                if (signal) {
                    consumer.drainedAfterRefusal();
                    continue;
                }
                scheduled.set(false);
                // A producer that published after our check saw the drain still scheduled: go on.
                if (tail != h && scheduled.compareAndSet(false, true)) {
                    continue;
                }
                return;
            }
            int slot = (int) (h & mask);
            ByteBuf buf = bufs[slot];
            bufs[slot] = null;
            int index = indexes[slot];
            int length = lengths[slot];
            boolean last = lasts[slot];
            head = h + 1;
            try {
                if (!closed) {
                    consumer.block(buf, index, length, last);
                }
            } catch (Exception e) {
                closed = true;
                consumer.failed(e);
            } finally {
                buf.release();
            }
        }
    }

    /** Stops accepting; what is queued is released by the drain, which this schedules. */
    void close() {
        if (closed) {
            return;
        }
        closed = true;
        schedule();
    }
}

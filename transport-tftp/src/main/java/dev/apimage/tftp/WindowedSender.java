package dev.apimage.tftp;

import io.netty.buffer.ByteBuf;

/**
 * The sending side of a transfer (RFC 1350 lockstep, RFC 7440 windows): sends up to a window of
 * DATA, advances on each ACK that acknowledges something new (a partial ACK means the receiver saw
 * a gap: the window restarts after the acknowledged block), and on its timer resends the window
 * from the first unacknowledged block. A duplicate ACK never triggers a resend (RFC 1123 4.2.3.1,
 * the Sorcerer's Apprentice). Block numbers wrap from 65535 to 0. Driven by one thread; nothing is
 * allocated per block beyond the pooled packet buffer.
 */
final class WindowedSender {

    /** Fills DATA payloads. */
    interface Source {
        void read(ByteBuf out, long offset, int length);
    }

    /** Sends packets. */
    interface Out {
        ByteBuf buffer(int capacity);

        void send(ByteBuf packet);

        void flush();

        /**
         * How many equal-size datagrams one {@link #sendSegments} call may carry (UDP generic
         * segmentation offload); 1 when the socket cannot segment.
         */
        default int maxSegments(int segmentSize) {
            return 1;
        }

        /** Sends consecutive datagrams of {@code segmentSize} bytes (the last may be shorter) at once. */
        default void sendSegments(ByteBuf datagrams, int segmentSize) {
            throw new UnsupportedOperationException();
        }
    }

    /** What an ACK did. */
    enum AckResult { PROGRESS, RESENT, DUPLICATE, DONE }

    private final Source source;
    private final Out out;
    private final long size;
    private final int blockSize;
    private final int window;
    private final long totalBlocks;
    private long base = 1;   // first unacknowledged block
    private long next = 1;   // next block to send
    private long retransmitted;
    private long lastSendNanos;
    private long resendGuardNanos = Long.MAX_VALUE;

    WindowedSender(Source source, Out out, long size, int blockSize, int window) {
        this.source = source;
        this.out = out;
        this.size = size;
        this.blockSize = blockSize;
        this.window = window;
        this.totalBlocks = size / blockSize + 1;
    }

    /**
     * With windows, a repeated ACK of the block before the window means the receiver got none of
     * it (RFC 7440: the sender restarts after the acknowledged block). It is honoured at most once
     * per {@code guardNanos} since the window was last sent, so duplicates cannot multiply the
     * traffic (the RFC 1123 concern); in lockstep a duplicate ACK is never answered.
     */
    void resendOnRepeatedAck(long guardNanos) {
        this.resendGuardNanos = window > 1 ? guardNanos : Long.MAX_VALUE;
    }

    /**
     * Sends what the window allows.
     *
     * @param now the transfer's clock
     */
    void sendWindow(long now) {
        lastSendNanos = now;
        long end = Math.min(base + window, totalBlocks + 1);
        if (next >= end) {
            return;
        }
        int segment = TftpPackets.HEADER + blockSize;
        int perBatch = out.maxSegments(segment);
        while (next < end) {
            int n = (int) Math.min(perBatch, end - next);
            if (n > 1) {
                // One buffer, datagrams back to back, handed to the kernel in one go.
                ByteBuf batch = out.buffer(n * segment);
                try {
                    for (int i = 0; i < n; i++) {
                        writeBlock(batch, next++);
                    }
                } catch (RuntimeException e) {
                    batch.release(); // the source failed: nothing of this batch is sent
                    throw e;
                }
                out.sendSegments(batch, segment);
            } else {
                ByteBuf p = out.buffer(segment);
                try {
                    writeBlock(p, next++);
                } catch (RuntimeException e) {
                    p.release();
                    throw e;
                }
                out.send(p);
            }
        }
        out.flush();
    }

    private void writeBlock(ByteBuf p, long index) {
        long offset = (index - 1) * blockSize;
        int length = (int) Math.min(blockSize, size - offset);
        TftpPackets.writeDataHeader(p, (int) (index & 0xFFFF));
        if (length > 0) {
            source.read(p, offset, length);
        }
    }

    /**
     * Handles an ACK's block number.
     *
     * @param wire the block number as sent
     * @param now the transfer's clock
     */
    AckResult onAck(int wire, long now) {
        long lastAcked = base - 1;
        int delta = (wire - (int) (lastAcked & 0xFFFF)) & 0xFFFF;
        if (delta == 0 && resendGuardNanos != Long.MAX_VALUE && next > base
                && now - lastSendNanos >= resendGuardNanos) {
            retransmitted += next - base;
            next = base;
            sendWindow(now);
            return AckResult.RESENT;
        }
        if (delta == 0 || delta > next - base) {
            return AckResult.DUPLICATE; // old, repeated, or for a block never sent
        }
        base = lastAcked + delta + 1;
        if (base > totalBlocks) {
            return AckResult.DONE;
        }
        next = base; // anything after a partial ACK was lost or will be ignored: restart there
        sendWindow(now);
        return AckResult.PROGRESS;
    }

    /** The timer fired without progress: resend the window from the first unacknowledged block. */
    void onTimeout(long now) {
        retransmitted += Math.min(next, totalBlocks + 1) - base;
        next = base;
        sendWindow(now);
    }

    /** True when every block has been sent and only the final window waits for its ACK. */
    boolean finalWindowOutstanding() {
        return next > totalBlocks && base + window > totalBlocks;
    }

    long acknowledgedBytes() {
        return Math.min(size, (base - 1) * blockSize);
    }

    long retransmittedBlocks() {
        return retransmitted;
    }
}

package dev.apimage.tftp;

import io.netty.buffer.ByteBuf;

/**
 * The receiving side of a transfer (RFC 1350 lockstep, RFC 7440 windows): accepts DATA in order,
 * acknowledges each full window and the last block, and on a gap acknowledges the last in-order
 * block at once, so the sender resends from there without waiting for its timer. Block numbers
 * wrap from 65535 to 0. Driven by one thread (the channel's event loop); no allocation per block.
 *
 * <pre>
 *  DATA n (expected)   -> hand payload on; ACK when the window is full or the block is short
 *  DATA n (ahead)      -> drop; ACK last in-order block (once per gap)
 *  DATA n (behind)     -> drop; re-ACK last in-order block (at most once per half interval)
 *  timer, no progress  -> re-ACK last in-order block
 * </pre>
 */
final class WindowedReceiver {

    /** Where ACKs go. */
    interface AckOut {
        void ack(int wireBlock);
    }

    /** Where in-order payloads go; false means "cannot take it now" (treated as lost). */
    interface PayloadIn {
        boolean payload(ByteBuf packet, int index, int length, boolean last);
    }

    private final int blockSize;
    private final int window;
    private final AckOut acks;
    private final PayloadIn payloads;
    private final long reAckSpacingNanos;
    private long next = 1;          // index of the block expected next
    private int inWindow;           // blocks received in the current window
    private boolean gapAcked;
    private long lastAckNanos;
    private boolean done;
    private boolean deferFinalAck;

    WindowedReceiver(int blockSize, int window, long retransmitNanos, AckOut acks, PayloadIn payloads) {
        this.blockSize = blockSize;
        this.window = window;
        this.acks = acks;
        this.payloads = payloads;
        this.reAckSpacingNanos = retransmitNanos / 2;
    }

    /** Handles a DATA packet (opcode checked, length at least 4), at its reader index. */
    void onData(ByteBuf packet, long nowNanos) {
        int wire = TftpPackets.block(packet);
        int delta = (wire - (int) (next & 0xFFFF)) & 0xFFFF;
        if (done) {
            // The sender missed our final ACK: repeat it.
            if (delta == 0xFFFF && !deferFinalAck) {
                ack(nowNanos);
            }
            return;
        }
        if (delta == 0) {
            int length = packet.readableBytes() - TftpPackets.HEADER;
            if (length > blockSize) {
                return; // not a block of this transfer; ignore
            }
            boolean last = length < blockSize;
            if (!payloads.payload(packet, packet.readerIndex() + TftpPackets.DATA_OFFSET, length, last)) {
                return; // no room downstream: as if lost
            }
            next++;
            gapAcked = false;
            if (last) {
                done = true;
                if (!deferFinalAck) {
                    ack(nowNanos);
                }
            } else if (++inWindow >= window) {
                ack(nowNanos);
            }
        } else if (delta < 0x8000) {
            if (!gapAcked) {
                gapAcked = true;
                ack(nowNanos);
            }
        } else if (nowNanos - lastAckNanos >= reAckSpacingNanos) {
            ack(nowNanos);
        }
    }

    /**
     * Holds the final ACK back until {@link #sendFinalAck(long)}: a server that receives a file
     * acknowledges the last block only once the file is safely stored.
     */
    void deferFinalAck() {
        deferFinalAck = true;
    }

    /** Sends the final ACK that {@link #deferFinalAck()} held back. */
    void sendFinalAck(long nowNanos) {
        deferFinalAck = false;
        ack(nowNanos);
    }

    /** The retransmission timer fired without progress: repeat the last ACK. */
    void onTimeout(long nowNanos) {
        ack(nowNanos);
    }

    private void ack(long nowNanos) {
        inWindow = 0;
        lastAckNanos = nowNanos;
        acks.ack((int) ((next - 1) & 0xFFFF));
    }

    /** True once the last block was taken. */
    boolean done() {
        return done;
    }

    /** Blocks taken so far. */
    long blocks() {
        return next - 1;
    }
}

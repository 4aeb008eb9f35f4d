package dev.apimage.tftp;

import dev.apimage.time.VirtualClock;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The window state machines, step by step, without sockets. */
class WindowedProtocolTest {

    /** Records the block numbers the sender puts on the wire. */
    private static final class Wire implements WindowedSender.Out {
        final List<Integer> sent = new ArrayList<>();

        @Override
        public ByteBuf buffer(int capacity) {
            return Unpooled.buffer(capacity);
        }

        @Override
        public void send(ByteBuf packet) {
            sent.add(packet.getUnsignedShort(2));
            packet.release();
        }

        @Override
        public void flush() {
        }
    }

    /** A time for tests in which the repeated-ACK guard plays no part. */
    private static final long T0 = 0;

    private static WindowedSender sender(Wire w, long size, int blk, int window) {
        return new WindowedSender((out, offset, length) -> out.writeZero(length), w, size, blk, window);
    }

    @Test
    void lockstepDuplicateAckNeverResends() {
        Wire w = new Wire();
        WindowedSender s = sender(w, 512 * 3, 512, 1);
        s.sendWindow(T0);
        assertEquals(List.of(1), w.sent);
        assertEquals(WindowedSender.AckResult.PROGRESS, s.onAck(1, T0));
        assertEquals(List.of(1, 2), w.sent);
        // The Sorcerer's Apprentice: a delayed duplicate ACK 1 must not send block 2 again.
        assertEquals(WindowedSender.AckResult.DUPLICATE, s.onAck(1, T0));
        assertEquals(List.of(1, 2), w.sent);
        assertEquals(WindowedSender.AckResult.DUPLICATE, s.onAck(7, T0), "an ACK for a block never sent");
        s.onTimeout(T0);
        assertEquals(List.of(1, 2, 2), w.sent, "only the timer resends");
        s.onAck(2, T0);
        s.onAck(3, T0);
        assertEquals(WindowedSender.AckResult.DONE, s.onAck(4, T0), "block 4 is the empty last block");
        assertEquals(List.of(1, 2, 2, 3, 4), w.sent);
    }

    @Test
    void partialAckRestartsTheWindowAfterTheAcknowledgedBlock() {
        Wire w = new Wire();
        WindowedSender s = sender(w, 512 * 10 + 1, 512, 4);
        s.sendWindow(T0);
        assertEquals(List.of(1, 2, 3, 4), w.sent);
        w.sent.clear();
        assertEquals(WindowedSender.AckResult.PROGRESS, s.onAck(2, T0)); // receiver saw a gap after 2
        assertEquals(List.of(3, 4, 5, 6), w.sent);
        w.sent.clear();
        assertEquals(WindowedSender.AckResult.DUPLICATE, s.onAck(2, T0), "the same gap ACK again");
        assertEquals(List.of(), w.sent);
    }

    @Test
    void withWindowsARepeatedAckBeforeTheWindowResendsItAtMostOncePerGuard() throws Exception {
        Wire w = new Wire();
        WindowedSender s = sender(w, 512 * 10 + 1, 512, 4);
        VirtualClock clock = new VirtualClock();
        s.resendOnRepeatedAck(50_000_000L); // 50 ms
        s.sendWindow(clock.nanoTime());
        s.onAck(4, clock.nanoTime());
        w.sent.clear();
        assertEquals(WindowedSender.AckResult.DUPLICATE, s.onAck(4, clock.nanoTime()), "too soon after sending: a network duplicate");
        assertEquals(List.of(), w.sent);
        clock.advanceNanos(49_000_000L);
        assertEquals(WindowedSender.AckResult.DUPLICATE, s.onAck(4, clock.nanoTime()), "still inside the guard");
        clock.advanceNanos(1_000_000L);
        assertEquals(WindowedSender.AckResult.RESENT, s.onAck(4, clock.nanoTime()), "the receiver got none of the window");
        assertEquals(List.of(5, 6, 7, 8), w.sent);
        assertEquals(WindowedSender.AckResult.DUPLICATE, s.onAck(4, clock.nanoTime()), "and not again at once");
        assertEquals(List.of(5, 6, 7, 8), w.sent);
    }

    @Test
    void blockNumbersWrapToZero() {
        Wire w = new Wire();
        long blocks = 65_537;
        WindowedSender s = sender(w, 8 * (blocks - 1) + 3, 8, 16);
        s.sendWindow(T0);
        int acked = 0;
        WindowedSender.AckResult r = WindowedSender.AckResult.PROGRESS;
        while (r != WindowedSender.AckResult.DONE) {
            int last = w.sent.get(w.sent.size() - 1);
            r = s.onAck(last, T0);
            acked++;
        }
        assertTrue(w.sent.contains(0), "block 65536 goes out as 0");
        assertEquals(65_535, w.sent.get(65_534));
        assertEquals(0, w.sent.get(65_535));
        assertEquals(1, w.sent.get(65_536));
        assertEquals(blocks, w.sent.size());
        assertTrue(acked > 4000);
    }

    private static ByteBuf data(int block, int length) {
        ByteBuf b = Unpooled.buffer(4 + length);
        TftpPackets.writeDataHeader(b, block);
        b.writeZero(length);
        return b;
    }

    @Test
    void receiverAcksWindowsGapsAndDuplicates() {
        List<Integer> acks = new ArrayList<>();
        List<Integer> taken = new ArrayList<>();
        WindowedReceiver r = new WindowedReceiver(8, 3, 1_000_000L, acks::add, (p, i, len, last) -> {
            taken.add(p.getUnsignedShort(2));
            return true;
        });
        r.onData(data(1, 8), 0);
        r.onData(data(2, 8), 0);
        assertEquals(List.of(), acks, "no ACK inside a window");
        r.onData(data(3, 8), 0);
        assertEquals(List.of(3), acks, "ACK when the window is full");
        r.onData(data(5, 8), 0);
        assertEquals(List.of(3, 3), acks, "a gap: ACK the last in-order block at once");
        r.onData(data(6, 8), 0);
        assertEquals(List.of(3, 3), acks, "once per gap");
        r.onData(data(2, 8), 10_000_000L);
        assertEquals(List.of(3, 3, 3), acks, "an old block: re-ACK (spaced)");
        r.onData(data(4, 8), 20_000_000L);
        r.onData(data(5, 3), 20_000_000L);
        assertTrue(r.done());
        assertEquals(List.of(1, 2, 3, 4, 5), taken);
        assertEquals(List.of(3, 3, 3, 5), acks, "the short block ends the transfer with an ACK");
        r.onData(data(5, 3), 30_000_000L);
        assertEquals(List.of(3, 3, 3, 5, 5), acks, "a repeated last block gets the final ACK again");
    }

    @Test
    void receiverTreatsARefusedBlockAsLost() {
        List<Integer> acks = new ArrayList<>();
        boolean[] room = {false};
        WindowedReceiver r = new WindowedReceiver(8, 1, 1_000_000L, acks::add, (p, i, len, last) -> room[0]);
        r.onData(data(1, 8), 0);
        assertEquals(0, r.blocks());
        assertEquals(List.of(), acks);
        room[0] = true;
        r.onData(data(1, 8), 0);
        assertEquals(1, r.blocks());
        assertEquals(List.of(1), acks);
        assertFalse(r.done());
    }
}

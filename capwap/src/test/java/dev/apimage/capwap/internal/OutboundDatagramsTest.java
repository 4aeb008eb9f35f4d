package dev.apimage.capwap.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.socket.DatagramPacket;
import io.netty.util.IllegalReferenceCountException;
import io.netty.util.concurrent.GlobalEventExecutor;
import io.netty.util.concurrent.ImmediateEventExecutor;
import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;

class OutboundDatagramsTest {

    private static final InetSocketAddress AP1 = new InetSocketAddress("127.0.0.1", 40001);
    private static final InetSocketAddress AP2 = new InetSocketAddress("127.0.0.1", 40002);

    @Test
    void anEnvelopeCarriesItsBlockAndComesBackWhenTheTransportReleasesIt() {
        OutboundDatagrams pool = new OutboundDatagrams(ImmediateEventExecutor.INSTANCE);
        ByteBuf first = Unpooled.directBuffer(16).writeInt(1);
        DatagramPacket e = pool.wrap(first, AP1);
        assertSame(first, e.content());
        assertEquals(AP1, e.recipient());
        assertNull(e.sender());
        assertEquals(1, e.refCnt());
        assertTrue(e.release());
        assertEquals(0, first.refCnt(), "the block is released with its envelope");
        assertEquals(1, pool.idle());
        assertThrows(IllegalReferenceCountException.class, e::content);

        ByteBuf second = Unpooled.directBuffer(16).writeInt(2);
        DatagramPacket again = pool.wrap(second, AP2);
        assertSame(e, again, "the same envelope, reused");
        assertSame(second, again.content());
        assertEquals(AP2, again.recipient());
        assertEquals(0, pool.idle());
        again.release();
    }

    @Test
    void aRetainedEnvelopeReleasesItsBlockOnlyAtTheLastRelease() {
        OutboundDatagrams pool = new OutboundDatagrams(ImmediateEventExecutor.INSTANCE);
        ByteBuf block = Unpooled.directBuffer(16).writeInt(7);
        DatagramPacket e = pool.wrap(block, AP1).retain();
        assertEquals(2, e.refCnt());
        assertFalse(e.release());
        assertEquals(1, block.refCnt());
        assertEquals(0, pool.idle());
        assertTrue(e.release());
        assertEquals(0, block.refCnt());
        assertThrows(IllegalReferenceCountException.class, e::release, "a third release is a bug, not a silent reuse");
        assertThrows(IllegalReferenceCountException.class, e::retain);
    }

    @Test
    void anEnvelopeReleasedOffTheLoopIsNotReused() {
        OutboundDatagrams pool = new OutboundDatagrams(GlobalEventExecutor.INSTANCE); // this test thread is not its loop
        ByteBuf block = Unpooled.directBuffer(16).writeInt(3);
        pool.wrap(block, AP1).release();
        assertEquals(0, block.refCnt());
        assertEquals(0, pool.idle());
    }
}

package dev.apimage.capwap.internal.dtls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import java.io.EOFException;
import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The hand-over of handshake datagrams from an event loop to a handshake thread. BlockHound (which
 * the test run installs) fails any event-loop task that parks: a queue whose lock the waiting
 * handshake thread holds made the controller's loop park now and then, and the datagram it was
 * handing over was lost with the error.
 */
class QueuedTransportTest {

    @Test
    void theEventLoopNeverWaitsForTheHandshakeThread() throws Exception {
        QueuedTransport t = new QueuedTransport((buf, off, len) -> { });
        AtomicInteger received = new AtomicInteger();
        CompletableFuture<Throwable> handshakeEnd = new CompletableFuture<>();
        Thread handshake = new Thread(() -> {
            byte[] buf = new byte[QueuedTransport.RECEIVE_LIMIT];
            try {
                while (true) {
                    if (t.receive(buf, 0, buf.length, 5_000) == 64) {
                        received.incrementAndGet();
                    }
                }
            } catch (IOException | RuntimeException e) {
                handshakeEnd.complete(e);
            }
        }, "test-handshake");
        handshake.setDaemon(true);
        handshake.start();
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        try {
            EventLoop loop = group.next();
            ByteBuf datagram = Unpooled.wrappedBuffer(new byte[64]);
            CompletableFuture<Void> offered = new CompletableFuture<>();
            int rounds = 20_000;
            Runnable[] step = new Runnable[1];
            AtomicInteger round = new AtomicInteger();
            step[0] = () -> {
                try {
                    t.offer(datagram);
                } catch (Throwable e) {
                    offered.completeExceptionally(e);
                    return;
                }
                if (round.incrementAndGet() < rounds) {
                    loop.execute(step[0]);
                } else {
                    offered.complete(null);
                }
            };
            loop.execute(step[0]);
            offered.get(60, TimeUnit.SECONDS); // fails with BlockHound's error if the loop ever parked
            t.close();
            Throwable end = handshakeEnd.get(30, TimeUnit.SECONDS);
            assertTrue(end instanceof EOFException, "the waiting thread ends on close: " + end);
            assertTrue(received.get() > 0, "datagrams reached the handshake thread");
            assertTrue(received.get() <= rounds);
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    @Test
    void aWaitEndsAtItsTimeoutAndAQueuedDatagramComesOutWhole() throws Exception {
        QueuedTransport t = new QueuedTransport((buf, off, len) -> { });
        byte[] buf = new byte[QueuedTransport.RECEIVE_LIMIT];
        assertEquals(-1, t.receive(buf, 0, buf.length, 1), "nothing queued: a timeout");
        t.offer(Unpooled.wrappedBuffer(new byte[] {1, 2, 3}));
        assertEquals(3, t.receive(buf, 0, buf.length, 1));
        assertEquals(3, buf[2]);
        t.close();
        assertThrows(EOFException.class, () -> t.receive(buf, 0, buf.length, 1));
    }

    @Test
    void beyondItsRoomTheQueueDrops() throws Exception {
        QueuedTransport t = new QueuedTransport((buf, off, len) -> { });
        for (int i = 0; i < 40; i++) {
            t.offer(Unpooled.wrappedBuffer(new byte[] {(byte) i}));
        }
        byte[] buf = new byte[QueuedTransport.RECEIVE_LIMIT];
        int n = 0;
        while (t.receive(buf, 0, buf.length, 1) > 0) {
            assertEquals(n, buf[0]);
            n++;
        }
        assertEquals(32, n, "the first 32 are kept, in order");
    }
}

package dev.apimage.simulator;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.channel.socket.DatagramPacket;
import io.netty.util.ReferenceCountUtil;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Drops outgoing datagrams with a fixed probability from a seeded generator, at most a bounded
 * number in total, so a lossy run is repeatable and always ends.
 */
final class LossyLink extends ChannelDuplexHandler {
    private final Random random;
    private final double probability;
    private final AtomicInteger budget;
    private final AtomicInteger dropped;

    LossyLink(long seed, double probability, AtomicInteger budget, AtomicInteger dropped) {
        this.random = new Random(seed);
        this.probability = probability;
        this.budget = budget;
        this.dropped = dropped;
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        boolean datagram = msg instanceof DatagramPacket || msg instanceof ByteBuf; // ByteBuf: a connected socket
        if (datagram && random.nextDouble() < probability && budget.getAndDecrement() > 0) {
            dropped.incrementAndGet();
            ReferenceCountUtil.release(msg);
            promise.trySuccess();
            return;
        }
        ctx.write(msg, promise);
    }
}

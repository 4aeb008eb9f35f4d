package dev.apimage.testing;

import dev.apimage.transfer.BlockSink;
import dev.apimage.transfer.RemoteFile;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A sink that passes everything to another and signals once it has seen a number of bytes, so a
 * test can start a fault (stop a server, freeze a process) mid-transfer without polling.
 */
public final class SignallingSink implements BlockSink {

    private final BlockSink next;
    private final long threshold;
    private final AtomicLong seen = new AtomicLong();
    private final CountDownLatch reached = new CountDownLatch(1);

    /**
     * Wraps a sink.
     *
     * @param next where the blocks go
     * @param threshold bytes after which {@link #awaitBytes(long)} returns
     */
    public SignallingSink(BlockSink next, long threshold) {
        this.next = next;
        this.threshold = threshold;
    }

    @Override
    public void write(ByteBuffer block, long offset) throws IOException {
        int n = block.remaining();
        next.write(block, offset);
        if (seen.addAndGet(n) >= threshold) {
            reached.countDown();
        }
    }

    @Override
    public void expectFile(RemoteFile file) throws IOException {
        next.expectFile(file);
    }

    @Override
    public boolean acceptsAnyOrder() {
        return next.acceptsAnyOrder();
    }

    /**
     * Waits until the threshold was seen.
     *
     * @param seconds the longest wait
     * @return true once reached, false when the time ran out
     * @throws InterruptedException when interrupted
     */
    public boolean awaitBytes(long seconds) throws InterruptedException {
        return reached.await(seconds, TimeUnit.SECONDS);
    }
}

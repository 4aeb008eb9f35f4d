package dev.apimage.tftp;

import dev.apimage.transfer.TransferOptions;
import dev.apimage.transfer.spi.AbstractTransferSession;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import java.io.IOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The TFTP block path without sockets: what the server does to send a DATA block (pooled direct
 * buffer, header in place, payload copied from the mapped file) and what the client does with a
 * received one (window bookkeeping, the pump, the session's digests, the sink). Run with
 * {@code -prof gc}: {@code gc.alloc.rate.norm} is the bytes allocated per block.
 *
 * <p>Each invocation hands a batch of {@value #BATCH} blocks to a Netty thread (a
 * {@code FastThreadLocalThread}, as event loops are) and waits for it, because Netty gives its
 * thread-local buffer caches only to such threads; the hand-off costs one task per batch.
 * Netty's leak detector is off in the fork: at its default level it samples one buffer in 128 and
 * allocates a tracking record for it (about 12 B per block on average), which is Netty's
 * debugging aid, not this path.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "-Dio.netty.leakDetection.level=disabled")
public class TftpHotPathBenchmark {

    /** Blocks per invocation. */
    static final int BATCH = 1024;

    /** The Netty thread the batches run on. */
    @State(Scope.Benchmark)
    public static class NettyThread {
        java.util.concurrent.ExecutorService executor;

        @Setup(Level.Trial)
        public void setUp() {
            executor = java.util.concurrent.Executors.newSingleThreadExecutor(
                    new io.netty.util.concurrent.DefaultThreadFactory("bench-event-loop"));
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            executor.shutdown();
        }

        void run(Runnable batch) throws Exception {
            executor.submit(batch).get();
        }
    }

    /** The server's send path. */
    @State(Scope.Thread)
    public static class Server implements WindowedSender.Out {
        @Param({"512", "1468", "8192"})
        int blksize;

        Path file;
        FileBlockSource source;
        WindowedSender sender;
        int lastSent;
        long sentBytes;

        @Setup(Level.Trial)
        public void setUp() throws IOException {
            file = Files.createTempFile("apimage-bench", ".img");
            dev.apimage.simulator.SampleBundle.writeImage(file, 16L << 20, false, 1);
            java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(file, java.nio.file.StandardOpenOption.READ);
            source = new FileBlockSource(ch, file, Files.readAttributes(file, java.nio.file.attribute.BasicFileAttributes.class));
            reset();
        }

        void reset() {
            sender = new WindowedSender(source, this, source.size(), blksize, 1);
            sender.sendWindow(System.nanoTime());
        }

        @TearDown(Level.Trial)
        public void tearDown() throws IOException {
            source.close();
            Files.deleteIfExists(file);
        }

        @Override
        public ByteBuf buffer(int capacity) {
            return PooledByteBufAllocator.DEFAULT.directBuffer(capacity);
        }

        @Override
        public void send(ByteBuf packet) {
            // The channel would write it to the socket and release it.
            lastSent = packet.getUnsignedShort(2);
            sentBytes += packet.readableBytes();
            packet.release();
        }

        @Override
        public void flush() {
        }

        final Runnable batch = () -> {
            for (int i = 0; i < BATCH; i++) {
                if (sender.onAck(lastSent, System.nanoTime()) == WindowedSender.AckResult.DONE) {
                    reset();
                }
            }
        };
    }

    /** One ACK in, one DATA block out (lockstep), as the server's event loop does it; per block. */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public int serverSendsOneBlock(Server s, NettyThread t) throws Exception {
        t.run(s.batch);
        return s.lastSent;
    }

    /** The client's receive path. */
    @State(Scope.Thread)
    public static class Client {
        @Param({"1468", "8192"})
        int blksize;

        @Param({"1", "16"})
        int window;

        ByteBuf packet;
        BenchSession session;
        WindowedReceiver receiver;
        BlockPump pump;
        int wire = 1;
        long sinkBytes;

        @Setup(Level.Trial)
        public void setUp() {
            packet = PooledByteBufAllocator.DEFAULT.directBuffer(blksize + 4);
            packet.writeShort(TftpPackets.DATA).writeShort(1);
            packet.writeZero(blksize);
            session = new BenchSession();
            session.start((block, offset) -> sinkBytes += block.remaining());
            pump = new BlockPump(256, Runnable::run, new BlockPump.Consumer() {
                @Override
                public void block(ByteBuf payload, int index, int length, boolean last) throws Exception {
                    session.push(payload.internalNioBuffer(index, length));
                }

                @Override
                public void failed(Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            receiver = new WindowedReceiver(blksize, window, 1_000_000_000L, block -> {
                ByteBuf ack = PooledByteBufAllocator.DEFAULT.directBuffer(4);
                TftpPackets.writeAck(ack, block);
                ack.release();
            }, pump::offer);
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            session.close();
            packet.release();
        }

        final Runnable batch = () -> {
            for (int i = 0; i < BATCH; i++) {
                packet.setShort(2, wire);
                wire = (wire + 1) & 0xFFFF;
                receiver.onData(packet, 0);
            }
        };
    }

    /** One DATA block in: window bookkeeping, pump, digests, sink (and an ACK per window); per block. */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public long clientReceivesOneBlock(Client c, NettyThread t) throws Exception {
        t.run(c.batch);
        return c.sinkBytes + c.receiver.blocks();
    }

    /** A session whose blocks the benchmark pushes in, to reach the shared delivery code. */
    static final class BenchSession extends AbstractTransferSession {
        BenchSession() {
            super(URI.create("tftp://127.0.0.1/bench"), TransferOptions.builder()
                    .set(TransferOptions.IDLE_TIMEOUT, java.time.Duration.ofDays(1)).build());
        }

        void push(ByteBuffer block) throws IOException {
            deliver(block);
        }

        @Override
        protected void doStart() {
            markConnected();
        }

        @Override
        protected void onStop() {
        }
    }
}

package dev.apimage.capwap;

import dev.apimage.capwap.wire.CapwapDecodeException;
import dev.apimage.capwap.wire.CapwapMessage;
import dev.apimage.capwap.wire.CapwapMessageWriter;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.nio.ByteBuffer;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
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
 * The CAPWAP block path without sockets. Encode: what the controller's streamer does per block
 * (a pooled direct buffer, the headers in place, the block read from the image file with a
 * positional read as the streamer does, released as the socket would), and the same with the block
 * copied from memory (the codec alone). Decode: what the AP does per block (validate the whole message,
 * take the data as a view of the datagram, encode the Result Code answer into a pooled buffer).
 * Run with {@code -prof gc}: {@code gc.alloc.rate.norm} is bytes allocated per block.
 *
 * <p>Batches of {@value #BATCH} blocks run on a Netty thread ({@code FastThreadLocalThread}), the
 * only kind Netty gives its buffer caches to; Netty's leak detector is off in the fork because its
 * sampling allocates tracking records by design.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "-Dio.netty.leakDetection.level=disabled")
public class CapwapHotPathBenchmark {

    /** Blocks per invocation. */
    static final int BATCH = 1024;

    /** Buffers, image, flyweights and the Netty thread. */
    @State(Scope.Benchmark)
    public static class Path {
        @Param({"1024", "1377"})
        int blockSize;

        ExecutorService executor;
        ByteBuf image;
        java.nio.file.Path imageFile;
        java.nio.channels.FileChannel imageChannel;
        final CapwapMessageWriter writer = new CapwapMessageWriter();
        final CapwapMessage message = new CapwapMessage();
        ByteBuf[] datagrams;
        int offset;
        int sequence;
        long sink;

        @Setup(Level.Trial)
        public void setUp() {
            executor = Executors.newSingleThreadExecutor(new io.netty.util.concurrent.DefaultThreadFactory("bench-event-loop"));
            ByteBuffer direct = ByteBuffer.allocateDirect(16 << 20);
            for (int i = 0; i < direct.capacity(); i += 8) {
                direct.putLong(i, i * 0x9E3779B97F4A7C15L);
            }
            image = Unpooled.wrappedBuffer(direct);
            try {
                imageFile = java.nio.file.Files.createTempFile("apimage-bench", ".img");
                try (java.nio.channels.FileChannel out = java.nio.channels.FileChannel.open(imageFile,
                        java.nio.file.StandardOpenOption.WRITE)) {
                    out.write(direct.duplicate().clear());
                }
                imageChannel = java.nio.channels.FileChannel.open(imageFile, java.nio.file.StandardOpenOption.READ);
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            datagrams = new ByteBuf[BATCH];
            for (int i = 0; i < BATCH; i++) {
                ByteBuf d = Unpooled.directBuffer(32 + blockSize);
                writer.begin(d, CapwapMessage.IMAGE_DATA_REQUEST, i & 0xFF).imageData(1, image, i * blockSize, blockSize).finish();
                datagrams[i] = d;
            }
        }

        @TearDown(Level.Trial)
        public void tearDown() throws java.io.IOException {
            executor.shutdown();
            imageChannel.close();
            java.nio.file.Files.deleteIfExists(imageFile);
        }

        /** One batch of Image Data Requests, the blocks read from the image file or copied from memory. */
        void encodeBatch(boolean fromFile) {
            try {
                for (int i = 0; i < BATCH; i++) {
                    if (offset + blockSize > image.capacity()) {
                        offset = 0;
                    }
                    ByteBuf b = PooledByteBufAllocator.DEFAULT.directBuffer(21 + blockSize);
                    writer.begin(b, CapwapMessage.IMAGE_DATA_REQUEST, sequence = (sequence + 1) & 0xFF);
                    if (fromFile) {
                        writer.imageData(CapwapMessage.DATA_TYPE_DATA, imageChannel, offset, blockSize);
                    } else {
                        writer.imageData(CapwapMessage.DATA_TYPE_DATA, image, offset, blockSize);
                    }
                    writer.finish();
                    offset += blockSize;
                    sink += b.writerIndex();
                    b.release();
                }
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }

        void decodeBatch() {
            for (int i = 0; i < BATCH; i++) {
                ByteBuf d = datagrams[i];
                try {
                    message.wrap(d, 0, d.writerIndex());
                } catch (CapwapDecodeException e) {
                    throw new IllegalStateException(e);
                }
                ByteBuffer view = message.imageDataView();
                sink += view.remaining() + message.imageDataType();
                ByteBuf answer = PooledByteBufAllocator.DEFAULT.directBuffer(24);
                writer.begin(answer, CapwapMessage.IMAGE_DATA_RESPONSE, message.sequenceNumber()).resultCode(0).finish();
                sink += answer.writerIndex();
                answer.release();
            }
        }
    }

    /**
     * The controller encodes one Image Data Request per block.
     *
     * @param p the state
     * @return a value JMH consumes
     * @throws Exception when the Netty thread fails
     */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public long controllerEncodesBlock(Path p) throws Exception {
        p.executor.submit(() -> p.encodeBatch(false)).get();
        return p.sink;
    }

    /**
     * The controller encodes one Image Data Request per block, the block read from the image file
     * (page cache) as the streamer does.
     *
     * @param p the state
     * @return a value JMH consumes
     * @throws Exception when the Netty thread fails
     */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public long controllerEncodesBlockFromFile(Path p) throws Exception {
        p.executor.submit(() -> p.encodeBatch(true)).get();
        return p.sink;
    }

    /**
     * The AP decodes one Image Data Request and encodes its answer per block.
     *
     * @param p the state
     * @return a value JMH consumes
     * @throws Exception when the Netty thread fails
     */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public long apDecodesBlockAndAnswers(Path p) throws Exception {
        p.executor.submit(p::decodeBatch).get();
        return p.sink;
    }
}

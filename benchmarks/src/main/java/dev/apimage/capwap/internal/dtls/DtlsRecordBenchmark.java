package dev.apimage.capwap.internal.dtls;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The DTLS block path of an established AES-128-GCM session: sealing an Image Data Request with a
 * 1,024-byte block (1,060 bytes of CAPWAP) into a direct buffer, as the controller does per block,
 * and opening the AP's 24-byte Image Data Response. Run with {@code -prof gc}:
 * {@code gc.alloc.rate.norm} is bytes allocated per record.
 *
 * <pre>java -jar benchmarks/target/benchmarks.jar DtlsRecordBenchmark -prof gc</pre>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Thread)
public class DtlsRecordBenchmark {

    private GcmRecords controller;
    private GcmRecords ap;
    private ByteBuf block;
    private ByteBuf response;
    private ByteBuf sealedResponses;
    private ByteBuf sealedBlock;
    private final byte[] opened = new byte[GcmRecords.MAX_PLAINTEXT];

    /** Two ends of one session, a block and a response. */
    @Setup(Level.Trial)
    public void setUp() throws Exception {
        byte[] k1 = new byte[16];
        byte[] k2 = new byte[16];
        k2[0] = 1;
        byte[] s1 = {1, 2, 3, 4};
        byte[] s2 = {5, 6, 7, 8};
        controller = GcmRecords.ofKeys(1, k1, s1, k2, s2);
        ap = GcmRecords.ofKeys(1, k2, s2, k1, s1);
        block = PooledByteBufAllocator.DEFAULT.directBuffer(1060).writeZero(1060);
        response = PooledByteBufAllocator.DEFAULT.directBuffer(24).writeZero(24);
        sealedResponses = PooledByteBufAllocator.DEFAULT.directBuffer(128);
        sealedBlock = PooledByteBufAllocator.DEFAULT.directBuffer(1200);
    }

    /** Frees the buffers. */
    @TearDown(Level.Trial)
    public void tearDown() {
        block.release();
        response.release();
        sealedResponses.release();
        sealedBlock.release();
    }

    /**
     * The controller seals one block into a direct buffer (the pooled buffer of the socket's
     * write; taking one from the pool is Netty's, measured end to end in the join storm).
     *
     * @return the sealed length
     */
    @Benchmark
    public int sealBlock() {
        sealedBlock.clear();
        controller.seal(GcmRecords.APPLICATION_DATA, block, sealedBlock);
        return sealedBlock.readableBytes();
    }

    /**
     * The AP seals its response, the controller opens it (a fresh sequence number each time).
     *
     * @return the opened length
     */
    @Benchmark
    public int openResponse() {
        sealedResponses.clear();
        ap.seal(GcmRecords.APPLICATION_DATA, response, sealedResponses);
        sealedResponses.skipBytes(4); // the CAPWAP DTLS header
        return controller.open(sealedResponses, opened);
    }
}

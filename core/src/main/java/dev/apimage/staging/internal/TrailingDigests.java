package dev.apimage.staging.internal;

import dev.apimage.image.ImageDigests;
import dev.apimage.internal.DaemonThreads;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The SHA-256 and MD5 of a file while it is being written, kept off the writer's thread: each
 * digest has a lane of its own, run on a shared pool of digest workers, which reads back what the
 * writer has put in place contiguously from offset 0 (from the page cache, a megabyte at a time)
 * and hashes it. The writer only publishes how far the file is contiguous; a receiver that hands
 * blocks to that writer is never held up by a digest, and the two digests run side by side on
 * machines with more than one core. {@link #finish(long)} waits for both lanes to reach the end.
 *
 * <p>The lanes trust that the bytes before the published offset no longer change; the writer
 * falls back to reading the whole file at commit when a write overlapped bytes already written.
 */
public final class TrailingDigests {

    /** Bytes read back and hashed per step; the pool's workers each own one buffer of this size. */
    static final int CHUNK = 1 << 20;
    /** How much newly contiguous data wakes a lane: less would hand the pool tiny tasks. */
    private static final long STEP = 256 << 10;

    private static final ThreadLocal<ByteBuffer> BUFFERS = ThreadLocal.withInitial(() -> ByteBuffer.allocateDirect(CHUNK));
    private static volatile ExecutorService pool;

    private final FileChannel file;
    private final Lane sha256 = new Lane("SHA-256");
    private final Lane md5 = new Lane("MD5");
    private volatile long contiguous;
    private volatile long end = -1;
    private volatile boolean cancelled;

    /**
     * Starts digesting a file as it is written.
     *
     * @param file the file, open for reading; positional reads only, so the writer's position is untouched
     */
    public TrailingDigests(FileChannel file) {
        this.file = file;
    }

    private static ExecutorService pool() {
        ExecutorService p = pool;
        if (p == null) {
            synchronized (TrailingDigests.class) {
                p = pool;
                if (p == null) {
                    p = DaemonThreads.workerPool("apimage-digest", Math.max(2, Runtime.getRuntime().availableProcessors()));
                    pool = p;
                }
            }
        }
        return p;
    }

    /**
     * Publishes that the file is now in place from offset 0 up to {@code offset}. Called by the
     * writer; never blocks, and allocates nothing.
     *
     * @param offset the contiguous prefix, never smaller than before
     */
    public void advanceTo(long offset) {
        contiguous = offset;
        sha256.wakeIfBehind(offset);
        md5.wakeIfBehind(offset);
    }

    /**
     * Waits until both lanes have hashed the first {@code size} bytes and returns the digests.
     *
     * @param size the file's final size; the writer has published at least this much
     * @return the digests of those bytes
     * @throws IOException when reading the file back failed, or the wait was interrupted
     */
    public ImageDigests finish(long size) throws IOException {
        if (size > contiguous) {
            throw new IllegalStateException("only " + contiguous + " of " + size + " bytes are in place");
        }
        end = size;
        sha256.schedule();
        md5.schedule();
        byte[] a = sha256.await();
        byte[] b = md5.await();
        HexFormat hex = HexFormat.of();
        return new ImageDigests(hex.formatHex(a), hex.formatHex(b));
    }

    /** Stops both lanes at their next step; nothing waits for them. */
    public void cancel() {
        cancelled = true;
    }

    /** One digest, advanced by one pool task at a time. */
    private final class Lane implements Runnable {
        private final MessageDigest digest;
        private final AtomicBoolean scheduled = new AtomicBoolean();
        private final CountDownLatch done = new CountDownLatch(1);
        private volatile long position; // written by the lane's task only
        private volatile byte[] result;
        private volatile IOException failure;

        Lane(String algorithm) {
            try {
                digest = MessageDigest.getInstance(algorithm);
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException(algorithm + " is required by the Java platform", e);
            }
        }

        void wakeIfBehind(long offset) {
            if (offset - position >= STEP && !scheduled.get()) {
                schedule();
            }
        }

        void schedule() {
            if (scheduled.compareAndSet(false, true)) {
                pool().execute(this);
            }
        }

        @Override
        public void run() {
            try {
                while (!cancelled) {
                    long pos = position;
                    long target = contiguous;
                    if (pos < target) {
                        position = pos + hash(pos, (int) Math.min(CHUNK, target - pos));
                        continue;
                    }
                    long e = end;
                    if (e >= 0 && pos >= e) {
                        result = digest.digest();
                        done.countDown();
                        return; // stays "scheduled": there is nothing more to do
                    }
                    scheduled.set(false);
                    // The writer may have published (or finished) after the checks above and seen
                    // this lane still scheduled: look again rather than leave that work undone.
                    if ((contiguous > pos || end >= 0) && scheduled.compareAndSet(false, true)) {
                        continue;
                    }
                    return;
                }
            } catch (IOException e) {
                failure = e;
                done.countDown();
            }
        }

        private int hash(long pos, int length) throws IOException {
            ByteBuffer buf = BUFFERS.get();
            buf.clear().limit(length);
            while (buf.hasRemaining()) {
                if (file.read(buf, pos + buf.position()) < 0) {
                    throw new IOException("the file ended at " + (pos + buf.position()) + " bytes while " + (pos + length)
                            + " were in place");
                }
            }
            buf.flip();
            digest.update(buf);
            return length;
        }

        byte[] await() throws IOException {
            try {
                done.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while waiting for the " + digest.getAlgorithm() + " digest");
            }
            IOException f = failure;
            if (f != null) {
                throw new IOException("reading the image back for its " + digest.getAlgorithm() + " digest failed: " + f.getMessage(), f);
            }
            return result;
        }
    }
}

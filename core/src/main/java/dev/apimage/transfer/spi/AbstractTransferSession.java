package dev.apimage.transfer.spi;

import dev.apimage.internal.Durations;
import dev.apimage.time.NanoClock;
import dev.apimage.image.ImageDigests;
import dev.apimage.transfer.BlockSink;
import dev.apimage.transfer.BlockSinkException;
import dev.apimage.transfer.FailureReason;
import dev.apimage.transfer.RemoteFile;
import dev.apimage.transfer.TransferException;
import dev.apimage.transfer.TransferListener;
import dev.apimage.transfer.TransferOptions;
import dev.apimage.transfer.TransferProgress;
import dev.apimage.transfer.TransferResult;
import dev.apimage.transfer.TransferSession;
import dev.apimage.transfer.UriRedaction;
import java.io.IOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The bookkeeping every {@link TransferSession} shares, so a transport writes only its protocol:
 * the future, listeners and throttled progress, in-order offsets, digests, size checks, the
 * connect and idle watchdog, cancellation, and the mapping of sink failures to reasons.
 *
 * <p>A subclass implements {@link #doStart()} (begin the protocol; return without blocking) and
 * {@link #onStop()} (release everything; called exactly once). From its transport thread it calls
 * {@link #markConnected()} when the server first answers, {@link #announceSize(long)} when the
 * size is known, {@link #deliver(ByteBuffer)} for each block in order, and {@link #succeed()} or
 * {@link #fail(FailureReason, String, Throwable)} at the end. The watchdog fails the transfer with
 * {@link FailureReason#TIMED_OUT} when no answer comes within
 * {@link TransferOptions#CONNECT_TIMEOUT}, or no block within {@link TransferOptions#IDLE_TIMEOUT}.
 *
 * <p>{@link #deliver(ByteBuffer)} allocates nothing per block: digests reuse their scratch space
 * and progress snapshots are made at most once per {@link TransferOptions#PROGRESS_INTERVAL}.
 */
public abstract class AbstractTransferSession implements TransferSession {

    private static final Logger LOG = LoggerFactory.getLogger(AbstractTransferSession.class);

    private final URI uri;
    private final String redactedUri;
    private final TransferOptions options;
    private final List<TransferListener> listeners = new CopyOnWriteArrayList<>();
    private final CompletableFuture<TransferResult> future = new CompletableFuture<>();
    private final AtomicBoolean started = new AtomicBoolean();
    private final AtomicBoolean stopped = new AtomicBoolean();
    private final long startOffset;
    private final long connectTimeoutNanos;
    private final long idleTimeoutNanos;
    private final long progressIntervalNanos;
    private final ImageDigests.Hasher hasher;
    private boolean anyOrder; // set once blocks were delivered out of order: no streaming digest

    private BlockSink sink;
    private volatile long size = -1;
    private volatile long bytes;
    private volatile long startNanos;
    private volatile long lastActivityNanos;
    private volatile boolean connected;
    private volatile FailureReason failure;
    private long lastReportNanos;
    private volatile NanoClock.Timer watchdog;
    private final NanoClock clock;

    /**
     * Prepares the session.
     *
     * @param uri the file
     * @param options the settings; {@link TransferOptions#START_OFFSET} must not be negative
     */
    protected AbstractTransferSession(URI uri, TransferOptions options) {
        this.uri = Objects.requireNonNull(uri, "uri");
        this.options = Objects.requireNonNull(options, "options");
        this.redactedUri = UriRedaction.redact(uri);
        this.clock = options.find(TransferOptions.CLOCK).orElse(NanoClock.system());
        this.startOffset = options.get(TransferOptions.START_OFFSET);
        if (startOffset < 0) {
            throw new IllegalArgumentException("start offset must not be negative: " + startOffset);
        }
        this.connectTimeoutNanos = positive(options.get(TransferOptions.CONNECT_TIMEOUT), "connect timeout");
        this.idleTimeoutNanos = positive(options.get(TransferOptions.IDLE_TIMEOUT), "idle timeout");
        this.progressIntervalNanos = options.get(TransferOptions.PROGRESS_INTERVAL).toNanos();
        this.hasher = startOffset == 0 && options.get(TransferOptions.COMPUTE_DIGESTS) ? new ImageDigests.Hasher() : null;
    }

    private static long positive(Duration d, String what) {
        return Durations.positive(d, what).toNanos();
    }

    /**
     * Begins the protocol. Must not block for long: network work belongs on the transport's own
     * threads. A thrown exception fails the transfer.
     *
     * @throws IOException when the transfer cannot begin
     */
    protected abstract void doStart() throws IOException;

    /** Releases the session's resources; called exactly once, after the end or on close. */
    protected abstract void onStop();

    @Override
    public final URI uri() {
        return uri;
    }

    @Override
    public final String redactedUri() {
        return redactedUri;
    }

    /**
     * The session's settings.
     *
     * @return the options
     */
    protected final TransferOptions options() {
        return options;
    }

    /**
     * The offset the first delivered block lands at.
     *
     * @return {@link TransferOptions#START_OFFSET}
     */
    protected final long startOffset() {
        return startOffset;
    }

    @Override
    public final TransferSession addListener(TransferListener listener) {
        listeners.add(Objects.requireNonNull(listener, "listener"));
        return this;
    }

    @Override
    public final CompletableFuture<TransferResult> start(BlockSink sink) {
        Objects.requireNonNull(sink, "sink");
        if (!started.compareAndSet(false, true)) {
            throw new IllegalStateException("transfer of " + redactedUri + " already started");
        }
        if (stopped.get()) {
            fail(FailureReason.CANCELLED, "session closed before start", null);
            return future;
        }
        this.sink = sink;
        long now = clock.nanoTime();
        startNanos = now;
        lastActivityNanos = now;
        lastReportNanos = now;
        long period = Math.max(TimeUnit.MILLISECONDS.toNanos(50), Math.min(idleTimeoutNanos, connectTimeoutNanos) / 8);
        watchdog = clock.repeat(this::checkTimeouts, period);
        try {
            doStart();
        } catch (TransferException e) {
            fail(e.reason(), e.detail().orElse(null), e);
        } catch (IOException | RuntimeException e) {
            fail(FailureReason.IO_ERROR, e.getMessage(), e);
        }
        return future;
    }

    private void checkTimeouts() {
        if (future.isDone()) {
            return;
        }
        long now = clock.nanoTime();
        if (!connected) {
            if (now - startNanos > connectTimeoutNanos) {
                fail(FailureReason.TIMED_OUT, "no answer within " + seconds(connectTimeoutNanos), null);
            }
        } else if (now - lastActivityNanos > idleTimeoutNanos) {
            fail(FailureReason.TIMED_OUT, "no progress for " + seconds(idleTimeoutNanos), null);
        }
    }

    private static String seconds(long nanos) {
        return Duration.ofNanos(nanos).toMillis() / 1000.0 + " s";
    }

    /** Records that the server answered: from now on the idle timeout applies, not the connect timeout. */
    protected final void markConnected() {
        lastActivityNanos = clock.nanoTime();
        connected = true;
    }

    /** Records activity that is not a block (a keep-alive answer, a negotiation step). */
    protected final void touch() {
        lastActivityNanos = clock.nanoTime();
    }

    /**
     * Records the file's size and tells the sink.
     *
     * @param totalSize the whole file's size in bytes
     * @throws TransferException when the sink refuses it; the transfer has then failed
     */
    protected final void announceSize(long totalSize) throws TransferException {
        announceFile(RemoteFile.ofSize(totalSize));
    }

    /**
     * Records what the server says about the file (size, and modification time where the protocol
     * gives one) and tells the sink.
     *
     * @param file the server's description of the file
     * @throws TransferException when the sink refuses it; the transfer has then failed
     */
    protected final void announceFile(RemoteFile file) throws TransferException {
        this.size = file.size();
        try {
            sink.expectFile(file);
        } catch (IOException e) {
            throw failFromSink(e);
        }
    }

    /**
     * Hands the next block to the sink, at the offset following the previous block.
     *
     * @param block the bytes from position to limit; a view of the transport's buffer
     * @throws TransferException when the sink failed or the transfer has already ended; the
     *     transport stops then (the future is already completed)
     */
    protected final void deliver(ByteBuffer block) throws TransferException {
        if (future.isDone()) {
            throw ended();
        }
        int n = block.remaining();
        long offset = startOffset + bytes;
        if (hasher != null) {
            hasher.update(block);
        }
        write(block, offset, n);
    }

    /** Writes one block to the sink and accounts for it: bytes, activity, throttled progress. */
    private void write(ByteBuffer block, long offset, int n) throws TransferException {
        try {
            sink.write(block, offset);
        } catch (IOException e) {
            throw failFromSink(e);
        }
        bytes += n;
        long now = clock.nanoTime();
        lastActivityNanos = now;
        connected = true;
        if (now - lastReportNanos >= progressIntervalNanos && !listeners.isEmpty()) {
            lastReportNanos = now;
            report(now);
        }
    }

    /**
     * Hands a block to the sink at an explicit offset, for transports that read several ranges at
     * once; only for sinks that {@linkplain BlockSink#acceptsAnyOrder() accept any order}. Calls are
     * serialised, so the sink sees one block at a time. The result then carries no digests (the
     * staging store computes them at commit).
     *
     * @param block the bytes from position to limit
     * @param offset where they belong in the file
     * @throws TransferException when the sink failed or the transfer has already ended
     */
    protected final void deliverAt(ByteBuffer block, long offset) throws TransferException {
        synchronized (this) {
            if (future.isDone()) {
                throw ended();
            }
            if (!sink.acceptsAnyOrder()) {
                throw new IllegalStateException("the sink needs blocks in order");
            }
            anyOrder = true;
            write(block, offset, block.remaining());
        }
    }

    /**
     * The sink this session writes to (available once started), for transports that must ask it
     * about {@link BlockSink#acceptsAnyOrder()}.
     *
     * @return the sink
     */
    protected final BlockSink sink() {
        return sink;
    }

    /**
     * The transfer's clock ({@link TransferOptions#CLOCK}, real time when unset); its tasks run on
     * a shared timer thread.
     *
     * @return the clock
     */
    protected final NanoClock clock() {
        return clock;
    }

    /**
     * The transfer's clock with its tasks run on a given executor, for protocol code confined to
     * an event loop: real time on that loop, or the {@link TransferOptions#CLOCK} set, handing its
     * tasks to the loop.
     *
     * @param loop the executor the protocol runs on
     * @return the clock
     */
    protected final NanoClock clockOn(ScheduledExecutorService loop) {
        return options.isSet(TransferOptions.CLOCK) ? clock.handingTo(loop) : NanoClock.on(loop);
    }

    private TransferException ended() {
        try {
            future.getNow(null);
        } catch (java.util.concurrent.CompletionException e) {
            if (e.getCause() instanceof TransferException te) {
                return te;
            }
        } catch (java.util.concurrent.CancellationException e) {
            // fall through
        }
        return new TransferException(FailureReason.CANCELLED, redactedUri);
    }

    private TransferException failFromSink(IOException e) {
        FailureReason reason;
        if (e instanceof BlockSinkException bse) {
            reason = bse.reason();
        } else if (e.getMessage() != null && e.getMessage().contains("No space left on device")) {
            reason = FailureReason.NO_SPACE;
        } else {
            reason = FailureReason.IO_ERROR;
        }
        fail(reason, e.getMessage(), e);
        return ended();
    }

    /** Completes the transfer: checks the size when known, reports, and completes the future. */
    protected final synchronized void succeed() {
        if (future.isDone()) {
            return;
        }
        long total = startOffset + bytes;
        if (size >= 0 && total != size) {
            fail(FailureReason.INTEGRITY_MISMATCH, "received " + total + " of " + size + " bytes", null);
            return;
        }
        Optional<ImageDigests> digests = hasher == null || anyOrder ? Optional.empty() : Optional.of(hasher.finish());
        long now = clock.nanoTime();
        TransferResult result = new TransferResult(redactedUri, bytes, Duration.ofNanos(now - startNanos), digests);
        report(now);
        LOG.debug("transfer of {} complete: {} bytes", redactedUri, bytes);
        future.complete(result);
        stop();
    }

    /**
     * Fails the transfer; has no effect once it has ended. Safe from any thread.
     *
     * @param reason why
     * @param detail more words, or null; must not hold a secret
     * @param cause the underlying failure, or null
     */
    protected final void fail(FailureReason reason, String detail, Throwable cause) {
        if (future.isDone()) {
            return;
        }
        TransferException e = new TransferException(reason, redactedUri, detail, cause);
        failure = reason;
        LOG.debug("transfer failed: {}", e.getMessage()); // before completing: waiters see the line
        future.completeExceptionally(e);
        stop();
    }

    /**
     * Why the transfer failed, for {@link #onStop()} to decide how much to tear down (a stalled
     * server's connection, say, but not a connection shared with others on a mere cancel).
     *
     * @return the reason, or null while running or after success
     */
    protected final FailureReason failureReason() {
        return failure;
    }

    /**
     * Tells whether the transfer has ended (completed, failed or cancelled).
     *
     * @return true once the future is done
     */
    protected final boolean isEnded() {
        return future.isDone();
    }

    private void stop() {
        if (stopped.compareAndSet(false, true)) {
            NanoClock.Timer w = watchdog;
            if (w != null) {
                w.cancel();
            }
            try {
                onStop();
            } catch (RuntimeException e) {
                LOG.warn("releasing the transfer of {} failed: {}", redactedUri, e.toString());
            }
        }
    }

    private void report(long now) {
        if (listeners.isEmpty()) {
            return;
        }
        TransferProgress p = snapshot(now);
        for (TransferListener l : listeners) {
            try {
                l.onProgress(p);
            } catch (RuntimeException e) {
                LOG.warn("progress listener failed: {}", e.toString());
            }
        }
    }

    private TransferProgress snapshot(long now) {
        long elapsed = startNanos == 0 ? 0 : now - startNanos;
        double rate = elapsed > 0 ? bytes * 1e9 / elapsed : 0;
        long total = size < 0 ? -1 : size - startOffset;
        return new TransferProgress(bytes, total, Duration.ofNanos(elapsed), rate);
    }

    @Override
    public final OptionalLong size() {
        long s = size;
        return s < 0 ? OptionalLong.empty() : OptionalLong.of(s);
    }

    @Override
    public final TransferProgress progress() {
        return snapshot(clock.nanoTime());
    }

    @Override
    public final void cancel() {
        fail(FailureReason.CANCELLED, null, null);
    }

    @Override
    public final void close() {
        if (started.get()) {
            cancel();
        } else {
            stop();
        }
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "[" + redactedUri + ", " + bytes + " bytes"
                + (future.isDone() ? ", ended" : "") + "]";
    }
}

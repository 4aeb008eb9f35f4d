package dev.apimage.transfer;

import java.net.URI;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;

/**
 * One download of one remote file, obtained from {@link Transports#open(URI, TransferOptions)}.
 *
 * <p>Life: register listeners, {@link #start(BlockSink)} once, then wait on the returned future.
 * Blocks reach the sink in file order. The future completes with a {@link TransferResult}, or
 * exceptionally with a {@link TransferException} naming the {@link FailureReason}; it is never
 * left pending past the configured connect and idle timeouts. {@link #cancel()} ends the transfer
 * with {@link FailureReason#CANCELLED}; {@link #close()} cancels a running transfer and releases
 * what the session holds.
 */
public interface TransferSession extends AutoCloseable {

    /**
     * The URI being downloaded. May hold a user name: show {@link #redactedUri()} instead.
     *
     * @return the URI
     */
    URI uri();

    /**
     * The URI as logs may show it.
     *
     * @return the redacted URI
     */
    default String redactedUri() {
        return UriRedaction.redact(uri());
    }

    /**
     * Adds a progress listener; call before {@link #start(BlockSink)}.
     *
     * @param listener the listener
     * @return this session
     */
    TransferSession addListener(TransferListener listener);

    /**
     * Starts the transfer. Returns at once; the work runs on the transport's threads.
     *
     * @param sink where the blocks go
     * @return completes with the result or a {@link TransferException}
     * @throws IllegalStateException when called twice
     */
    CompletableFuture<TransferResult> start(BlockSink sink);

    /**
     * The file's size, once the protocol has told it.
     *
     * @return the size, or empty while unknown
     */
    OptionalLong size();

    /**
     * The current progress.
     *
     * @return a snapshot
     */
    TransferProgress progress();

    /** Ends the transfer with {@link FailureReason#CANCELLED}; no effect once it has ended. */
    void cancel();

    /** Cancels a running transfer and releases the session's resources. */
    @Override
    void close();
}

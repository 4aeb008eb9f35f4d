package dev.apimage.transfer.spi;

import dev.apimage.transfer.TransferException;
import dev.apimage.transfer.TransferOptions;
import dev.apimage.transfer.TransferSession;
import java.net.URI;

/**
 * A transport for one URI scheme ({@code file}, {@code tftp}, {@code sftp}, or a third party's
 * {@code https}). Found by {@link java.util.ServiceLoader}: a jar registers its implementation in
 * {@code META-INF/services/dev.apimage.transfer.spi.TransportProvider}.
 *
 * <p>Construction must be cheap and side-effect free (every provider on the class path is
 * instantiated during discovery); heavy resources such as event loops or SSH sessions are made on
 * first {@link #open(URI, TransferOptions)} and released by the sessions or by {@link #close()}.
 * {@link AbstractTransferSession} does the bookkeeping common to all sessions.
 */
public interface TransportProvider extends AutoCloseable {

    /**
     * The URI scheme this provider serves.
     *
     * @return the lower-case scheme, for example {@code tftp}
     */
    String scheme();

    /**
     * A one-line description for listings ({@code apimage} tools, error messages).
     *
     * @return the description
     */
    default String description() {
        return getClass().getName();
    }

    /**
     * Prepares a download. Should not block on the network; connecting happens after
     * {@link TransferSession#start}.
     *
     * @param uri the file, with this provider's scheme
     * @param options the settings
     * @return a session not yet started
     * @throws TransferException when the URI is not usable with this transport
     */
    TransferSession open(URI uri, TransferOptions options) throws TransferException;

    /** Releases shared resources (thread pools, pooled connections). Default: nothing. */
    @Override
    default void close() {
    }
}

package dev.apimage.transfer;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * Where a {@link TransferSession} puts the blocks of a file: in order, unless the sink says it
 * {@linkplain #acceptsAnyOrder() accepts any order}, in which case a transport may read several
 * ranges at once and hand over their blocks interleaved (still one call at a time).
 *
 * <p>The buffer handed to {@link #write(ByteBuffer, long)} is a view of the transport's own
 * buffer (a slice of the received datagram, a region of a read buffer): it is valid only during
 * the call, and its bytes are those between position and limit. A sink consumes it there (for
 * example with a positional {@code FileChannel.write}); it never needs to copy it into an array,
 * and must copy it if it wants to keep it.
 */
@FunctionalInterface
public interface BlockSink {

    /**
     * Takes one block.
     *
     * @param block the block's bytes, from position to limit; the sink may move the position
     * @param offset the block's offset in the file
     * @throws IOException when the block cannot be stored; a {@link BlockSinkException} names the
     *     reason the transfer fails with
     */
    void write(ByteBuffer block, long offset) throws IOException;

    /**
     * Told the file's size as soon as the transport knows it, before the first block where the
     * protocol allows. A sink that cannot hold that much throws here, before any byte moves.
     *
     * @param size the file's size in bytes
     * @throws IOException when the sink cannot take a file of that size
     */
    default void expectSize(long size) throws IOException {
    }

    /**
     * Told what the server says about the file (its size, and its modification time where the
     * protocol gives one) as soon as the transport knows it, before the first block. The default
     * passes the size on to {@link #expectSize(long)}; a sink that overrides this is not told
     * {@link #expectSize(long)} separately.
     *
     * @param file the server's description of the file
     * @throws IOException when the sink cannot or will not take that file
     */
    default void expectFile(RemoteFile file) throws IOException {
        expectSize(file.size());
    }

    /**
     * Whether blocks may arrive in any order (each with its offset, one call at a time), which lets
     * a transport read parallel ranges. A sink that writes at offsets (a staging file) can; one that
     * streams onwards (a relay) cannot. Default false.
     *
     * @return true when any order is fine
     */
    default boolean acceptsAnyOrder() {
        return false;
    }
}

package dev.apimage.tftp;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.util.internal.PlatformDependent;
import java.io.IOException;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;

/**
 * A served file mapped into memory once per transfer, in segments of at most 1 GiB. Each DATA
 * payload is copied from the mapping straight into the packet's pooled direct buffer: no read
 * system call on the event loop and nothing allocated per block.
 */
final class MappedFileSource implements WindowedSender.Source, AutoCloseable {

    private static final long SEGMENT = 1L << 30;

    private final long size;
    private final MappedByteBuffer[] maps;
    private final ByteBuf[] views;
    private boolean closed;

    /** Maps an open file and closes the channel (the mapping outlives it). */
    MappedFileSource(FileChannel channel) throws IOException {
        try (FileChannel ch = channel) {
            size = ch.size();
            int n = (int) ((size + SEGMENT - 1) / SEGMENT);
            maps = new MappedByteBuffer[n];
            views = new ByteBuf[n];
            for (int i = 0; i < n; i++) {
                long pos = i * SEGMENT;
                maps[i] = ch.map(FileChannel.MapMode.READ_ONLY, pos, Math.min(SEGMENT, size - pos));
                views[i] = Unpooled.wrappedBuffer(maps[i]);
            }
        }
    }

    long size() {
        return size;
    }

    @Override
    public void read(ByteBuf out, long offset, int length) {
        if (closed) {
            throw new IllegalStateException("file source closed");
        }
        int seg = (int) (offset / SEGMENT);
        int at = (int) (offset % SEGMENT);
        int first = (int) Math.min(length, SEGMENT - at);
        out.writeBytes(views[seg], at, first);
        if (first < length) {
            out.writeBytes(views[seg + 1], 0, length - first);
        }
    }

    @Override
    public void close() {
        closed = true;
        for (int i = 0; i < maps.length; i++) {
            if (maps[i] != null) {
                // Unmap now rather than at some later GC; the file may be replaced meanwhile.
                PlatformDependent.freeDirectBuffer(maps[i]);
                maps[i] = null;
            }
        }
    }
}

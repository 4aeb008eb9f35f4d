package dev.apimage.transfer.internal;

import dev.apimage.internal.DaemonThreads;
import dev.apimage.transfer.FailureReason;
import dev.apimage.transfer.RemoteFile;
import dev.apimage.transfer.TransferException;
import dev.apimage.transfer.TransferOptions;
import dev.apimage.transfer.spi.AbstractTransferSession;
import java.io.IOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;

/** Reads one local file on a thread of its own, one direct buffer reused for every block. */
final class FileTransferSession extends AbstractTransferSession {

    private final Path file;
    private final int blockSize;

    FileTransferSession(URI uri, Path file, int blockSize, TransferOptions options) {
        super(uri, options);
        this.file = file;
        this.blockSize = blockSize;
    }

    @Override
    protected void doStart() {
        DaemonThreads.start("apimage-file-transfer", this::run);
    }

    private void run() {
        if (Files.isDirectory(file)) {
            fail(FailureReason.NOT_FOUND, "is a directory", null);
            return;
        }
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            markConnected();
            long size = ch.size();
            if (startOffset() > size) {
                fail(FailureReason.PROTOCOL_ERROR, "start offset " + startOffset() + " is past the end (" + size + " bytes)", null);
                return;
            }
            announceFile(new RemoteFile(size, Optional.of(Files.getLastModifiedTime(file).toInstant())));
            ByteBuffer buf = ByteBuffer.allocateDirect(blockSize);
            long pos = startOffset();
            while (pos < size && !isEnded()) {
                buf.clear();
                if (size - pos < blockSize) {
                    buf.limit((int) (size - pos));
                }
                int n = ch.read(buf, pos);
                if (n < 0) {
                    break; // the file shrank; succeed() reports the size mismatch
                }
                buf.flip();
                deliver(buf);
                pos += n;
            }
            succeed();
        } catch (TransferException e) {
            // deliver() or announceSize() already failed the transfer.
        } catch (NoSuchFileException e) {
            fail(FailureReason.NOT_FOUND, null, e);
        } catch (AccessDeniedException e) {
            fail(FailureReason.ACCESS_DENIED, null, e);
        } catch (IOException e) {
            fail(FailureReason.IO_ERROR, e.getMessage(), e);
        }
    }

    @Override
    protected void onStop() {
        // Nothing to release: the worker checks isEnded() before every block and closes the file
        // itself. It is not interrupted, since an interrupt would close the sink's channels too.
    }
}

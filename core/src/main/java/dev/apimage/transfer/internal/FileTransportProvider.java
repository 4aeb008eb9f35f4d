package dev.apimage.transfer.internal;

import dev.apimage.transfer.FailureReason;
import dev.apimage.transfer.TransferException;
import dev.apimage.transfer.TransferOption;
import dev.apimage.transfer.TransferOptions;
import dev.apimage.transfer.TransferSession;
import dev.apimage.transfer.UriRedaction;
import dev.apimage.transfer.spi.TransportProvider;
import java.net.URI;
import java.nio.file.Path;

/**
 * The {@code file} transport: a local directory as image server ({@code file:///srv/EWC/17_9_4a/ap1g8}).
 * The simplest provider, used by tests and the model for third-party providers: a cheap
 * constructor, a session per file, the work on a thread of its own, the bookkeeping in
 * {@link dev.apimage.transfer.spi.AbstractTransferSession}.
 */
public final class FileTransportProvider implements TransportProvider {

    /** Bytes read per block. Default 64 KiB. */
    public static final TransferOption<Integer> BLOCK_SIZE = TransferOption.inRange("file.block.size", 64 * 1024, 1, 16 << 20);

    /** Creates the provider (called by {@link java.util.ServiceLoader}). */
    public FileTransportProvider() {
    }

    @Override
    public String scheme() {
        return "file";
    }

    @Override
    public String description() {
        return "local files (file:///path)";
    }

    @Override
    public TransferSession open(URI uri, TransferOptions options) throws TransferException {
        if (!"file".equalsIgnoreCase(uri.getScheme()) || uri.getPath() == null || uri.getPath().isEmpty()) {
            throw new TransferException(FailureReason.PROTOCOL_ERROR, UriRedaction.redact(uri),
                    "not a file URI with a path", null);
        }
        if (uri.getHost() != null && !uri.getHost().isEmpty() && !uri.getHost().equals("localhost")) {
            throw new TransferException(FailureReason.PROTOCOL_ERROR, UriRedaction.redact(uri),
                    "file URIs name local files only (no host)", null);
        }
        return new FileTransferSession(uri, Path.of(uri.getPath()), options.get(BLOCK_SIZE), options);
    }
}

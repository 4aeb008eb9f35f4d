package dev.apimage.transfer;

/**
 * Receives progress reports of a {@link TransferSession}, at most once per
 * {@link TransferOptions#PROGRESS_INTERVAL} and once more at the end. Called on the transport's
 * thread: keep it short and never block.
 */
@FunctionalInterface
public interface TransferListener {

    /**
     * A progress report.
     *
     * @param progress the snapshot
     */
    void onProgress(TransferProgress progress);
}

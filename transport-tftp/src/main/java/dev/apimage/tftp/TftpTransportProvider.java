package dev.apimage.tftp;

import dev.apimage.transfer.FailureReason;
import dev.apimage.transfer.TransferException;
import dev.apimage.transfer.TransferOptions;
import dev.apimage.transfer.TransferSession;
import dev.apimage.transfer.UriRedaction;
import dev.apimage.transfer.spi.TransportProvider;
import io.netty.channel.EventLoopGroup;
import java.net.URI;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The {@code tftp} transport: downloads {@code tftp://host[:port]/path} with RFC 2347 option
 * negotiation ({@link TftpOptions}), falling back to plain RFC 1350 (512-byte lockstep) when the
 * server ignores options. Its event loops and the executor that feeds the sinks are made on the
 * first {@link #open} and are daemon threads; {@link #close()} stops them.
 */
public final class TftpTransportProvider implements TransportProvider {

    private EventLoopGroup group;
    private ExecutorService sinkExecutor;

    /** Creates the provider (called by {@link java.util.ServiceLoader}); allocates nothing. */
    public TftpTransportProvider() {
    }

    @Override
    public String scheme() {
        return "tftp";
    }

    @Override
    public String description() {
        return "TFTP client, RFC 1350/2347/2348/2349/7440 (tftp://host[:port]/path)";
    }

    @Override
    public TransferSession open(URI uri, TransferOptions options) throws TransferException {
        String redacted = UriRedaction.redact(uri);
        if (uri.getHost() == null || uri.getPath() == null || uri.getPath().isEmpty() || uri.getPath().equals("/")) {
            throw new TransferException(FailureReason.PROTOCOL_ERROR, redacted,
                    "a TFTP URI needs a host and a file: tftp://host[:port]/path/file", null);
        }
        return new TftpClientSession(uri, options, group(), sinkExecutor);
    }

    /** The event loops, made on first use; package-private for a test. */
    synchronized EventLoopGroup group() {
        if (group == null) {
            int threads = Math.max(2, Runtime.getRuntime().availableProcessors());
            group = UdpTransport.group(threads, "apimage-tftp-client");
            sinkExecutor = dev.apimage.internal.DaemonThreads.workerPool("apimage-tftp-sink", threads);
        }
        return group;
    }

    /**
     * Stops the event loops and the sink executor; waits up to a second for the event loops to end
     * (unless called from one of them). A JVM that exits while a thread still waits in
     * {@code epoll_wait} spends 300 ms waiting for it (HotSpot's exit waits for threads in native
     * code), so the tool closes its transports first.
     */
    @Override
    public synchronized void close() {
        if (group != null) {
            io.netty.util.concurrent.Future<?> stopped = group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            sinkExecutor.shutdown();
            boolean onLoop = false;
            for (io.netty.util.concurrent.EventExecutor e : group) {
                onLoop |= e.inEventLoop();
            }
            if (!onLoop) {
                stopped.awaitUninterruptibly(1, TimeUnit.SECONDS);
            }
            group = null;
            sinkExecutor = null;
        }
    }
}

package dev.apimage.simulator;

import dev.apimage.cache.ImageCache.CachedImage;
import dev.apimage.capwap.ApImageSettings;
import dev.apimage.capwap.CapwapImageStateMachine;
import dev.apimage.capwap.CapwapImageStreamer;
import dev.apimage.image.ImageType;
import dev.apimage.image.ImageVersion;
import dev.apimage.staging.StagingArea;
import dev.apimage.transfer.FailureReason;
import dev.apimage.transfer.TransferException;
import dev.apimage.upgrade.PlannedAp;
import dev.apimage.upgrade.PredownloadDriver;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * A lab network for {@link dev.apimage.upgrade.NetworkUpgrade}: the controller's
 * {@link CapwapImageStreamer} on a UDP port, and for every predownload a {@link SimulatedAp} that
 * requests its image over real CAPWAP and stores it in its own staging directory.
 *
 * <p>The streamer serves exactly the images the upgrade hands over (already in the controller's
 * cache), so each type is fetched from the image server once however many APs take it. Starting
 * the simulated AP stands in for the controller's order to predownload.
 */
public final class SimulatedNetwork implements PredownloadDriver, AutoCloseable {

    private final Path apRoot;
    private final ImageVersion controllerVersion;
    private final Map<ImageType, CachedImage> served = new ConcurrentHashMap<>();
    private final Map<String, Long> capacity = new ConcurrentHashMap<>();
    private final EventLoopGroup apGroup;
    /** Closes finished simulated APs (a close waits for its socket's teardown): not the common pool's work. */
    private final java.util.concurrent.ExecutorService closer = dev.apimage.internal.DaemonThreads.workerPool("apimage-simulated-ap-close", 1);
    /** The simulated APs' staging writes: plain threads that may block, never the sockets' loops. */
    private final EventLoopGroup apDisks = SimulatedAp.diskThreads(2, "apimage-simulated-ap-disk");
    private final CapwapImageStreamer controller;

    /**
     * Starts the controller side.
     *
     * @param controllerAddress where the controller listens for CAPWAP (port 0 for any)
     * @param apRoot where each AP gets a staging directory named after it
     * @param controllerVersion the version the controller runs (what the APs compare with)
     * @param streamerSettings further settings of the streamer (block size, retransmission), or null
     * @throws IOException when the controller's port cannot be bound
     */
    public SimulatedNetwork(InetSocketAddress controllerAddress, Path apRoot, ImageVersion controllerVersion,
            java.util.function.UnaryOperator<CapwapImageStreamer.Builder> streamerSettings) throws IOException {
        this.apRoot = Objects.requireNonNull(apRoot, "apRoot");
        this.controllerVersion = Objects.requireNonNull(controllerVersion, "controllerVersion");
        CapwapImageStreamer.Builder b = CapwapImageStreamer.builder().address(controllerAddress).images(type -> {
            CachedImage image = served.get(type);
            return image != null ? CompletableFuture.completedFuture(image)
                    : CompletableFuture.failedFuture(new TransferException(FailureReason.NOT_FOUND,
                            "controller image cache: " + type));
        }).maxSessionsPerAddress(10_000).maxSessions(10_000); // the simulated APs all share one loopback address
        this.controller = (streamerSettings == null ? b : streamerSettings.apply(b)).start();
        this.apGroup = new MultiThreadIoEventLoopGroup(2, new DefaultThreadFactory("apimage-simulated-aps", true),
                NioIoHandler.newFactory());
    }

    /**
     * The controller's streamer (its address, the status of every AP it serves).
     *
     * @return the streamer
     */
    public CapwapImageStreamer controller() {
        return controller;
    }

    /**
     * Gives one AP a small staging area, to show a failed PRECHECK.
     *
     * @param apName the AP
     * @param bytes its staging capacity
     */
    public void limitStaging(String apName, long bytes) {
        capacity.put(apName, bytes);
    }

    /**
     * The directory where an AP stores its images.
     *
     * @param apName the AP
     * @return its staging directory
     */
    public Path stagingOf(String apName) {
        return apRoot.resolve(apName.replaceAll("[^A-Za-z0-9._-]", "_"));
    }

    @Override
    public CompletableFuture<Void> predownload(PlannedAp ap, CachedImage image, PredownloadDriver.Listener progress) {
        ImageType type = ap.imageType().orElseThrow();
        served.put(type, image);
        CompletableFuture<Void> result = new CompletableFuture<>();
        SimulatedAp sim;
        try {
            String name = ap.ap().name();
            StagingArea area = StagingArea.open(stagingOf(name), capacity.getOrDefault(name, Long.MAX_VALUE));
            ApImageSettings settings = new ApImageSettings(name, type, ap.ap().primaryVersion(), ap.ap().backupVersion(),
                    java.util.Optional.of(controllerVersion), ApImageSettings.VENDOR_AIRESPACE, 0,
                    java.time.Duration.ofSeconds(1), 5, java.time.Duration.ofSeconds(30), java.time.Duration.ofSeconds(30));
            sim = SimulatedAp.start(settings, area, controller.localAddress(), apGroup, apDisks, new CapwapImageStateMachine.Listener() {
                @Override
                public void onProgress(long bytes, long total) {
                    progress.onProgress(bytes, total);
                }
            });
        } catch (IOException | RuntimeException e) {
            result.completeExceptionally(e);
            return result;
        }
        sim.outcome().whenComplete((o, e) -> {
            if (o != null && o.succeeded()) {
                result.complete(null);
            } else {
                result.completeExceptionally(new IOException(o == null ? String.valueOf(e) : o.reason().orElse("aborted")));
            }
            closer.execute(sim::close);
        });
        result.whenComplete((ok, e) -> {
            if (result.isCancelled()) {
                closer.execute(sim::close);
            }
        });
        return result;
    }

    /** Stops the controller and the simulated APs. */
    @Override
    public void close() {
        closer.shutdown();
        try {
            closer.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        controller.close();
        apGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        apDisks.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }
}

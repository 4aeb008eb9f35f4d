package dev.apimage.bench;

import dev.apimage.cache.ImageCache;
import dev.apimage.capwap.ApImageOutcome;
import dev.apimage.capwap.ApImageSettings;
import dev.apimage.capwap.CapwapImageStreamer;
import dev.apimage.image.ImageType;
import dev.apimage.image.ImageVersion;
import dev.apimage.simulator.SampleBundle;
import dev.apimage.simulator.SimulatedAp;
import dev.apimage.staging.StagingArea;
import dev.apimage.transfer.TransferOptions;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/**
 * One image over CAPWAP on loopback to 1 AP and to N APs at once: the time, the aggregate rate,
 * and the controller's heap. The controller runs in its own JVM ({@code -Xmx256m}) so its heap is
 * measured alone: the peak of the heap in use after each garbage collection during the run (the
 * live data at its highest, sampled every 20 ms), and what stays used after a full GC once every AP
 * is done (what the controller keeps).
 *
 * <pre>java -cp benchmarks/target/benchmarks.jar dev.apimage.bench.CapwapLoopbackBench [--size BYTES] [--aps 1,50]</pre>
 */
public final class CapwapLoopbackBench {

    private CapwapLoopbackBench() {
    }

    /**
     * Runs the benchmark, or (with {@code controller DIR}) the controller side of it.
     *
     * @param args {@code [--size BYTES] [--aps 1,50]}
     * @throws Exception when a run fails
     */
    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("controller")) {
            controller(Path.of(args[1]));
            return;
        }
        long size = 70_512_640L;
        String aps = "1,50";
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--size" -> size = Long.parseLong(args[i + 1]);
                case "--aps" -> aps = args[i + 1];
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        Path work = Files.createTempDirectory("apimage-capwap-bench");
        try {
            Path bundle = Files.createDirectories(work.resolve("bundle"));
            SampleBundle.writeImage(bundle.resolve("ap1g8"), size, false, 8);
            System.out.printf(Locale.ROOT, "CAPWAP loopback: one %,d-byte image, 1024-byte blocks, stop-and-wait per AP%n", size);
            System.out.printf(Locale.ROOT, "%5s %9s %12s %12s %22s %20s%n", "APs", "seconds", "MB/s per AP", "MB/s total",
                    "controller live peak", "controller retained");
            for (String n : aps.split(",")) {
                run(work, bundle, Integer.parseInt(n.trim()), size);
            }
        } finally {
            try (Stream<Path> s = Files.walk(work)) {
                s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private static void run(Path work, Path bundle, int count, long size) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process controller = new ProcessBuilder(java, "-Xmx256m", "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
                "-cp", System.getProperty("java.class.path"), CapwapLoopbackBench.class.getName(), "controller", bundle.toString())
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        BufferedReader fromController = new BufferedReader(new InputStreamReader(controller.getInputStream(), StandardCharsets.UTF_8));
        PrintStream toController = new PrintStream(controller.getOutputStream(), true, StandardCharsets.UTF_8);
        String ready = fromController.readLine();
        if (ready == null || !ready.startsWith("READY ")) {
            throw new IllegalStateException("controller did not start: " + ready);
        }
        InetSocketAddress address = new InetSocketAddress("127.0.0.1", Integer.parseInt(ready.substring(6)));
        EventLoopGroup io = new MultiThreadIoEventLoopGroup(Integer.getInteger("apThreads", 1), NioIoHandler.newFactory());
        // The simulated APs' staging writes run on plain disk threads, never on the sockets' loop.
        EventLoopGroup workers = SimulatedAp.diskThreads(Integer.getInteger("workers", 2), "bench-ap-disk");
        List<SimulatedAp> aps = new ArrayList<>();
        try {
            long start = System.nanoTime();
            for (int i = 0; i < count; i++) {
                StagingArea staging = StagingArea.open(work.resolve("run" + count).resolve("ap" + i));
                aps.add(SimulatedAp.start(ApImageSettings.of(String.format("AP%04d", i), ImageType.AP1G8, ImageVersion.parse("17.3.3.26"))
                        .withControllerVersion(ImageVersion.parse("17.9.4.27")), staging, address, io, workers, null));
            }
            CompletableFuture.allOf(aps.stream().map(SimulatedAp::outcome).toArray(CompletableFuture[]::new)).get(30, TimeUnit.MINUTES);
            double seconds = (System.nanoTime() - start) / 1e9;
            for (SimulatedAp ap : aps) {
                ApImageOutcome o = ap.outcome().join();
                if (!o.succeeded() || o.bytes() != size) {
                    throw new IllegalStateException("an AP failed: " + o);
                }
            }
            toController.println("REPORT");
            String report = fromController.readLine();
            String[] f = report.split(" ");
            System.out.printf(Locale.ROOT, "%5d %9.1f %12.1f %12.1f %19.1f MB %17.1f MB%n", count, seconds, size / seconds / 1e6 / 1,
                    size * (double) count / seconds / 1e6, Long.parseLong(f[1]) / 1e6, Long.parseLong(f[2]) / 1e6);
        } finally {
            for (SimulatedAp ap : aps) {
                ap.close();
            }
            io.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
            if (workers != null) {
                workers.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
            }
            controller.destroy();
            controller.waitFor(10, TimeUnit.SECONDS);
            try (Stream<Path> s = Files.walk(work.resolve("run" + count))) {
                s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    /** The controller JVM: serves the bundle, samples its heap, reports on request. */
    private static void controller(Path bundle) throws Exception {
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        AtomicLong peak = new AtomicLong();
        List<MemoryPoolMXBean> heapPools = ManagementFactory.getMemoryPoolMXBeans().stream()
                .filter(p -> p.getType() == MemoryType.HEAP && p.getCollectionUsage() != null).toList();
        Thread sampler = new Thread(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                long afterGc = 0;
                for (MemoryPoolMXBean p : heapPools) {
                    afterGc += p.getCollectionUsage().getUsed();
                }
                peak.accumulateAndGet(afterGc, Math::max);
                try {
                    Thread.sleep(20);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
        sampler.setDaemon(true);
        sampler.start();
        Path cacheDir = Files.createTempDirectory("apimage-capwap-cache");
        try (ImageCache cache = new ImageCache(StagingArea.open(cacheDir), TransferOptions.defaults());
                CapwapImageStreamer streamer = CapwapImageStreamer.builder().address(new InetSocketAddress("127.0.0.1", 0))
                        .images(type -> cache.fetch(type, bundle.resolve(type.name()).toUri(), null))
                        // Every simulated AP shares 127.0.0.1: lift the per-address cap meant for the field.
                        .maxSessions(100_000).maxSessionsPerAddress(100_000).start()) {
            System.out.println("READY " + streamer.localAddress().getPort());
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            if ("REPORT".equals(in.readLine())) {
                System.gc();
                Thread.sleep(200);
                System.gc();
                long retained = memory.getHeapMemoryUsage().getUsed();
                System.out.println("HEAP " + peak.get() + " " + retained + " " + streamer.status().size());
            }
        } finally {
            try (Stream<Path> s = Files.walk(cacheDir)) {
                s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }
}

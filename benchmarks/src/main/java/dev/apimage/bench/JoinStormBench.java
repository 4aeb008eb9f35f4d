package dev.apimage.bench;

import dev.apimage.cache.ImageCache;
import dev.apimage.capwap.ApImageOutcome;
import dev.apimage.capwap.CapwapController;
import dev.apimage.capwap.CapwapImageStateMachine;
import dev.apimage.capwap.CapwapImageStreamer;
import dev.apimage.capwap.CapwapWtpStateMachine;
import dev.apimage.capwap.DtlsSettings;
import dev.apimage.capwap.JoinPolicy;
import dev.apimage.capwap.PskKeys;
import dev.apimage.capwap.WtpSettings;
import dev.apimage.image.ImageType;
import dev.apimage.image.ImageVersion;
import dev.apimage.simulator.SampleBundle;
import dev.apimage.simulator.SimulatedAp;
import dev.apimage.simulator.SimulatedWtp;
import dev.apimage.staging.StagingArea;
import dev.apimage.transfer.Secret;
import dev.apimage.transfer.TransferOptions;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * A join storm: N simulated APs (default 1,000) discover and join one controller at once, then all
 * predownload a scaled image (RFC 5415, 9.1, Figure 8). Reported: how long until every AP had its
 * Join Response, the controller's heap per joined AP (its JVM alone, {@code -Xmx512m}: heap in use
 * after a full GC with the APs joined and running, minus the same before any joined, divided by N),
 * and the aggregate rate of the predownload (image bytes acknowledged by all APs over the wall time).
 *
 * <p>With {@code --dtls} every AP sets up a DTLS session with a pre-shared key first (RFC 5415, 2.4):
 * the join time then includes 1,000 handshakes, and the blocks travel encrypted. Also reported: the
 * controller's CPU time and allocated bytes per Image Data block served, from its event loop's
 * thread ({@code ThreadMXBean}) over the predownload, divided by the blocks sent, and the same over
 * the middle half of the blocks (the steady state, sampled every 500 ms).
 *
 * <pre>java -cp benchmarks/target/benchmarks.jar dev.apimage.bench.JoinStormBench [--aps 1000] [--size BYTES] [--dtls] [--discoveries PER_SECOND]</pre>
 */
public final class JoinStormBench {

    private static final String KEY = "00112233445566778899aabbccddeeff";
    /** The controller's default budget unless {@code --discoveries N}, set explicitly so the report can name it. */
    private static int discoveriesPerSecond = 500;
    private static boolean dtls;

    private JoinStormBench() {
    }

    /**
     * Runs the storm, or (with {@code controller DIR N}) the controller side of it.
     *
     * @param args {@code [--aps 1000] [--size BYTES]}
     * @throws Exception when a run fails
     */
    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("controller")) {
            discoveriesPerSecond = Integer.parseInt(args[4]);
            controller(Path.of(args[1]), Integer.parseInt(args[2]), args[3].equals("dtls"));
            return;
        }
        int count = 1000;
        long size = 70_512_640L / 200;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--aps" -> count = Integer.parseInt(args[++i]);
                case "--size" -> size = Long.parseLong(args[++i]);
                case "--dtls" -> dtls = true;
                case "--discoveries" -> discoveriesPerSecond = Integer.parseInt(args[++i]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        Path work = Files.createTempDirectory("apimage-join-storm");
        try {
            Path bundle = Files.createDirectories(work.resolve("bundle"));
            SampleBundle.writeImage(bundle.resolve("ap1g8"), size, false, 8);
            run(work, bundle, count, size);
        } finally {
            try (Stream<Path> s = Files.walk(work)) {
                s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private static void run(Path work, Path bundle, int count, long size) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new ArrayList<>(List.of(java, "-Xmx512m", "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn"));
        String extra = System.getProperty("controller.jvm", "").trim(); // a profiler's options, say
        if (!extra.isEmpty()) {
            cmd.addAll(List.of(extra.split("\\s+")));
        }
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), JoinStormBench.class.getName(), "controller",
                bundle.toString(), Integer.toString(count), dtls ? "dtls" : "plain",
                Integer.toString(discoveriesPerSecond)));
        Process controller = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        BufferedReader from = new BufferedReader(new InputStreamReader(controller.getInputStream(), StandardCharsets.UTF_8));
        PrintStream to = new PrintStream(controller.getOutputStream(), true, StandardCharsets.UTF_8);
        String ready = from.readLine();
        while (ready != null && !ready.startsWith("READY ") && !extra.isEmpty()) {
            ready = from.readLine(); // what a profiler printed
        }
        if (ready == null || !ready.startsWith("READY ")) {
            throw new IllegalStateException("controller did not start: " + ready);
        }
        String[] r = ready.split(" ");
        InetSocketAddress address = new InetSocketAddress("127.0.0.1", Integer.parseInt(r[1]));
        long baseHeap = Long.parseLong(r[2]);
        EventLoopGroup io = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
        EventLoopGroup disk = SimulatedAp.diskThreads(2, "storm-ap");
        List<SimulatedWtp> aps = new ArrayList<>();
        CountDownLatch joined = new CountDownLatch(count);
        CountDownLatch predownloaded = new CountDownLatch(count);
        AtomicInteger failed = new AtomicInteger();
        try {
            long start = System.nanoTime();
            for (int i = 0; i < count; i++) {
                boolean[] once = {false};
                CapwapWtpStateMachine.Listener l = new CapwapWtpStateMachine.Listener() {
                    @Override
                    public void onState(CapwapWtpStateMachine.State from, CapwapWtpStateMachine.State to) {
                        if (from == CapwapWtpStateMachine.State.JOIN && to == CapwapWtpStateMachine.State.CONFIGURE && !once[0]) {
                            once[0] = true;
                            joined.countDown();
                        }
                    }

                    @Override
                    public void onPredownload(ImageVersion version, ApImageOutcome outcome) {
                        if (outcome.state() != CapwapImageStateMachine.State.COMPLETE) {
                            failed.incrementAndGet();
                        }
                        predownloaded.countDown();
                    }
                };
                String name = String.format("AP%04d", i);
                aps.add(SimulatedWtp.start(WtpSettings.of(name, "C9105AXI-B", ImageType.AP1G8, ImageVersion.parse("17.3.3.26")),
                        StagingArea.open(work.resolve("aps").resolve(name)), address, l, io, disk,
                        dtls ? DtlsSettings.pskIdentity(name, Secret.of(KEY)) : null));
            }
            if (!joined.await(10, TimeUnit.MINUTES)) {
                throw new IllegalStateException(joined.getCount() + " APs did not join");
            }
            double joinSeconds = (System.nanoTime() - start) / 1e9;
            to.println("HEAP");
            String[] heap = from.readLine().split(" ");
            long joinedHeap = Long.parseLong(heap[1]);
            int registered = Integer.parseInt(heap[2]);
            long unanswered = Long.parseLong(heap[3]);
            long predownloadStart = System.nanoTime();
            to.println("PREDOWNLOAD");
            if (!predownloaded.await(30, TimeUnit.MINUTES)) {
                throw new IllegalStateException(predownloaded.getCount() + " predownloads did not end");
            }
            double downloadSeconds = (System.nanoTime() - predownloadStart) / 1e9;
            to.println("BLOCKS");
            String[] blocks = from.readLine().split(" ");
            long cpu = Long.parseLong(blocks[1]);
            long allocated = Long.parseLong(blocks[2]);
            long sent = Long.parseLong(blocks[3]);
            long user = Long.parseLong(blocks[4]);
            long middleBlocks = Long.parseLong(blocks[7]);
            System.out.printf(Locale.ROOT, "Join storm: %d APs on one controller, image of %,d bytes, %s%n", count, size,
                    dtls ? "DTLS (PSK) control channel" : "plain UDP");
            System.out.printf(Locale.ROOT, "  all joined in       %8.2f s (%,.0f joins/s), registry %d, %d Discovery Requests past the"
                    + " controller's budget (%d/s) left for the AP to repeat%n", joinSeconds, count / joinSeconds, registered, unanswered,
                    discoveriesPerSecond);
            System.out.printf(Locale.ROOT, "  controller heap     %8.1f KB per joined AP (%.1f MB for %d, after full GC; %.1f MB before any)%n",
                    (joinedHeap - baseHeap) / 1024.0 / count, (joinedHeap - baseHeap) / 1e6, count, baseHeap / 1e6);
            System.out.printf(Locale.ROOT, "  predownload         %8.2f s, %.1f MB/s aggregate, %d failed%n", downloadSeconds,
                    size * (double) count / downloadSeconds / 1e6, failed.get());
            System.out.printf(Locale.ROOT, "  controller per block %7.2f us CPU (%.2f in the kernel), %,.0f bytes allocated (event loop,"
                    + " %,d Image Data blocks sent)%n", cpu / 1e3 / sent, (cpu - user) / 1e3 / sent, allocated / (double) sent, sent);
            if (middleBlocks > 0) {
                long mc = Long.parseLong(blocks[5]);
                long ma = Long.parseLong(blocks[6]);
                long mu = Long.parseLong(blocks[8]);
                long ms = Long.parseLong(blocks[9]);
                System.out.printf(Locale.ROOT, "  middle half         %7.2f us CPU (%.2f in the kernel), %,.2f bytes allocated per block"
                        + " (%,d blocks, from the first 500 ms sample past a quarter to the last before three quarters; %d streams"
                        + " started within it)%n", mc / 1e3 / middleBlocks, (mc - mu) / 1e3 / middleBlocks, ma / (double) middleBlocks,
                        middleBlocks, ms);
            } else {
                System.out.println("  middle half         (too short for two samples 500 ms apart)");
            }
        } finally {
            for (SimulatedWtp ap : aps) {
                ap.close();
            }
            io.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
            disk.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
            controller.destroy();
            controller.waitFor(10, TimeUnit.SECONDS);
        }
    }

    private static long heapAfterGc() throws InterruptedException {
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(100); // a measuring harness, not product code
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    /** The controller JVM: joins, reports its heap, orders the predownload. */
    private static void controller(Path bundle, int count, boolean dtls) throws Exception {
        Path cacheDir = Files.createTempDirectory("apimage-join-storm-cache");
        try (ImageCache cache = new ImageCache(StagingArea.open(cacheDir), TransferOptions.defaults())) {
            CapwapController.Builder b = CapwapController.builder().address(new InetSocketAddress("127.0.0.1", 0))
                    .images(type -> cache.fetch(type, bundle.resolve(type.name()).toUri(), null))
                    .joinPolicy(JoinPolicy.open(count + 16)).image(14179, ImageVersion.parse("17.9.4.27")).imageAtJoin(false)
                    .discoveriesPerSecond(discoveriesPerSecond)
                    // Every simulated AP shares 127.0.0.1: lift the per-address caps meant for the field.
                    .streaming(x -> x.maxSessions(100_000).maxSessionsPerAddress(100_000));
            if (dtls) {
                b.dtls(DtlsSettings.psk(PskKeys.shared(Secret.of(KEY))).limits(Duration.ofSeconds(30), 64, 100_000, Duration.ofMinutes(10)));
            } else {
                b.plainUdpLab();
            }
            serve(b.start(), count);
        } finally {
            try (Stream<Path> s = Files.walk(cacheDir)) {
                s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private static void serve(CapwapController c, int count) throws Exception {
        try (c) {
            long base = heapAfterGc();
            LoopThread loop = null;
            Sampler sampler = null;
            long cpuBefore = 0;
            long userBefore = 0;
            long allocatedBefore = 0;
            System.out.println("READY " + c.localAddress().getPort() + " " + base);
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                if (line.equals("HEAP")) {
                    long used = heapAfterGc();
                    System.out.println("HEAP " + used + " " + c.registry().size() + " " + c.discoveriesUnanswered());
                } else if (line.equals("PREDOWNLOAD")) {
                    loop = LoopThread.find();
                    cpuBefore = loop.cpu();
                    userBefore = loop.user();
                    allocatedBefore = loop.allocated();
                    c.predownload(a -> true);
                    sampler = new Sampler(c, loop);
                    sampler.start();
                } else if (line.equals("BLOCKS")) {
                    long cpu = loop.cpu() - cpuBefore;
                    long user = loop.user() - userBefore;
                    long allocated = loop.allocated() - allocatedBefore;
                    sampler.interrupt();
                    sampler.join();
                    long blocks = c.stats().blocksAcknowledged();
                    System.out.println("BLOCKS " + cpu + " " + allocated + " " + blocks + " " + user + " " + sampler.middleHalf(blocks));
                }
            }
        }
    }

    /**
     * Samples the controller's acknowledged-block count and its event loop's CPU and allocation
     * every 500 ms during the predownload, for the figures of the middle half of the blocks (from
     * the first sample past a quarter of them to the last before three quarters): the loop's steady
     * state, without the start of the streams and their end. Each sample asks the loop for the
     * streamer's counters (a task, a future and a record on the loop: a few hundred bytes per
     * 500 ms, counted in) and then reads the thread's figures, which costs the loop nothing.
     */
    private static final class Sampler extends Thread {
        private static final int MAX = 7200; // an hour of samples
        private final CapwapController controller;
        private final LoopThread loop;
        private final long[] blocks = new long[MAX];
        private final long[] cpu = new long[MAX];
        private final long[] user = new long[MAX];
        private final long[] allocated = new long[MAX];
        private final long[] started = new long[MAX];
        private int n;

        Sampler(CapwapController controller, LoopThread loop) {
            super("join-storm-sampler");
            setDaemon(true);
            this.controller = controller;
            this.loop = loop;
        }

        @Override
        public void run() {
            try {
                while (n < MAX) {
                    CapwapImageStreamer.Stats stats = controller.stats();
                    blocks[n] = stats.blocksAcknowledged();
                    started[n] = stats.fetches();
                    cpu[n] = loop.cpu();
                    user[n] = loop.user();
                    allocated[n] = loop.allocated();
                    n++;
                    Thread.sleep(500); // a sampling harness, not product code
                }
            } catch (InterruptedException stop) {
                // the predownload ended
            }
        }

        /** "cpu allocated blocks user streamsStarted" over the middle half of {@code total} blocks, or "- - 0 - -". */
        String middleHalf(long total) {
            int from = -1;
            int to = -1;
            for (int i = 0; i < n; i++) {
                if (from < 0 && blocks[i] >= total / 4) {
                    from = i;
                }
                if (blocks[i] <= total * 3 / 4) {
                    to = i;
                }
            }
            if (from < 0 || to <= from || blocks[to] == blocks[from]) {
                return "- - 0 - -";
            }
            return (cpu[to] - cpu[from]) + " " + (allocated[to] - allocated[from]) + " " + (blocks[to] - blocks[from]) + " "
                    + (user[to] - user[from]) + " " + (started[to] - started[from]);
        }
    }

    /** The controller's event loop thread, for its CPU time and allocated bytes. */
    private record LoopThread(long id) {
        static LoopThread find() {
            for (Thread t : Thread.getAllStackTraces().keySet()) {
                if (t.getName().startsWith("apimage-capwap-controller")) {
                    return new LoopThread(t.getId());
                }
            }
            throw new IllegalStateException("no controller event loop thread");
        }

        long cpu() {
            return ManagementFactory.getThreadMXBean().getThreadCpuTime(id);
        }

        long user() {
            return ManagementFactory.getThreadMXBean().getThreadUserTime(id);
        }

        long allocated() {
            return ((com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean()).getThreadAllocatedBytes(id);
        }
    }
}

package dev.apimage.bench;

import dev.apimage.simulator.SampleBundle;
import dev.apimage.staging.ExpectedImage;
import dev.apimage.staging.StagedImage;
import dev.apimage.staging.StagingArea;
import dev.apimage.tftp.TftpOptions;
import dev.apimage.tftp.TftpServer;
import dev.apimage.transfer.TransferOptions;
import dev.apimage.transfer.TransferResult;
import dev.apimage.transfer.TransferSession;
import dev.apimage.transfer.Transports;
import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Loopback throughput of the TFTP transport embedded in this warm JVM, as a controller runs it;
 * every download goes into a staged image (the file written, SHA-256 and MD5 computed), the work
 * {@code apimage fetch} does. Where a peer takes part, it plays the same role as ours, timed the
 * same way: lockstep server (our embedded server against the in.tftpd daemon, curl the client of
 * both), windowed (our server against the atftpd daemon, our client for both) and 64 concurrent
 * downloads (our server against in.tftpd, our client for both). The others are ours alone: latency (a 10 ms each-way delay relay, windowsize
 * 64 against lockstep), no collapse (every blksize x windowsize up to 65464 x 64 against lockstep).
 * Whole processes against atftp and OpenSSH: {@link WholeProcessBench}.
 *
 * <pre>java -cp benchmarks/target/benchmarks.jar dev.apimage.bench.TftpLoopbackBench [--runs N] [--size BYTES]</pre>
 *
 * <p>{@code -Donly=24} runs scenarios 2 and 4 only.
 */
public final class TftpLoopbackBench {

    private static final InetAddress LO = InetAddress.getLoopbackAddress();

    private final Path work;
    private final int runs;
    private final long size;
    private final Path root;
    private final Path image;

    private TftpLoopbackBench(Path work, int runs, long size) throws IOException {
        this.work = work;
        this.runs = runs;
        this.size = size;
        this.root = work.resolve("root");
        Files.createDirectories(root);
        Files.setPosixFilePermissions(work, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwxr-xr-x"));
        this.image = root.resolve("ap1g8");
        SampleBundle.writeImage(image, size, false, 8);
        Files.setPosixFilePermissions(image, PosixFilePermissions.fromString("rw-r--r--"));
    }

    public static void main(String[] args) throws Exception {
        int runs = 5;
        long size = 70_512_640L;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--runs" -> runs = Integer.parseInt(args[++i]);
                case "--size" -> size = Long.parseLong(args[++i]);
                default -> throw new IllegalArgumentException("unknown argument " + args[i] + " (--runs N, --size BYTES)");
            }
        }
        Path work = Peers.workDirectory("apimage-tftp-bench");
        TftpLoopbackBench b = new TftpLoopbackBench(work, runs, size);
        System.out.printf(Locale.ROOT, "TFTP loopback benchmark: %,d-byte image, %d alternating runs, medians, %d cores%n%n",
                size, runs, Runtime.getRuntime().availableProcessors());
        try {
            String only = System.getProperty("only", "12345");
            if (only.contains("1")) {
                b.lockstepServer();
            }
            if (only.contains("2")) {
                b.windowed();
            }
            if (only.contains("3")) {
                b.latency();
            }
            if (only.contains("4")) {
                b.noCollapse();
            }
            if (only.contains("5")) {
                b.concurrent();
            }
        } finally {
            try (var s = Files.walk(work)) {
                s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
            Transports.reload();
        }
    }

    // --- scenarios ---

    private void lockstepServer() throws Exception {
        Path curl = Peers.binary("curl", "curl");
        Path hpa = Peers.binary("in.tftpd", "tftpd-hpa");
        if (curl == null || hpa == null) {
            return;
        }
        try (TftpServer ours = TftpServer.builder().root(root).port(0).build(); Proc theirs = tftpdHpa(hpa)) {
            int ourPort = ours.start().getPort();
            Path out = work.resolve("curl.out");
            double[] a = new double[runs];
            double[] b = new double[runs];
            run(curl.toString(), "-s", "--tftp-blksize", "1468", "-o", out.toString(), url(ourPort)); // warm-up
            for (int i = 0; i < runs; i++) {
                a[i] = timeProcess(curl.toString(), "-s", "--tftp-blksize", "1468", "-o", out.toString(), url(ourPort));
                check(out);
                b[i] = timeProcess(curl.toString(), "-s", "--tftp-blksize", "1468", "-o", out.toString(), url(theirs.port));
                check(out);
            }
            double ma = Peers.median(a);
            double mb = Peers.median(b);
            System.out.printf(Locale.ROOT, "1. Lockstep server, curl --tftp-blksize 1468 as client%n"
                    + "   apimage TftpServer %.3f s (%.1f MB/s), in.tftpd %.3f s (%.1f MB/s): time ratio %.2f (goal <= 0.80)%n%n",
                    ma, size / ma / 1e6, mb, size / mb / 1e6, ma / mb);
        }
    }

    private void windowed() throws Exception {
        Path atftpd = Peers.atftpd();
        try (TftpServer ours = TftpServer.builder().root(root).port(0).build(); Proc theirs = atftpd == null ? null : atftpd(atftpd)) {
            InetSocketAddress a = ours.start();
            InetSocketAddress b = theirs == null ? null : new InetSocketAddress(LO, theirs.port);
            double[] x = new double[runs];
            double[] y = new double[runs];
            for (int i = 0; i < 2; i++) { // warm-up
                download(a, 1468, 64);
                if (b != null) {
                    download(b, 1468, 64);
                }
            }
            for (int i = 0; i < runs; i++) {
                x[i] = download(a, 1468, 64);
                if (b != null) {
                    y[i] = download(b, 1468, 64);
                }
            }
            double mx = Peers.median(x);
            System.out.printf(Locale.ROOT, "2. Windowed, blksize 1468, windowsize 64, our client embedded (this warm JVM, the image staged"
                    + " with its digests)%n   from our server (embedded) %.3f s (%.1f MB/s)", mx, size / mx / 1e6);
            if (b != null) {
                double my = Peers.median(y);
                System.out.printf(Locale.ROOT, ", from the atftpd daemon %.3f s (%.1f MB/s): throughput ratio %.2f", my, size / my / 1e6,
                        my / mx);
            }
            System.out.printf("%n%n");
        }
    }

    private void latency() throws Exception {
        long small = Math.min(size, Long.getLong("small", 2_000_000));
        Path f = root.resolve("small");
        SampleBundle.writeImage(f, small, false, 9);
        try (TftpServer ours = TftpServer.builder().root(root).port(0).build()) {
            InetSocketAddress a = ours.start();
            try (DelayRelay relay = new DelayRelay(a, 10, 10_000_000)) {
                double lock = download(relay.address(), "/small", 1468, 1, small);
                double win = download(relay.address(), "/small", 1468, 64, small);
                System.out.printf(Locale.ROOT, "3. Latency: delay relay adding 10 ms each way, %,d bytes, blksize 1468%n"
                        + "   windowsize 64 %.3f s (%.2f MB/s), lockstep %.3f s (%.3f MB/s): speed-up %.1fx (goal >= 50, ideal 64)%n%n",
                        small, win, small / win / 1e6, lock, small / lock / 1e6, lock / win);
            }
        }
        Files.delete(f);
    }

    private void noCollapse() throws Exception {
        long mid = Math.min(size, 64L << 20);
        Path f = root.resolve("mid");
        SampleBundle.writeImage(f, mid, false, 10);
        int[] blk = {512, 1468, 8192, 16384, 32768, 65464};
        int[] win = {1, 4, 16, 32, 64};
        System.out.printf(Locale.ROOT, "4. No collapse: %,d bytes, MB/s per blksize x windowsize, median of 3 (apimage client and server)%n", mid);
        System.out.print("   blksize \\ windowsize");
        for (int w : win) {
            System.out.printf(Locale.ROOT, "%9d", w);
        }
        System.out.println();
        double worst = Double.MAX_VALUE;
        try (TftpServer ours = TftpServer.builder().root(root).port(0).build()) {
            InetSocketAddress a = ours.start();
            download(a, "/mid", 1468, 16, mid);
            for (int b : blk) {
                System.out.printf(Locale.ROOT, "   %20d", b);
                double lockstep = 0;
                for (int w : win) {
                    double[] t3 = {download(a, "/mid", b, w, mid), download(a, "/mid", b, w, mid), download(a, "/mid", b, w, mid)};
                    double t = Peers.median(t3);
                    double mbps = mid / t / 1e6;
                    if (w == 1) {
                        lockstep = mbps;
                    } else {
                        worst = Math.min(worst, mbps / lockstep);
                    }
                    System.out.printf(Locale.ROOT, "%9.1f", mbps);
                }
                System.out.println();
            }
            System.out.printf(Locale.ROOT, "   slowest windowed run against lockstep at the same blksize: %.2fx (goal >= 1.0); "
                    + "server retransmission timeouts %d in %d transfers%n%n", worst, ours.stats().retransmissions(),
                    ours.stats().transfers());
        }
        Files.delete(f);
    }

    private void concurrent() throws Exception {
        Path hpa = Peers.binary("in.tftpd", "tftpd-hpa");
        if (hpa == null) {
            return;
        }
        long each = Math.min(size, 8_000_000);
        Path f = root.resolve("each");
        SampleBundle.writeImage(f, each, false, 11);
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-r--r--"));
        // in.tftpd has no limit per client; ours takes 16 from one address unless told otherwise.
        try (TftpServer ours = TftpServer.builder().root(root).port(0).maxTransfersPerClient(64).build(); Proc theirs = tftpdHpa(hpa)) {
            InetSocketAddress a = ours.start();
            InetSocketAddress b = new InetSocketAddress(LO, theirs.port);
            parallel(a, 64, each, 1); // warm-up
            double[] x = new double[runs];
            double[] y = new double[runs];
            for (int i = 0; i < runs; i++) {
                x[i] = parallel(a, 64, each, 1);
                y[i] = parallel(b, 64, each, 1);
            }
            double mx = Peers.median(x);
            double my = Peers.median(y);
            double w = parallel(a, 64, each, 16);
            System.out.printf(Locale.ROOT, "5. 64 concurrent downloads of %,d bytes, apimage client, blksize 1468, lockstep%n"
                    + "   apimage TftpServer %.3f s (%.1f MB/s aggregate), in.tftpd %.3f s (%.1f MB/s): throughput ratio %.2f%n"
                    + "   (apimage TftpServer with windowsize 16: %.3f s, %.1f MB/s)%n%n",
                    each, mx, 64 * each / mx / 1e6, my, 64 * each / my / 1e6, my / mx, w, 64 * each / w / 1e6);
        }
        Files.delete(f);
    }

    // --- helpers ---

    private double download(InetSocketAddress server, int blksize, int window) throws Exception {
        return download(server, "/ap1g8", blksize, window, size);
    }

    /**
     * Our client into a staged image: the file written, SHA-256 and MD5 computed and checked at
     * commit, exactly as {@code apimage fetch} and the controller's cache do. Seconds, from the
     * request to the committed file.
     */
    private double download(InetSocketAddress server, String path, int blksize, int window, long expected) throws Exception {
        Path dir = Files.createDirectories(work.resolve("client-" + Thread.currentThread().getId() + "-" + System.nanoTime()));
        TransferOptions o = TransferOptions.builder().set(TftpOptions.BLOCK_SIZE, blksize).set(TftpOptions.WINDOW_SIZE, window)
                .set(TransferOptions.COMPUTE_DIGESTS, false).build();
        long t0 = System.nanoTime();
        try (TransferSession s = Transports.open(URI.create("tftp://127.0.0.1:" + server.getPort() + path), o);
                StagedImage staged = StagingArea.open(dir).begin("image", -1)) {
            TransferResult r = s.start(staged).get(10, TimeUnit.MINUTES);
            if (r.bytes() != expected) {
                throw new IllegalStateException("got " + r.bytes() + " bytes, expected " + expected);
            }
            staged.commit(ExpectedImage.ofSize(expected));
        } finally {
            try (var files = Files.walk(dir)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
        return (System.nanoTime() - t0) / 1e9;
    }

    private double parallel(InetSocketAddress server, int n, long each, int window) throws Exception {
        long t0 = System.nanoTime();
        List<CompletableFuture<Double>> all = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            all.add(CompletableFuture.supplyAsync(() -> {
                try {
                    return download(server, "/each", 1468, window, each);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }, runnable -> new Thread(runnable).start()));
        }
        for (CompletableFuture<Double> f : all) {
            f.get(10, TimeUnit.MINUTES);
        }
        return (System.nanoTime() - t0) / 1e9;
    }

    private Proc tftpdHpa(Path bin) throws Exception {
        int port = freePort();
        Proc p = new Proc(port, bin.toString(), "--foreground", "--secure", "--address", "127.0.0.1:" + port, root.toString());
        Thread.sleep(300);
        return p;
    }

    /** atftpd (RFC 7440 windowsize), in the foreground, on 127.0.0.1, serving the same root. */
    private Proc atftpd(Path bin) throws Exception {
        int port = freePort();
        Proc p = new Proc(port, bin.toString(), "--daemon", "--no-fork", "--port", Integer.toString(port), "--bind-address",
                "127.0.0.1", "--logfile", "/dev/null", root.toString());
        Thread.sleep(300); // a harness waiting for a daemon to bind
        return p;
    }

    private String url(int port) {
        return "tftp://127.0.0.1:" + port + "/ap1g8";
    }

    private void check(Path out) throws IOException {
        if (Files.mismatch(out, image) != -1) {
            throw new IllegalStateException("peer delivered different bytes");
        }
        Files.delete(out);
    }

    private static double timeProcess(String... cmd) throws Exception {
        long t0 = System.nanoTime();
        run(cmd);
        return (System.nanoTime() - t0) / 1e9;
    }

    private static void run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        if (!p.waitFor(10, TimeUnit.MINUTES) || p.exitValue() != 0) {
            p.destroyForcibly();
            throw new IllegalStateException(String.join(" ", cmd) + " failed");
        }
    }

    private static int freePort() throws IOException {
        try (DatagramSocket s = new DatagramSocket(0, LO)) {
            return s.getLocalPort();
        }
    }

    /** A peer server process. */
    private static final class Proc implements AutoCloseable {
        final int port;
        final Process process;

        Proc(int port, String... cmd) throws IOException {
            this.port = port;
            this.process = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        }

        @Override
        public void close() throws InterruptedException {
            process.destroy();
            process.waitFor(5, TimeUnit.SECONDS);
        }
    }
}

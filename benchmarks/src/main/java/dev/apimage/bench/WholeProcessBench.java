package dev.apimage.bench;

import dev.apimage.simulator.SampleBundle;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * The tool against the peers the way a user meets both: every client is a whole process started
 * for the run ({@code apimage fetch} through the launcher the README names, {@code atftp},
 * OpenSSH {@code sftp}, {@code curl}), timed from its start to its exit, writing its file to
 * tmpfs; {@code apimage fetch} computes SHA-256 and MD5 as it always does, the peers compute none.
 * The servers are long-running daemons ({@code apimage tftp-server}, atftpd, in.tftpd, OpenSSH
 * sshd), started once per scenario and warmed by untimed downloads (three in the windowed TFTP
 * scenario, one elsewhere). Runs alternate ours and theirs; medians are printed, with the client's
 * CPU time (user + system, from the kernel's accounting of reaped children) and, for the lock-step
 * servers, the server's CPU per block.
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar dev.apimage.bench.WholeProcessBench [--runs 5]
 *     [--only tftp,lockstep,sftp,sweep,sizes] [--tool examples/target/apimage] [--charts benchmarks/results]
 * </pre>
 *
 * <p>Beside the windowed TFTP figures, the Java floor: {@link MinimalTftpFetch}, the least a JVM
 * does to download the same file from the same server, with and without the digests.
 *
 * <p>Peers: atftp and atftpd (at {@code /opt/atftpd} or {@code $ATFTPD}), tftpd-hpa's in.tftpd,
 * curl, OpenSSH's sshd and sftp (sshd needs root). A missing peer skips its scenario.
 */
public final class WholeProcessBench {

    private static final long BIG = 301_257_756L;
    private static final long AP1G8 = 70_512_640L;
    private static final long SWEEP = 64L << 20;
    private static final double TICK = 0.01; // CLK_TCK = 100 on Linux
    /**
     * Untimed downloads before the timed ones: a server in the field has served many, and a JVM
     * server is still compiling its send path during its first few (C is not).
     */
    private static final int WARM_UP = 3;

    private final int runs;
    private final Path tool;
    private final Path charts;
    private final Path work;
    private final Path root;
    private final Path out;
    private final List<Process> daemons = new ArrayList<>();
    /** How long one client run may take; the sweep lowers it, as a stalled peer there is a result. */
    private long timeoutSeconds = 600;

    private WholeProcessBench(int runs, Path tool, Path charts) throws IOException {
        this.runs = runs;
        this.tool = tool.toAbsolutePath();
        this.charts = charts;
        this.work = Peers.workDirectory("apimage-whole");
        this.root = Files.createDirectories(work.resolve("images"));
        this.out = Files.createDirectories(work.resolve("out"));
    }

    public static void main(String[] args) throws Exception {
        int runs = 5;
        Path tool = Path.of("examples/target/apimage");
        Path charts = Path.of("benchmarks/results");
        Set<String> only = new LinkedHashSet<>(List.of("tftp", "lockstep", "sftp", "sweep", "sizes"));
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--runs" -> runs = Integer.parseInt(args[i + 1]);
                case "--tool" -> tool = Path.of(args[i + 1]);
                case "--charts" -> charts = Path.of(args[i + 1]);
                case "--only" -> only = new LinkedHashSet<>(Arrays.asList(args[i + 1].split(",")));
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        if (!Files.isExecutable(tool)) {
            System.out.println("(no launcher at " + tool + ": build first with mvn -B -q -DskipTests package)");
            return;
        }
        WholeProcessBench b = new WholeProcessBench(runs, tool, charts);
        try {
            System.out.printf(Locale.ROOT, "Whole processes, %d alternating runs, medians, %d cores, files on %s%n%n",
                    runs, Runtime.getRuntime().availableProcessors(), b.work.getParent());
            SampleBundle.writeImage(b.root.resolve("big"), BIG, false, 1);
            SampleBundle.writeImage(b.root.resolve("ap1g8"), AP1G8, false, 8);
            SampleBundle.writeImage(b.root.resolve("sweep"), SWEEP, false, 16);
            if (only.contains("tftp")) {
                b.tftp();
            }
            if (only.contains("lockstep")) {
                b.lockstep();
            }
            if (only.contains("sweep")) {
                b.sweep();
            }
            if (only.contains("sftp") || only.contains("sizes")) {
                b.sftp(only.contains("sftp"), only.contains("sizes"));
            }
        } finally {
            b.close();
        }
    }

    // --- TFTP, windowed: apimage fetch from apimage tftp-server against atftp from atftpd ---

    private void tftp() throws Exception {
        TftpPeers peers = tftpServers();
        if (peers == null) {
            return;
        }
        System.out.println("TFTP, blksize 1468, windowsize 64: `apimage fetch` (digests, file written) from `apimage tftp-server`,"
                + " `atftp` from atftpd; the Java floor (MinimalTftpFetch: one thread, one NIO DatagramChannel, file written,"
                + " with and without SHA-256 + MD5) from `apimage tftp-server`");
        System.out.println();
        System.out.println("| file | apimage fetch | Java floor, file + digests | Java floor, file | atftp | throughput ratio (goal >= 1.5) |");
        System.out.println("|---|---|---|---|---|---|");
        for (String name : List.of("big", "ap1g8")) {
            long size = Files.size(root.resolve(name));
            Run[] a = new Run[runs];
            Run[] fd = new Run[runs];
            Run[] f = new Run[runs];
            Run[] b = new Run[runs];
            for (int i = 0; i < WARM_UP; i++) {
                fetchTftp(peers.ours(), name, 1468, 64);
                atftp(peers.atftp(), peers.theirs(), name, 1468, 64);
            }
            for (int i = 0; i < runs; i++) {
                a[i] = fetchTftp(peers.ours(), name, 1468, 64);
                fd[i] = floorTftp(peers.ours(), name, true);
                f[i] = floorTftp(peers.ours(), name, false);
                b[i] = atftp(peers.atftp(), peers.theirs(), name, 1468, 64);
            }
            Run ma = Run.median(a);
            Run mb = Run.median(b);
            System.out.printf(Locale.ROOT, "| %,d bytes | %s | %s | %s | %s | %.2fx |%n", size, ma.describe(size),
                    Run.median(fd).describe(size), Run.median(f).describe(size), mb.describe(size), mb.wall / ma.wall);
            System.out.println("  (runs, wall: ours " + Run.walls(a) + "; floor with digests " + Run.walls(fd) + "; floor "
                    + Run.walls(f) + "; atftp " + Run.walls(b) + ")");
        }
        System.out.println();
    }

    /** The atftp client, and the ports of our server and of atftpd, both fresh. */
    private record TftpPeers(Path atftp, int ours, int theirs) {
    }

    /** Starts our server and atftpd; null (said why) when atftp or atftpd is missing. */
    private TftpPeers tftpServers() throws Exception {
        Path atftp = Peers.binary("atftp", "atftp");
        Path atftpd = Peers.atftpd();
        if (atftp == null || atftpd == null) {
            return null;
        }
        return new TftpPeers(atftp, ourTftpServer(), atftpd(atftpd));
    }

    private Run fetchTftp(int port, String name, int blksize, int window) throws Exception {
        Path f = out.resolve("ours-" + name);
        Run r = time(tool.toString(), "fetch", "--blksize", Integer.toString(blksize), "--windowsize", Integer.toString(window),
                "tftp://127.0.0.1:" + port + "/" + name, "-o", f.toString());
        check(name, f);
        return r;
    }

    /** {@link MinimalTftpFetch} in a JVM of its own (this one's, with the serial collector), blksize 1468, windowsize 64. */
    private Run floorTftp(int port, String name, boolean digests) throws Exception {
        Path f = out.resolve("floor-" + name);
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"), MinimalTftpFetch.class.getName(),
                Integer.toString(port), "/" + name, f.toString(), "1468", "64"));
        if (digests) {
            cmd.add("--digests");
        }
        Run r = time(cmd.toArray(String[]::new));
        check(name, f);
        return r;
    }

    private Run atftp(Path atftp, int port, String name, int blksize, int window) throws Exception {
        Path f = out.resolve("atftp-" + name);
        List<String> cmd = new ArrayList<>(List.of(atftp.toString(), "--option", "blksize " + blksize));
        if (window > 1) {
            cmd.addAll(List.of("--option", "windowsize " + window));
        }
        cmd.addAll(List.of("-g", "-r", "/" + name, "-l", f.toString(), "127.0.0.1", Integer.toString(port)));
        Run r = time(cmd.toArray(String[]::new));
        check(name, f);
        return r;
    }

    // --- TFTP, lock step: curl against apimage tftp-server and in.tftpd ---

    private void lockstep() throws Exception {
        Path curl = Peers.binary("curl", "curl");
        Path hpa = Peers.binary("in.tftpd", "tftpd-hpa");
        if (curl == null || hpa == null) {
            return;
        }
        int ours = ourTftpServer();
        Process ourProcess = daemons.get(daemons.size() - 1);
        int theirs = freeUdpPort();
        Process hpaProcess = daemon(hpa.toString(), "--foreground", "--secure", "--address", "127.0.0.1:" + theirs, root.toString());
        String name = "ap1g8";
        long size = Files.size(root.resolve(name));
        long blocks = size / 1468 + 1;
        Run[] a = new Run[runs];
        Run[] b = new Run[runs];
        curl(curl, ours, name);
        curl(curl, theirs, name);
        double[] a0 = userAndKernel(ourProcess);
        double[] b0 = userAndKernel(hpaProcess);
        for (int i = 0; i < runs; i++) {
            a[i] = curl(curl, ours, name);
            b[i] = curl(curl, theirs, name);
        }
        // Servers' CPU over all timed runs, the children in.tftpd forks per transfer included.
        double[] a1 = userAndKernel(ourProcess);
        double[] b1 = userAndKernel(hpaProcess);
        double perBlock = 1e6 / runs / blocks;
        double userA = (a1[0] - a0[0]) * perBlock;
        double kernelA = (a1[1] - a0[1]) * perBlock;
        double userB = (b1[0] - b0[0]) * perBlock;
        double kernelB = (b1[1] - b0[1]) * perBlock;
        Run ma = Run.median(a);
        Run mb = Run.median(b);
        System.out.printf(Locale.ROOT, "TFTP lock step: `curl --tftp-blksize 1468`, %,d bytes (%,d blocks)%n%n", size, blocks);
        System.out.println("| server | curl wall | per block: wall | curl CPU | server CPU, user + kernel (mean over the runs) |");
        System.out.println("|---|---|---|---|---|");
        System.out.printf(Locale.ROOT, "| apimage tftp-server | %.3f s | %.1f µs | %.1f µs | %.1f + %.1f µs |%n",
                ma.wall, ma.wall / blocks * 1e6, ma.cpu / blocks * 1e6, userA, kernelA);
        System.out.printf(Locale.ROOT, "| in.tftpd | %.3f s | %.1f µs | %.1f µs | %.1f + %.1f µs |%n",
                mb.wall, mb.wall / blocks * 1e6, mb.cpu / blocks * 1e6, userB, kernelB);
        // A server still has to receive each ACK and send each block: its kernel time stays. What
        // any server could save at most is in.tftpd's own user time per block.
        double wallB = mb.wall / blocks * 1e6;
        System.out.printf(Locale.ROOT, "%ntime ratio %.2f (goal <= 0.80). The kernel time is the two system calls per block (on"
                + " loopback sending a datagram also runs the receiver's network stack); a server with no user time at all"
                + " would still take %.2f of in.tftpd's time per block%n%n", ma.wall / mb.wall, (wallB - userB) / wallB);
    }

    private Run curl(Path curl, int port, String name) throws Exception {
        Path f = out.resolve("curl-" + name);
        Run r = time(curl.toString(), "-s", "--tftp-blksize", "1468", "-o", f.toString(), "tftp://127.0.0.1:" + port + "/" + name);
        check(name, f);
        return r;
    }

    // --- TFTP, throughput against blksize and windowsize, for the chart ---

    private void sweep() throws Exception {
        TftpPeers peers = tftpServers();
        if (peers == null) {
            return;
        }
        int[] blksizes = {512, 1468, 8192};
        int[] windows = {1, 4, 16, 64};
        int n = Math.max(1, runs / 3);
        List<String> xs = new ArrayList<>();
        for (int w : windows) {
            xs.add("windowsize " + w);
        }
        SvgChart chart = new SvgChart("TFTP, 64 MiB, whole processes (apimage fetch: start-up, digests, file)", "", "MB/s", xs);
        System.out.printf(Locale.ROOT, "TFTP throughput, MB/s, %,d bytes, median of %d (ours / atftp)%n%n", SWEEP, n);
        System.out.println("| blksize \\ windowsize | " + String.join(" | ", Arrays.stream(windows).mapToObj(Integer::toString).toList()) + " |");
        System.out.println("|---" + "|---".repeat(windows.length) + "|");
        fetchTftp(peers.ours(), "sweep", 1468, 16);
        atftp(peers.atftp(), peers.theirs(), "sweep", 1468, 16);
        timeoutSeconds = 20;
        int colour = 0;
        for (int bs : blksizes) {
            double[] mine = new double[windows.length];
            double[] peer = new double[windows.length];
            StringBuilder row = new StringBuilder("| " + bs + " |");
            for (int k = 0; k < windows.length; k++) {
                Run[] a = new Run[n];
                Run[] b = new Run[n];
                for (int i = 0; i < n; i++) {
                    int bsize = bs;
                    int window = windows[k];
                    a[i] = orFailed(() -> fetchTftp(peers.ours(), "sweep", bsize, window));
                    b[i] = orFailed(() -> atftp(peers.atftp(), peers.theirs(), "sweep", bsize, window));
                }
                mine[k] = SWEEP / Run.median(a).wall / 1e6;
                peer[k] = SWEEP / Run.median(b).wall / 1e6;
                row.append(String.format(Locale.ROOT, " %s / %s |", rate(mine[k]), rate(peer[k])));
            }
            System.out.println(row);
            chart.add("apimage, blksize " + bs, mine, false, colour).add("atftp, blksize " + bs, peer, true, colour);
            colour++;
        }
        timeoutSeconds = 600;
        System.out.println();
        System.out.println("(failed: a run that did not complete within 20 s or exited with an error; the median then counts it as"
                + " infinitely slow)");
        Path svg = charts.resolve("tftp-throughput.svg");
        chart.write(svg);
        System.out.println();
        System.out.println("(chart: " + svg + ")");
        System.out.println();
    }

    // --- SFTP: apimage fetch against OpenSSH sftp, one sshd ---

    private void sftp(boolean table, boolean sizes) throws Exception {
        if (!Files.isExecutable(Path.of("/usr/sbin/sshd")) || !Files.isExecutable(Path.of("/usr/bin/sftp"))) {
            System.out.println("(SFTP skipped: install Debian packages openssh-server and openssh-client)");
            return;
        }
        Peers.OpenSshServer sshd = Peers.OpenSshServer.start(work.resolve("ssh"));
        daemons.add(sshd.process());
        int port = sshd.port;
        Path keys = sshd.dir;
        try (TcpDelayProxy proxy = new TcpDelayProxy(new InetSocketAddress("127.0.0.1", port), 10)) {
            sshd.knownHosts(port, proxy.port());
            fetchSftp(keys, port, "ap1g8");
            openssh(keys, port, "ap1g8");
            if (table) {
                System.out.println("SFTP from one OpenSSH sshd (internal-sftp): `apimage fetch` (digests, file written) against OpenSSH `sftp`"
                        + " (its defaults); Apache MINA SSHD's client doing what `apimage fetch` does, for the choice of library");
                System.out.println();
                System.out.println("| file | path | apimage fetch (JSch) | MINA SSHD client, same staging | OpenSSH sftp | throughput ratio,"
                        + " apimage / OpenSSH | goal |");
                System.out.println("|---|---|---|---|---|---|---|");
                Object[][] cases = {{"big", port, "loopback", 1.0}, {"ap1g8", port, "loopback", 1.0},
                    {"ap1g8", proxy.port(), "20 ms round trip", 1.5}};
                for (int c = 0; c < cases.length; c++) {
                    String name = (String) cases[c][0];
                    int p = (Integer) cases[c][1];
                    Run[] a = new Run[runs];
                    Run[] m = new Run[runs];
                    Run[] b = new Run[runs];
                    for (int i = 0; i < runs; i++) {
                        a[i] = fetchSftp(keys, p, name);
                        m[i] = mina(keys, p, name);
                        b[i] = openssh(keys, p, name);
                    }
                    Run ma = Run.median(a);
                    Run mm = Run.median(m);
                    Run mb = Run.median(b);
                    long size = Files.size(root.resolve(name));
                    System.out.printf(Locale.ROOT, "| %,d bytes | %s | %s | %s | %s | %.2fx | >= %.1fx |%n",
                            size, cases[c][2], cell(ma, size), cell(mm, size), cell(mb, size), mb.wall / ma.wall, (Double) cases[c][3]);
                }
                System.out.println();
            }
            if (sizes) {
                long[] lengths = {1L << 20, 8L << 20, 32L << 20, AP1G8, BIG};
                List<String> xs = new ArrayList<>();
                double[] mine = new double[lengths.length];
                double[] peer = new double[lengths.length];
                int n = Math.max(1, (runs + 1) / 2);
                System.out.printf(Locale.ROOT, "SFTP, time against file size, loopback, median of %d%n%n", n);
                System.out.println("| bytes | apimage fetch | OpenSSH sftp |");
                System.out.println("|---|---|---|");
                for (int k = 0; k < lengths.length; k++) {
                    String name = lengths[k] == BIG ? "big" : lengths[k] == AP1G8 ? "ap1g8" : "size-" + lengths[k];
                    if (!Files.exists(root.resolve(name))) {
                        SampleBundle.writeImage(root.resolve(name), lengths[k], false, k);
                    }
                    Run[] a = new Run[n];
                    Run[] b = new Run[n];
                    for (int i = 0; i < n; i++) {
                        a[i] = fetchSftp(keys, port, name);
                        b[i] = openssh(keys, port, name);
                    }
                    mine[k] = Run.median(a).wall;
                    peer[k] = Run.median(b).wall;
                    xs.add(String.format(Locale.ROOT, "%.1f MB", lengths[k] / 1e6));
                    System.out.printf(Locale.ROOT, "| %,d | %.2f s | %.2f s |%n", lengths[k], mine[k], peer[k]);
                }
                SvgChart chart = new SvgChart("SFTP from OpenSSH sshd, loopback, whole processes", "file size", "seconds", xs)
                        .add("apimage fetch (digests + file)", mine, false, 0).add("OpenSSH sftp", peer, true, 1);
                Path svg = charts.resolve("sftp-time.svg");
                chart.write(svg);
                System.out.println();
                System.out.println("(chart: " + svg + ")");
                System.out.println();
            }
        }
    }

    private Run fetchSftp(Path keys, int port, String name) throws Exception {
        Path f = out.resolve("ours-" + name);
        Run r = time(tool.toString(), "fetch", "--identity", keys.resolve("id").toString(), "--known-hosts",
                keys.resolve("known_hosts").toString(), "sftp://root@127.0.0.1:" + port + root.resolve(name), "-o", f.toString());
        check(name, f);
        return r;
    }

    private static String cell(Run r, long size) {
        return String.format(Locale.ROOT, "%.2f s (%.0f MB/s), %.2f s CPU", r.wall, size / r.wall / 1e6, r.cpu);
    }

    /** MINA SSHD's client in a JVM of its own (the serial collector, no class-data archive), into a staged image. */
    private Run mina(Path keys, int port, String name) throws Exception {
        Path f = out.resolve("mina-" + name);
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new ArrayList<>(List.of(java, "-XX:+UseSerialGC", "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn"));
        // The compiler directives the launcher gives apimage fetch, so that the libraries are compared, not the flags.
        Path jit = tool.resolveSibling("apimage-fetch-jit.json");
        if (Files.isReadable(jit)) {
            cmd.addAll(List.of("-XX:+UnlockDiagnosticVMOptions", "-XX:CompilerDirectivesFile=" + jit));
        }
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), MinaSftpFetch.class.getName(), Integer.toString(port),
                keys.resolve("id").toString(), keys.resolve("known_hosts").toString(), root.resolve(name).toString(), f.toString()));
        Run r = time(cmd.toArray(String[]::new));
        check(name, f);
        return r;
    }

    private Run openssh(Path keys, int port, String name) throws Exception {
        Path f = out.resolve("openssh-" + name);
        Run r = time("sftp", "-q", "-i", keys.resolve("id").toString(), "-o", "UserKnownHostsFile=" + keys.resolve("known_hosts"),
                "-o", "StrictHostKeyChecking=yes", "-o", "BatchMode=yes", "-P", Integer.toString(port),
                "root@127.0.0.1:" + root.resolve(name), f.toString());
        check(name, f);
        return r;
    }

    private interface Attempt {
        Run run() throws Exception;
    }

    /** A run that failed or stalled counts as infinitely slow, and its partial file goes. */
    private Run orFailed(Attempt a) throws IOException {
        try {
            return a.run();
        } catch (Exception e) {
            try (var files = Files.list(out)) {
                for (Path f : files.toList()) {
                    Files.delete(f);
                }
            }
            return new Run(Double.POSITIVE_INFINITY, Double.NaN);
        }
    }

    private static String rate(double mbps) {
        return mbps == 0 ? "failed" : String.format(Locale.ROOT, "%.0f", mbps);
    }

    // --- processes ---

    /** Wall time from start to exit, and the CPU the kernel charged the reaped child (user + system). */
    private record Run(double wall, double cpu) {
        static Run median(Run[] runs) {
            double[] w = Arrays.stream(runs).mapToDouble(Run::wall).toArray();
            double[] c = Arrays.stream(runs).mapToDouble(Run::cpu).toArray();
            return new Run(Peers.median(w), Peers.median(c));
        }

        String describe(long size) {
            return String.format(Locale.ROOT, "%.2f s wall (%.0f MB/s), %.2f s CPU", wall, size / wall / 1e6, cpu);
        }

        static String walls(Run[] runs) {
            return Arrays.stream(runs).map(r -> String.format(Locale.ROOT, "%.2f", r.wall())).collect(java.util.stream.Collectors.joining(" "));
        }
    }

    private Run time(String... cmd) throws Exception {
        double cpu0 = childrenCpu();
        long t0 = System.nanoTime();
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(work.resolve("last-run.log").toFile()).start();
        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS) || p.exitValue() != 0) {
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
            throw new IllegalStateException(String.join(" ", cmd) + " failed: " + Files.readString(work.resolve("last-run.log")));
        }
        double wall = (System.nanoTime() - t0) / 1e9;
        return new Run(wall, childrenCpu() - cpu0);
    }

    /** This JVM's cutime + cstime: the CPU of every child it has reaped. */
    private static double childrenCpu() throws IOException {
        String[] f = stat("/proc/self/stat");
        return (Long.parseLong(f[13]) + Long.parseLong(f[14])) * TICK;
    }

    /**
     * A daemon's CPU in seconds, user and kernel, its children's included: from a cpuacct control group of its own
     * where the machine has one (in.tftpd forks a child per transfer and ignores SIGCHLD, so the
     * children's CPU never reaches its own accounting), else its own and its reaped children's.
     */
    private double[] userAndKernel(Process p) throws IOException {
        Path group = CPUACCT.resolve("apimage-bench-" + p.pid());
        if (Files.isDirectory(group)) {
            double user = 0;
            double system = 0;
            for (String line : Files.readAllLines(group.resolve("cpuacct.stat"))) {
                String[] kv = line.trim().split("\\s+");
                if (kv[0].equals("user")) {
                    user = Long.parseLong(kv[1]) * TICK;
                } else if (kv[0].equals("system")) {
                    system = Long.parseLong(kv[1]) * TICK;
                }
            }
            return new double[] {user, system};
        }
        String[] f = stat("/proc/" + p.pid() + "/stat");
        return new double[] {(Long.parseLong(f[11]) + Long.parseLong(f[13])) * TICK, (Long.parseLong(f[12]) + Long.parseLong(f[14])) * TICK};
    }

    private static final Path CPUACCT = Path.of("/sys/fs/cgroup/cpuacct");

    /** Puts a daemon into a cpuacct group of its own, when the machine lets us; its children follow. */
    private static void account(Process p) {
        Path group = CPUACCT.resolve("apimage-bench-" + p.pid());
        try {
            Files.createDirectory(group);
            Files.writeString(group.resolve("cgroup.procs"), Long.toString(p.pid()));
        } catch (IOException | UnsupportedOperationException e) {
            try {
                Files.deleteIfExists(group);
            } catch (IOException ignored) {
                // not ours to remove
            }
        }
    }

    private static void unaccount(Process p) {
        Path group = CPUACCT.resolve("apimage-bench-" + p.pid());
        if (!Files.isDirectory(group)) {
            return;
        }
        try {
            for (String pid : Files.readAllLines(group.resolve("cgroup.procs"))) {
                Files.writeString(CPUACCT.resolve("cgroup.procs"), pid.trim());
            }
            Files.delete(group);
        } catch (IOException e) {
            System.out.println("(could not remove " + group + ": " + e.getMessage() + ")");
        }
    }

    /** The fields of a stat file after the command name, so that index 0 is the state. */
    private static String[] stat(String file) throws IOException {
        String s = Files.readString(Path.of(file));
        return s.substring(s.lastIndexOf(')') + 2).trim().split(" ");
    }

    private int ourTftpServer() throws Exception {
        int port = freeUdpPort();
        daemon(tool.toString(), "tftp-server", "--root", root.toString(), "--address", "127.0.0.1", "--port", Integer.toString(port));
        waitTftp(port);
        return port;
    }

    private int atftpd(Path atftpd) throws Exception {
        int port = freeUdpPort();
        daemon(atftpd.toString(), "--daemon", "--no-fork", "--port", Integer.toString(port), "--bind-address", "127.0.0.1",
                "--logfile", "/dev/null", root.toString());
        waitTftp(port);
        return port;
    }

    private Process daemon(String... cmd) throws IOException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        daemons.add(p);
        account(p);
        return p;
    }

    /** Asks the new server for a missing file until it answers (bounded: 10 s, 100 ms apart). */
    private void waitTftp(int port) throws Exception {
        byte[] rrq = "\0\1nothing-here\0octet\0".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        try (java.net.DatagramSocket s = new java.net.DatagramSocket(0, java.net.InetAddress.getLoopbackAddress())) {
            s.setSoTimeout(100);
            for (int i = 0; i < 100; i++) {
                s.send(new java.net.DatagramPacket(rrq, rrq.length, java.net.InetAddress.getLoopbackAddress(), port));
                try {
                    s.receive(new java.net.DatagramPacket(new byte[600], 600));
                    return;
                } catch (java.net.SocketTimeoutException e) {
                    // not up yet
                }
            }
        }
        throw new IllegalStateException("no TFTP server answered on port " + port);
    }

    private void check(String name, Path f) throws IOException {
        if (Files.mismatch(f, root.resolve(name)) != -1) {
            throw new IllegalStateException(f + " differs from the image");
        }
        Files.delete(f);
    }

    private static int freeUdpPort() throws IOException {
        try (java.net.DatagramSocket s = new java.net.DatagramSocket(0, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private void close() throws Exception {
        for (Process p : daemons) {
            p.destroy();
        }
        for (Process p : daemons) {
            p.waitFor(5, TimeUnit.SECONDS);
            unaccount(p);
        }
        try (var s = Files.walk(work)) {
            s.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        }
    }
}

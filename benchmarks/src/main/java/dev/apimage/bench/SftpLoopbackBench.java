package dev.apimage.bench;

import dev.apimage.sftp.SftpOptions;
import dev.apimage.simulator.SampleBundle;
import dev.apimage.staging.ExpectedImage;
import dev.apimage.staging.StagedImage;
import dev.apimage.staging.StagingArea;
import dev.apimage.transfer.TransferOptions;
import dev.apimage.transfer.TransferResult;
import dev.apimage.transfer.TransferSession;
import dev.apimage.transfer.Transports;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * SFTP download of the field's ap1g8 image (70,512,640 bytes) from one OpenSSH sshd, embedded: our
 * provider in this warm JVM, as a controller runs it, into a staged image (the file written,
 * SHA-256 and MD5 computed), on plain loopback and through a TCP proxy adding 10 ms each way; with
 * the provider's tuning and with JSch's defaults, to show what the tuning buys, and Apache MINA
 * SSHD's client in the same role (this JVM, the same staged image). OpenSSH's client is a whole
 * process and is measured against {@code apimage fetch} in {@link WholeProcessBench}.
 * Needs root (sshd) and openssh-server.
 *
 * <pre>java -cp benchmarks/target/benchmarks.jar dev.apimage.bench.SftpLoopbackBench [--runs N]</pre>
 */
public final class SftpLoopbackBench {

    public static void main(String[] args) throws Exception {
        // MINA SSHD logs each session's extensions at INFO: not part of the report.
        String minaLog = "org.slf4j.simpleLogger.log.org.apache.sshd";
        System.setProperty(minaLog, System.getProperty(minaLog, "warn"));
        int runs = args.length == 2 && args[0].equals("--runs") ? Integer.parseInt(args[1]) : 3;
        if (!Files.isExecutable(Path.of("/usr/sbin/sshd"))) {
            System.out.println("(skipped: install Debian package openssh-server)");
            return;
        }
        Path work = Peers.workDirectory("apimage-sftp-bench");
        try (Peers.OpenSshServer sshd = Peers.OpenSshServer.start(work.resolve("ssh"))) {
            Path image = work.resolve("ap1g8");
            long size = 70_512_640L;
            SampleBundle.writeImage(image, size, false, 8);
            int port = sshd.port;
            try (TcpDelayProxy proxy = new TcpDelayProxy(new InetSocketAddress("127.0.0.1", port), 10)) {
                Path knownHosts = sshd.knownHosts(port, proxy.port());
                System.out.printf(Locale.ROOT, "SFTP download, embedded, into a staged image with digests, %,d bytes, one OpenSSH"
                        + " sshd, %d alternating runs, medians, %d cores%n%n", size, runs, Runtime.getRuntime().availableProcessors());
                for (int p : new int[] {port, proxy.port()}) {
                    System.out.println(p == port ? "Plain loopback:" : "Through a TCP proxy adding 10 ms each way (20 ms round trip):");
                    double[] ours = new double[runs];
                    double[] jschDefaults = new double[runs];
                    double[] mina = new double[runs];
                    ours(sshd, knownHosts, work, image, p, true); // warm-up
                    mina(sshd, knownHosts, work, image, p);
                    for (int i = 0; i < runs; i++) {
                        ours[i] = ours(sshd, knownHosts, work, image, p, true);
                        mina[i] = mina(sshd, knownHosts, work, image, p);
                        jschDefaults[i] = ours(sshd, knownHosts, work, image, p, false);
                    }
                    double o = Peers.median(ours);
                    double d = Peers.median(jschDefaults);
                    double m = Peers.median(mina);
                    System.out.printf(Locale.ROOT, "   apimage sftp provider (tuned)         %7.3f s %7.1f MB/s%n", o, size / o / 1e6);
                    System.out.printf(Locale.ROOT, "   apimage sftp provider, JSch defaults  %7.3f s %7.1f MB/s%n", d, size / d / 1e6);
                    System.out.printf(Locale.ROOT, "   Apache MINA SSHD client               %7.3f s %7.1f MB/s%n", m, size / m / 1e6);
                    System.out.printf(Locale.ROOT, "   tuned / JSch defaults: %.2fx; ours / MINA SSHD (throughput): %.2fx%n%n", d / o, m / o);
                }
            }
        } finally {
            try (var s = Files.walk(work)) {
                s.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
            Transports.reload();
        }
    }

    private static double ours(Peers.OpenSshServer sshd, Path knownHosts, Path work, Path image, int port, boolean tuned)
            throws Exception {
        Path dir = Files.createDirectories(work.resolve("staging"));
        TransferOptions o = TransferOptions.builder().set(TransferOptions.IDENTITY_FILE, sshd.identity())
                .set(SftpOptions.KNOWN_HOSTS, knownHosts).set(SftpOptions.TUNED, tuned)
                .set(SftpOptions.PARALLEL_RANGES, Integer.getInteger("ranges", SftpOptions.PARALLEL_RANGES.defaultValue()))
                .set(TransferOptions.COMPUTE_DIGESTS, false).build();
        long t0 = System.nanoTime();
        Path committed;
        try (TransferSession s = Transports.open(URI.create("sftp://root@127.0.0.1:" + port + image), o);
                StagedImage staged = StagingArea.open(dir).begin("ours.out", -1)) {
            TransferResult r = s.start(staged).get(10, TimeUnit.MINUTES);
            if (r.bytes() != Files.size(image)) {
                throw new IllegalStateException("short download");
            }
            committed = staged.commit(ExpectedImage.ofSize(r.bytes())).file();
        }
        double t = (System.nanoTime() - t0) / 1e9;
        check(image, committed);
        Files.delete(committed);
        Transports.reload(); // a fresh SSH session each run, like a new client process
        return t;
    }

    /** The peer client in the same role: MINA SSHD's, in this JVM, into a staged image with its digests. */
    private static double mina(Peers.OpenSshServer sshd, Path knownHosts, Path work, Path image, int port) throws Exception {
        Path dir = Files.createDirectories(work.resolve("staging"));
        long t0 = System.nanoTime();
        Path committed = MinaSftpFetch.fetch(port, sshd.identity(), knownHosts, image.toString(), dir.resolve("mina.out")).file();
        double t = (System.nanoTime() - t0) / 1e9;
        check(image, committed);
        Files.delete(committed);
        return t;
    }

    private static void check(Path a, Path b) throws IOException {
        if (Files.mismatch(a, b) != -1) {
            throw new IllegalStateException("different bytes");
        }
    }

}

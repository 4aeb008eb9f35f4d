package dev.apimage.bench;

import dev.apimage.sftp.SftpOptions;
import dev.apimage.simulator.SampleBundle;
import dev.apimage.transfer.BlockSink;
import dev.apimage.transfer.TransferOptions;
import dev.apimage.transfer.TransferResult;
import dev.apimage.transfer.TransferSession;
import dev.apimage.transfer.Transports;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * SFTP download of the field's ap1g8 image (70,512,640 bytes) from one OpenSSH sshd, our provider
 * against OpenSSH's own {@code sftp} client ({@code -R 256 -B 262144}, default cipher and
 * {@code -c aes128-gcm@openssh.com}), on plain loopback and through a TCP proxy adding 10 ms each
 * way; and our provider with JSch's defaults, to show what the tuning buys. Needs root (sshd),
 * openssh-server and openssh-client.
 *
 * <pre>java -cp benchmarks/target/benchmarks.jar dev.apimage.bench.SftpLoopbackBench [--runs N]</pre>
 */
public final class SftpLoopbackBench {

    public static void main(String[] args) throws Exception {
        int runs = args.length == 2 && args[0].equals("--runs") ? Integer.parseInt(args[1]) : 3;
        if (!Files.isExecutable(Path.of("/usr/sbin/sshd")) || !Files.isExecutable(Path.of("/usr/bin/sftp"))) {
            System.out.println("(skipped: install Debian packages openssh-server and openssh-client)");
            return;
        }
        Path work = Files.createTempDirectory("apimage-sftp-bench");
        List<Process> procs = new ArrayList<>();
        try {
            Files.createDirectories(Path.of("/run/sshd"));
            exec("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", work.resolve("hostkey").toString());
            exec("ssh-keygen", "-q", "-t", "ecdsa", "-b", "256", "-m", "PEM", "-N", "", "-f", work.resolve("id").toString());
            Files.copy(work.resolve("id.pub"), work.resolve("authorized_keys"));
            Path image = work.resolve("ap1g8");
            long size = 70_512_640L;
            SampleBundle.writeImage(image, size, false, 8);
            int port;
            try (ServerSocket s = new ServerSocket(0)) {
                port = s.getLocalPort();
            }
            Path conf = Files.writeString(work.resolve("sshd_config"), String.join("\n", "Port " + port,
                    "ListenAddress 127.0.0.1", "HostKey " + work.resolve("hostkey"), "PidFile none", "UsePAM no",
                    "PermitRootLogin prohibit-password", "PasswordAuthentication no",
                    "AuthorizedKeysFile " + work.resolve("authorized_keys"), "StrictModes no",
                    "Subsystem sftp internal-sftp", ""));
            procs.add(new ProcessBuilder("/usr/sbin/sshd", "-D", "-e", "-f", conf.toString())
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start());
            waitPort(port);
            try (TcpDelayProxy proxy = new TcpDelayProxy(new InetSocketAddress("127.0.0.1", port), 10)) {
                String[] pub = Files.readString(work.resolve("hostkey.pub")).split(" ");
                Files.writeString(work.resolve("known_hosts"), "[127.0.0.1]:" + port + " " + pub[0] + " " + pub[1] + "\n"
                        + "[127.0.0.1]:" + proxy.port() + " " + pub[0] + " " + pub[1] + "\n");
                System.out.printf(Locale.ROOT, "SFTP download, %,d bytes, one OpenSSH sshd, %d alternating runs, medians, %d cores%n%n",
                        size, runs, Runtime.getRuntime().availableProcessors());
                for (int p : new int[] {port, proxy.port()}) {
                    System.out.println(p == port ? "Plain loopback:" : "Through a TCP proxy adding 10 ms each way (20 ms round trip):");
                    double[] ours = new double[runs];
                    double[] jschDefaults = new double[runs];
                    double[] openssh = new double[runs];
                    double[] opensshGcm = new double[runs];
                    ours(work, image, p, true); // warm-up
                    for (int i = 0; i < runs; i++) {
                        ours[i] = ours(work, image, p, true);
                        openssh[i] = openssh(work, image, p, null);
                        opensshGcm[i] = openssh(work, image, p, "aes128-gcm@openssh.com");
                        jschDefaults[i] = ours(work, image, p, false);
                    }
                    double o = median(ours);
                    double s = median(openssh);
                    double g = median(opensshGcm);
                    double d = median(jschDefaults);
                    System.out.printf(Locale.ROOT, "   apimage sftp provider (tuned)         %7.3f s %7.1f MB/s%n", o, size / o / 1e6);
                    System.out.printf(Locale.ROOT, "   apimage sftp provider, JSch defaults  %7.3f s %7.1f MB/s%n", d, size / d / 1e6);
                    System.out.printf(Locale.ROOT, "   OpenSSH sftp -R 256 -B 262144         %7.3f s %7.1f MB/s%n", s, size / s / 1e6);
                    System.out.printf(Locale.ROOT, "   OpenSSH sftp ... -c aes128-gcm        %7.3f s %7.1f MB/s%n", g, size / g / 1e6);
                    System.out.printf(Locale.ROOT, "   ratio tuned / OpenSSH best: %.2fx; tuned / JSch defaults: %.2fx%n%n",
                            Math.min(s, g) / o, d / o);
                }
            }
        } finally {
            for (Process p : procs) {
                p.destroy();
            }
            try (var s = Files.walk(work)) {
                s.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
            Transports.reload();
        }
    }

    private static double ours(Path work, Path image, int port, boolean tuned) throws Exception {
        Path out = work.resolve("ours.out");
        Files.deleteIfExists(out);
        TransferOptions o = TransferOptions.builder().set(TransferOptions.IDENTITY_FILE, work.resolve("id"))
                .set(SftpOptions.KNOWN_HOSTS, work.resolve("known_hosts")).set(SftpOptions.TUNED, tuned)
                .set(SftpOptions.PARALLEL_RANGES, Integer.getInteger("ranges", SftpOptions.PARALLEL_RANGES.defaultValue()))
                .set(TransferOptions.COMPUTE_DIGESTS, false).build();
        long t0 = System.nanoTime();
        try (FileChannel ch = FileChannel.open(out, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
                TransferSession s = Transports.open(URI.create("sftp://root@127.0.0.1:" + port + image), o)) {
            TransferResult r = s.start(new BlockSink() {
                @Override
                public void write(ByteBuffer block, long offset) throws IOException {
                    while (block.hasRemaining()) {
                        offset += ch.write(block, offset);
                    }
                }

                @Override
                public boolean acceptsAnyOrder() {
                    return true;
                }
            }).get(10, TimeUnit.MINUTES);
            if (r.bytes() != Files.size(image)) {
                throw new IllegalStateException("short download");
            }
        }
        double t = (System.nanoTime() - t0) / 1e9;
        check(image, out);
        Transports.reload(); // a fresh SSH session each run, like the sftp client
        return t;
    }

    private static double openssh(Path work, Path image, int port, String cipher) throws Exception {
        Path out = work.resolve("openssh.out");
        Files.deleteIfExists(out);
        List<String> cmd = new ArrayList<>(List.of("sftp", "-q", "-i", work.resolve("id").toString(),
                "-o", "UserKnownHostsFile=" + work.resolve("known_hosts"), "-o", "StrictHostKeyChecking=yes",
                "-o", "BatchMode=yes", "-P", Integer.toString(port), "-R", "256", "-B", "262144"));
        if (cipher != null) {
            cmd.addAll(List.of("-c", cipher));
        }
        cmd.add("root@127.0.0.1:" + image);
        cmd.add(out.toString());
        long t0 = System.nanoTime();
        exec(cmd.toArray(String[]::new));
        double t = (System.nanoTime() - t0) / 1e9;
        check(image, out);
        return t;
    }

    private static void check(Path a, Path b) throws IOException {
        if (Files.mismatch(a, b) != -1) {
            throw new IllegalStateException("different bytes");
        }
    }

    private static void exec(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(10, TimeUnit.MINUTES) || p.exitValue() != 0) {
            throw new IllegalStateException(String.join(" ", cmd) + " failed: " + out);
        }
    }

    private static void waitPort(int port) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (true) {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 200);
                return;
            } catch (IOException e) {
                if (System.nanoTime() > deadline) {
                    throw e;
                }
                Thread.sleep(50);
            }
        }
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s[s.length / 2];
    }
}

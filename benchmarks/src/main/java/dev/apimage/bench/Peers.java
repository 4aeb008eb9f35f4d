package dev.apimage.bench;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;

/** The harnesses' shared look-ups of peer programs, their OpenSSH server, and medians. */
final class Peers {

    private Peers() {
    }

    /** A program from /usr/sbin or /usr/bin, or null (said once, with the Debian package to install). */
    static Path binary(String name, String pkg) {
        for (String d : new String[] {"/usr/sbin", "/usr/bin"}) {
            Path p = Path.of(d, name);
            if (Files.isExecutable(p)) {
                return p;
            }
        }
        System.out.printf("(skipped: %s not found; install Debian package %s)%n%n", name, pkg);
        return null;
    }

    /** atftpd, unpacked beside the system (Debian installs it as a service we do not want), or null. */
    static Path atftpd() {
        Path p = Path.of(System.getenv().getOrDefault("ATFTPD", "/opt/atftpd/usr/sbin/atftpd"));
        if (!Files.isExecutable(p)) {
            System.out.printf("(skipped: atftpd not found at %s; apt-get download atftpd && dpkg -x atftpd_*.deb /opt/atftpd)%n%n", p);
            return null;
        }
        return p;
    }

    /** The median; of an even count, the mean of the middle two. */
    static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    /** A directory on tmpfs when the machine has one (what the peers' files are written to), else the temporary one. */
    static Path workDirectory(String prefix) throws IOException {
        Path shm = Path.of("/dev/shm");
        Path dir = Files.createTempDirectory(Files.isWritable(shm) ? shm : Path.of(System.getProperty("java.io.tmpdir")), prefix);
        // The peers' servers drop to an unprivileged user: what is served must be readable by anyone.
        Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        return dir;
    }

    /**
     * An OpenSSH sshd on 127.0.0.1 serving internal-sftp, with a fresh host key and one client key
     * (ECDSA P-256 in PEM, which JSch and OpenSSH both read). Needs root and openssh-server.
     */
    static final class OpenSshServer implements AutoCloseable {
        final Path dir;
        final int port;
        private final Process process;

        private OpenSshServer(Path dir, int port, Process process) {
            this.dir = dir;
            this.port = port;
            this.process = process;
        }

        static OpenSshServer start(Path dir) throws Exception {
            Files.createDirectories(dir);
            Files.createDirectories(Path.of("/run/sshd"));
            exec("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", dir.resolve("hostkey").toString());
            exec("ssh-keygen", "-q", "-t", "ecdsa", "-b", "256", "-m", "PEM", "-N", "", "-f", dir.resolve("id").toString());
            Files.copy(dir.resolve("id.pub"), dir.resolve("authorized_keys"));
            int port;
            try (ServerSocket s = new ServerSocket(0)) {
                port = s.getLocalPort();
            }
            Path conf = Files.writeString(dir.resolve("sshd_config"), String.join("\n", "Port " + port,
                    "ListenAddress 127.0.0.1", "HostKey " + dir.resolve("hostkey"), "PidFile none", "UsePAM no",
                    "PermitRootLogin prohibit-password", "PasswordAuthentication no",
                    "AuthorizedKeysFile " + dir.resolve("authorized_keys"), "StrictModes no",
                    "Subsystem sftp internal-sftp", ""));
            Process p = new ProcessBuilder("/usr/sbin/sshd", "-D", "-e", "-f", conf.toString())
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            OpenSshServer server = new OpenSshServer(dir, port, p);
            server.waitListening();
            return server;
        }

        /** The client's private key. */
        Path identity() {
            return dir.resolve("id");
        }

        /**
         * A known_hosts file naming this server's key for each port given (the server's own, a proxy's).
         *
         * @return the file
         */
        Path knownHosts(int... ports) throws IOException {
            String[] pub = Files.readString(dir.resolve("hostkey.pub")).split(" ");
            StringBuilder b = new StringBuilder();
            for (int p : ports) {
                b.append("[127.0.0.1]:").append(p).append(' ').append(pub[0]).append(' ').append(pub[1]).append('\n');
            }
            return Files.writeString(dir.resolve("known_hosts"), b.toString());
        }

        Process process() {
            return process;
        }

        private void waitListening() throws Exception {
            for (int i = 0; i < 200; i++) {
                try (Socket s = new Socket()) {
                    s.connect(new InetSocketAddress("127.0.0.1", port), 200);
                    return;
                } catch (IOException e) {
                    Thread.sleep(50);
                }
            }
            throw new IllegalStateException("sshd does not listen on port " + port);
        }

        @Override
        public void close() throws InterruptedException {
            process.destroy();
            process.waitFor(5, TimeUnit.SECONDS);
        }

        private static void exec(String... cmd) throws Exception {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String o = new String(p.getInputStream().readAllBytes());
            if (!p.waitFor(1, TimeUnit.MINUTES) || p.exitValue() != 0) {
                throw new IllegalStateException(String.join(" ", cmd) + " failed: " + o);
            }
        }
    }
}

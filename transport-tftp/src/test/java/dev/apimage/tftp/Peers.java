package dev.apimage.tftp;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Real TFTP peers from Debian packages, found on this machine or skipped with the package name.
 * {@code .ci/run} installs them all; atftpd, which conflicts with tftpd-hpa, is unpacked to
 * {@value #ATFTPD_DIR} (override with the {@code ATFTPD} environment variable).
 */
final class Peers {

    static final String ATFTPD_DIR = "/opt/atftpd";

    private Peers() {
    }

    static Path require(String binary, String pkg) {
        for (String dir : new String[] {"/usr/sbin", "/usr/bin", "/sbin", "/bin", "/usr/local/bin"}) {
            Path p = Path.of(dir, binary);
            if (Files.isExecutable(p)) {
                return p;
            }
        }
        assumeTrue(false, binary + " not found: install Debian package '" + pkg + "' (.ci/run does)");
        return null;
    }

    static Path atftpd() {
        String env = System.getenv("ATFTPD");
        Path p = env != null ? Path.of(env) : Path.of(ATFTPD_DIR, "usr/sbin/atftpd");
        assumeTrue(Files.isExecutable(p), "atftpd not found at " + p + ": unpack Debian package 'atftpd' there "
                + "(apt-get download atftpd && dpkg -x atftpd_*.deb " + ATFTPD_DIR + "; .ci/run does)");
        return p;
    }

    /** A started peer process, stopped on close. */
    static final class Proc implements AutoCloseable {
        final Process process;
        final Path log;

        Proc(Path log, String... command) throws IOException {
            this.log = log;
            this.process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        }

        String log() throws IOException {
            return Files.readString(log);
        }

        @Override
        public void close() throws InterruptedException {
            process.destroy();
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        }
    }

    /** Runs a client command to completion (bounded), returning its exit code; output to the log file. */
    static int run(Path log, long timeoutSeconds, String... command) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(command));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            throw new AssertionError(String.join(" ", cmd) + " did not finish within " + timeoutSeconds + " s");
        }
        return p.exitValue();
    }
}

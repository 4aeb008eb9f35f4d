package dev.apimage.tftp;

import dev.apimage.image.ImageDigests;
import dev.apimage.staging.ExpectedImage;
import dev.apimage.staging.StagedImage;
import dev.apimage.staging.StagingArea;
import dev.apimage.testing.TestImages;
import dev.apimage.transfer.TransferException;
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
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/** Shared helpers of the TFTP tests: files, downloads, free ports, peer binaries. */
final class TftpFixtures {

    static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

    private TftpFixtures() {
    }

    /** Writes a world-readable pseudo-random file (in.tftpd serves as nobody). */
    static Path file(Path root, String relative, long size) throws IOException {
        Path f = root.resolve(relative);
        Files.createDirectories(f.getParent());
        TestImages.write(f, size, relative.hashCode() * 31L + size);
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-r--r--"));
        for (Path d = f.getParent(); d != null && d.startsWith(root); d = d.getParent()) {
            Files.setPosixFilePermissions(d, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        return f;
    }

    static URI uri(InetSocketAddress server, String path) {
        return URI.create("tftp://" + server.getAddress().getHostAddress() + ":" + server.getPort() + path);
    }

    /** Downloads into a staging area and commits; returns the committed file. */
    static Path download(URI uri, TransferOptions options, Path stagingDir, String name) throws Exception {
        StagingArea area = StagingArea.open(stagingDir);
        try (TransferSession s = Transports.open(uri, options); StagedImage staged = area.begin(name, -1)) {
            TransferResult r = s.start(staged).get(120, TimeUnit.SECONDS);
            staged.commit(new ExpectedImage(r.bytes(), r.digests().map(ImageDigests::sha256), java.util.Optional.empty()));
            return staged.target();
        }
    }

    /** The failure of a download that must fail. */
    static TransferException failure(URI uri, TransferOptions options) throws Exception {
        try (TransferSession s = Transports.open(uri, options)) {
            try {
                s.start((b, o) -> { }).get(120, TimeUnit.SECONDS);
            } catch (ExecutionException e) {
                if (e.getCause() instanceof TransferException te) {
                    return te;
                }
                throw e;
            }
        }
        throw new AssertionError("download of " + uri + " succeeded");
    }

    static int freeUdpPort() throws IOException {
        try (DatagramSocket s = new DatagramSocket(0, LOOPBACK)) {
            return s.getLocalPort();
        }
    }

    static boolean sameContent(Path a, Path b) throws IOException {
        return Files.mismatch(a, b) == -1;
    }
}

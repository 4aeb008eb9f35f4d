package dev.apimage.image;

import dev.apimage.internal.LogText;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Enumeration;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.zip.ZipArchiveEntry;
import org.apache.commons.compress.archivers.zip.ZipFile;

/** Safe extraction of bundle archives; see {@link ImageBundle#extract(Path, Path)}. */
final class BundleArchives {

    /** Largest total of extracted bytes accepted from one archive (a field bundle is ~0.8 GB). */
    static final long MAX_TOTAL_BYTES = 8L << 30;
    /** Most entries accepted from one archive (a bundle has about a dozen). */
    static final int MAX_ENTRIES = 10_000;
    private static final int MAX_NAME = 1024;

    private BundleArchives() {
    }

    /**
     * Extracts the archive and returns the bundle directory (target, or its single sub-directory).
     */
    static Path extract(Path archive, Path target) throws IOException {
        if (!Files.isRegularFile(archive)) {
            throw new BundleException("not a bundle archive: " + archive + " (no such file)");
        }
        Path absTarget = target.toAbsolutePath().normalize();
        if (Files.exists(absTarget) && !isEmptyDirectory(absTarget)) {
            throw new BundleException("extraction target " + target + " exists and is not an empty directory");
        }
        Path parent = absTarget.getParent();
        Files.createDirectories(parent);
        Path staging = parent.resolve("." + absTarget.getFileName() + ".extracting-"
                + Long.toHexString(ThreadLocalRandom.current().nextLong()));
        Files.createDirectory(staging);
        boolean success = false;
        try {
            Format format = detect(archive);
            Extraction x = new Extraction(staging);
            switch (format) {
                case ZIP -> extractZip(archive, x);
                case TAR -> {
                    try (InputStream in = new BufferedInputStream(Files.newInputStream(archive))) {
                        extractTar(in, x);
                    }
                }
                case TAR_GZ -> {
                    try (InputStream in = new GZIPInputStream(new BufferedInputStream(Files.newInputStream(archive)))) {
                        extractTar(in, x);
                    }
                }
            }
            if (Files.exists(absTarget)) {
                Files.delete(absTarget);
            }
            Files.move(staging, absTarget, StandardCopyOption.ATOMIC_MOVE);
            success = true;
        } finally {
            if (!success) {
                deleteTree(staging);
            }
        }
        List<Path> top = list(absTarget);
        if (top.size() == 1 && Files.isDirectory(top.get(0))) {
            return top.get(0);
        }
        return absTarget;
    }

    private enum Format { ZIP, TAR, TAR_GZ }

    private static Format detect(Path archive) throws IOException {
        byte[] head = new byte[512];
        int n;
        try (InputStream in = Files.newInputStream(archive)) {
            n = in.readNBytes(head, 0, head.length);
        }
        if (n >= 4 && head[0] == 'P' && head[1] == 'K' && head[2] == 3 && head[3] == 4) {
            return Format.ZIP;
        }
        if (n >= 2 && (head[0] & 0xff) == 0x1f && (head[1] & 0xff) == 0x8b) {
            return Format.TAR_GZ;
        }
        if (n == 512 && head[257] == 'u' && head[258] == 's' && head[259] == 't' && head[260] == 'a'
                && head[261] == 'r') {
            return Format.TAR;
        }
        String name = archive.getFileName().toString();
        if (name.endsWith(".tar") && n == 512) {
            return Format.TAR; // pre-POSIX tar without the ustar magic
        }
        throw new BundleException("not a bundle archive: " + archive.getFileName()
                + " (expected a .zip, .tar or .tar.gz file)");
    }

    private static void extractZip(Path archive, Extraction x) throws IOException {
        try (ZipFile zip = ZipFile.builder().setPath(archive).get()) {
            Enumeration<ZipArchiveEntry> entries = zip.getEntriesInPhysicalOrder();
            while (entries.hasMoreElements()) {
                ZipArchiveEntry e = entries.nextElement();
                if (e.isUnixSymlink()) {
                    throw refused(e.getName(), "is a symbolic link");
                }
                if (e.isDirectory()) {
                    x.directory(e.getName());
                } else {
                    try (InputStream in = zip.getInputStream(e)) {
                        x.file(e.getName(), in);
                    }
                }
            }
        }
    }

    private static void extractTar(InputStream raw, Extraction x) throws IOException {
        try (TarArchiveInputStream tar = new TarArchiveInputStream(raw)) {
            TarArchiveEntry e;
            while ((e = tar.getNextEntry()) != null) {
                if (e.isSymbolicLink() || e.isLink()) {
                    throw refused(e.getName(), "is a link");
                }
                if (e.isDirectory()) {
                    x.directory(e.getName());
                } else if (e.isFile()) {
                    x.file(e.getName(), tar);
                } else {
                    throw refused(e.getName(), "is not a regular file or directory");
                }
            }
        } catch (IllegalArgumentException e) {
            // Commons Compress reports some corrupt headers this way.
            throw new BundleException("corrupt tar archive: " + e.getMessage(), e);
        }
    }

    /** Writes entries below one root, checking each name and the running totals. */
    private static final class Extraction {
        private final Path root;
        private long totalBytes;
        private int entries;
        private final byte[] buffer = new byte[64 * 1024];

        Extraction(Path root) {
            this.root = root;
        }

        void directory(String name) throws IOException {
            count(name);
            Path p = resolve(name);
            if (p != null) {
                requireDirectoriesPossible(name, p);
                Files.createDirectories(p);
            }
        }

        void file(String name, InputStream in) throws IOException {
            count(name);
            Path p = resolve(name);
            if (p == null) {
                throw refused(name, "names the archive root, not a file");
            }
            requireDirectoriesPossible(name, p.getParent());
            if (Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
                throw refused(name, "appears twice in the archive");
            }
            Files.createDirectories(p.getParent());
            try (OutputStream out = Files.newOutputStream(p, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                int n;
                while ((n = in.read(buffer)) > 0) {
                    totalBytes += n;
                    if (totalBytes > MAX_TOTAL_BYTES) {
                        throw new BundleException("archive expands past " + MAX_TOTAL_BYTES + " bytes; refused");
                    }
                    out.write(buffer, 0, n);
                }
            } catch (FileAlreadyExistsException e) {
                throw refused(name, "appears twice in the archive");
            }
        }

        /** Every existing path from the root down to {@code dir} must be a directory. */
        private void requireDirectoriesPossible(String name, Path dir) throws BundleException {
            for (Path p = dir; p != null && p.startsWith(root) && !p.equals(root); p = p.getParent()) {
                if (Files.exists(p, LinkOption.NOFOLLOW_LINKS) && !Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                    throw refused(name, "conflicts with a file of the same name in the archive");
                }
            }
        }

        private void count(String name) throws BundleException {
            if (++entries > MAX_ENTRIES) {
                throw new BundleException("archive has more than " + MAX_ENTRIES + " entries; refused");
            }
            if (name.length() > MAX_NAME) {
                throw refused(name, "has a name longer than " + MAX_NAME + " characters");
            }
        }

        /** The entry's path inside the root, or null for the root itself. */
        private Path resolve(String name) throws BundleException {
            if (name.indexOf('\0') >= 0) {
                throw refused(name, "has a NUL character in its name");
            }
            String n = name.replace('\\', '/');
            if (n.startsWith("/") || (n.length() >= 2 && n.charAt(1) == ':')) {
                throw refused(name, "has an absolute name");
            }
            List<String> parts = new ArrayList<>();
            for (String part : n.split("/")) {
                if (part.isEmpty() || part.equals(".")) {
                    continue;
                }
                if (part.equals("..")) {
                    throw refused(name, "would land outside the target directory");
                }
                for (int i = 0; i < part.length(); i++) {
                    if (Character.isISOControl(part.charAt(i))) {
                        throw refused(name, "has a control character in its name");
                    }
                }
                parts.add(part);
            }
            if (parts.isEmpty()) {
                return null;
            }
            Path p = root;
            for (String part : parts) {
                p = p.resolve(part);
            }
            Path normal = p.normalize();
            if (!normal.startsWith(root) || normal.equals(root)) {
                throw refused(name, "would land outside the target directory");
            }
            return normal;
        }
    }

    private static BundleException refused(String name, String why) {
        return new BundleException("archive entry '" + LogText.printable(name, 64) + "' " + why + "; archive refused");
    }

    private static boolean isEmptyDirectory(Path p) throws IOException {
        if (!Files.isDirectory(p)) {
            return false;
        }
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(p)) {
            return !ds.iterator().hasNext();
        }
    }

    private static List<Path> list(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.toList();
        }
    }

    static void deleteTree(Path root) {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            // Best effort: leaving a hidden ".extracting-" directory is safe, never a bundle.
        }
    }
}

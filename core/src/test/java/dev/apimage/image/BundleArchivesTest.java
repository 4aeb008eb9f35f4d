package dev.apimage.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;

import dev.apimage.testing.CoreGenerators;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.zip.ZipArchiveEntry;
import org.apache.commons.compress.archivers.zip.ZipArchiveOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BundleArchivesTest {

    @TempDir
    Path dir;

    /** A tiny bundle as archive entries: name, content. */
    private static final List<String[]> BUNDLE = List.of(
            new String[] {"version.info", "17.9.4.27\n"},
            new String[] {"controller_version.info", "17.09.04a.0.6"},
            new String[] {"ap1g8", "image of ap1g8"},
            new String[] {"ap1g7", "image of ap1g7"});

    @Test
    void extractsATarBundle() throws IOException {
        Path tar = writeTar(dir.resolve("bundle.tar"), BUNDLE, false);
        ImageBundle b = ImageBundle.extract(tar, dir.resolve("out"));
        assertEquals(dir.resolve("out"), b.directory());
        assertEquals(Set.of(ImageType.AP1G8, ImageType.AP1G7), b.images().keySet());
        assertEquals("17.9.4.27", b.apVersion().orElseThrow().toString());
        assertEquals("image of ap1g8", Files.readString(b.image(ImageType.AP1G8).orElseThrow().file()));
    }

    @Test
    void extractsAGzippedTarWithOneTopDirectory() throws IOException {
        List<String[]> nested = BUNDLE.stream().map(e -> new String[] {"17_9_4a/" + e[0], e[1]}).toList();
        Path tgz = writeTar(dir.resolve("bundle.tgz"), nested, true);
        ImageBundle b = ImageBundle.extract(tgz, dir.resolve("out"));
        assertEquals(dir.resolve("out").resolve("17_9_4a"), b.directory());
        assertTrue(b.isValid(), b.validate().toString());
    }

    @Test
    void extractsAZipBundle() throws IOException {
        Path zip = writeZip(dir.resolve("bundle.zip"), BUNDLE, null);
        ImageBundle b = ImageBundle.extract(zip, dir.resolve("out"));
        assertEquals(Set.of(ImageType.AP1G8, ImageType.AP1G7), b.images().keySet());
    }

    @Test
    void refusesASymlinkEntryAndLeavesNothing() throws IOException {
        Path tar = dir.resolve("evil.tar");
        try (TarArchiveOutputStream out = new TarArchiveOutputStream(Files.newOutputStream(tar))) {
            TarArchiveEntry link = new TarArchiveEntry("ap1g8", TarArchiveEntry.LF_SYMLINK);
            link.setLinkName("/etc/shadow");
            out.putArchiveEntry(link);
            out.closeArchiveEntry();
        }
        BundleException e = assertThrows(BundleException.class, () -> ImageBundle.extract(tar, dir.resolve("out")));
        assertTrue(e.getMessage().contains("'ap1g8' is a link"), e.getMessage());
        assertEquals(Set.of("evil.tar"), names(dir));
    }

    @Test
    void refusesAZipSymlink() throws IOException {
        Path zip = writeZip(dir.resolve("evil.zip"), List.<String[]>of(new String[] {"ap1g8", "/etc/shadow"}), "ap1g8");
        BundleException e = assertThrows(BundleException.class, () -> ImageBundle.extract(zip, dir.resolve("out")));
        assertTrue(e.getMessage().contains("symbolic link"), e.getMessage());
        assertEquals(Set.of("evil.zip"), names(dir));
    }

    @Test
    void refusesEscapesAbsoluteNamesAndDuplicates() throws IOException {
        for (String name : new String[] {"../ap1g8", "a/../../ap1g8", "/tmp/ap1g8", "..\\..\\ap1g8", "C:\\ap1g8"}) {
            Path tar = writeTar(dir.resolve("evil.tar"), List.<String[]>of(new String[] {name, "x"}), false);
            BundleException e = assertThrows(BundleException.class, () -> ImageBundle.extract(tar, dir.resolve("out")), name);
            assertTrue(e.getMessage().contains("archive refused"), e.getMessage());
            assertEquals(Set.of("evil.tar"), names(dir), name);
        }
        Path dup = writeZip(dir.resolve("dup.zip"), List.of(new String[] {"ap1g8", "a"}, new String[] {"./ap1g8", "b"}), null);
        assertThrows(BundleException.class, () -> ImageBundle.extract(dup, dir.resolve("out")));
        assertFalse(Files.exists(dir.resolve("out")));
    }

    @Test
    void refusesANonEmptyTargetAndNonArchives() throws IOException {
        Path tar = writeTar(dir.resolve("b.tar"), BUNDLE, false);
        Files.createDirectories(dir.resolve("busy"));
        Files.writeString(dir.resolve("busy/keep"), "mine");
        assertThrows(BundleException.class, () -> ImageBundle.extract(tar, dir.resolve("busy")));
        assertEquals("mine", Files.readString(dir.resolve("busy/keep")));
        Path text = Files.writeString(dir.resolve("readme.txt"), "not an archive");
        BundleException e = assertThrows(BundleException.class, () -> ImageBundle.extract(text, dir.resolve("x")));
        assertTrue(e.getMessage().contains("expected a .zip, .tar or .tar.gz"), e.getMessage());
    }

    @Test
    void extractionNeverWritesOutsideTheTargetForHostileNames() {
        qt().withFixedSeed(0xBAD).withExamples(300)
                .forAll(CoreGenerators.hostileEntryNames(), CoreGenerators.hostileEntryNames(),
                        org.quicktheories.generators.Generate.booleans())
                .checkAssert((a, b, zip) -> {
                    try {
                        Path sandbox = Files.createTempDirectory(dir, "case");
                        Path archive = sandbox.resolve(zip ? "a.zip" : "a.tar");
                        List<String[]> entries = List.of(new String[] {a, "x"}, new String[] {b, "y"});
                        if (zip) {
                            writeZip(archive, entries, null);
                        } else {
                            writeTar(archive, entries, false);
                        }
                        Path target = sandbox.resolve("out").resolve("bundle");
                        boolean extracted;
                        try {
                            ImageBundle.extract(archive, target);
                            extracted = true;
                        } catch (BundleException e) {
                            extracted = false;
                        }
                        try (Stream<Path> s = Files.walk(sandbox)) {
                            for (Path p : s.toList()) {
                                boolean allowed = p.equals(sandbox) || p.equals(archive) || p.equals(target.getParent())
                                        || (extracted && p.startsWith(target));
                                assertTrue(allowed, () -> "entries " + List.of(a, b) + " wrote " + sandbox.relativize(p));
                            }
                        }
                        assertFalse(Files.exists(Path.of("/" + CoreGenerators.CANARY)));
                        assertFalse(Files.exists(Path.of("/tmp/" + CoreGenerators.CANARY)));
                        deleteTree(sandbox);
                    } catch (IOException e) {
                        throw new AssertionError(e);
                    }
                });
    }

    private static Path writeTar(Path file, List<String[]> entries, boolean gzip) throws IOException {
        Files.deleteIfExists(file);
        OutputStream raw = Files.newOutputStream(file);
        if (gzip) {
            raw = new GZIPOutputStream(raw);
        }
        try (TarArchiveOutputStream out = new TarArchiveOutputStream(raw, "UTF-8")) {
            out.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            for (String[] e : entries) {
                byte[] data = e[1].getBytes(StandardCharsets.UTF_8);
                TarArchiveEntry entry = new TarArchiveEntry(e[0], true);
                if (!entry.isDirectory()) {
                    entry.setSize(data.length);
                }
                out.putArchiveEntry(entry);
                if (!entry.isDirectory()) {
                    out.write(data);
                }
                out.closeArchiveEntry();
            }
        }
        return file;
    }

    private static Path writeZip(Path file, List<String[]> entries, String symlinkName) throws IOException {
        Files.deleteIfExists(file);
        try (ZipArchiveOutputStream out = new ZipArchiveOutputStream(file)) {
            for (String[] e : entries) {
                ZipArchiveEntry entry = new ZipArchiveEntry(e[0]);
                if (e[0].equals(symlinkName)) {
                    entry.setUnixMode(0120777);
                }
                out.putArchiveEntry(entry);
                out.write(e[1].getBytes(StandardCharsets.UTF_8));
                out.closeArchiveEntry();
            }
        }
        return file;
    }

    private static Set<String> names(Path d) throws IOException {
        try (Stream<Path> s = Files.list(d)) {
            return s.map(p -> p.getFileName().toString()).collect(Collectors.toSet());
        }
    }

    private static void deleteTree(Path root) throws IOException {
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}

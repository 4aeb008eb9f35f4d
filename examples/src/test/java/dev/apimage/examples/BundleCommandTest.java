package dev.apimage.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.apimage.image.ImageDigests;
import java.io.IOException;
import java.io.OutputStream;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BundleCommandTest {

    @TempDir
    Path dir;

    private final CliRun cli = new CliRun();
    private final StringWriter out = cli.out;
    private final StringWriter err = cli.err;

    @Test
    void inspectsAGeneratedSampleBundle() throws IOException {
        Path bundle = dir.resolve("bundle");
        assertEquals(0, cli.run("sample-bundle", bundle.toString()));
        assertEquals(0, cli.run("bundle", bundle.toString()), err.toString());
        String text = out.toString();
        assertTrue(text.contains("AP image version    : 17.9.4.27"), text);
        assertTrue(text.contains("Controller version  : 17.09.04a.0.6"), text);
        String sha = ImageDigests.of(bundle.resolve("ap1g8")).sha256();
        assertTrue(text.contains("ap1g8                70,512  " + sha), text);
        assertTrue(text.contains("Bundle is valid"), text);
    }

    @Test
    void inspectsATarBundleAndRemovesWhatItExtracted() throws IOException {
        Path bundle = dir.resolve("bundle");
        cli.run("sample-bundle", "--scale", "100000", bundle.toString());
        Path tar = dir.resolve("bundle.tar");
        try (OutputStream o = Files.newOutputStream(tar); TarArchiveOutputStream t = new TarArchiveOutputStream(o)) {
            try (Stream<Path> files = Files.list(bundle)) {
                for (Path f : files.sorted().toList()) {
                    TarArchiveEntry e = new TarArchiveEntry(f.toFile(), "EWC_17_9_4a/" + f.getFileName());
                    t.putArchiveEntry(e);
                    Files.copy(f, t);
                    t.closeArchiveEntry();
                }
            }
        }
        long tempDirsBefore = countTempBundles();
        assertEquals(0, cli.run("bundle", tar.toString()), err.toString());
        assertTrue(out.toString().contains("ap3g3"), out.toString());
        assertEquals(tempDirsBefore, countTempBundles(), "extraction removed");
    }

    @Test
    void anInvalidBundleExitsWithOneAndSaysWhy() throws IOException {
        Path bundle = dir.resolve("bundle");
        cli.run("sample-bundle", bundle.toString());
        Files.delete(bundle.resolve("version.info"));
        assertEquals(1, cli.run("bundle", bundle.toString()));
        assertTrue(out.toString().contains("ERROR version.info: missing version.info"), out.toString());
        assertTrue(out.toString().contains("Bundle is INVALID"), out.toString());
    }

    @Test
    void badArgumentsGiveOneLineAndExitTwo() {
        assertEquals(2, cli.run("bundle"));
        assertEquals(1, err.toString().strip().lines().count(), err.toString());
        assertTrue(err.toString().startsWith("apimage bundle: Missing required parameter"), err.toString());
        err.getBuffer().setLength(0);
        assertEquals(2, cli.run("no-such-command"));
        assertEquals(1, err.toString().strip().lines().count(), err.toString());
        err.getBuffer().setLength(0);
        assertEquals(2, cli.run("sample-bundle", "--scale", "zero", dir.toString()));
        assertEquals(1, err.toString().strip().lines().count(), err.toString());
    }

    @Test
    void aMissingBundleIsOneClearLine() {
        assertEquals(1, cli.run("bundle", dir.resolve("nope").toString()));
        assertEquals("apimage bundle: no such file or directory: " + dir.resolve("nope"), err.toString().strip());
    }

    @Test
    void everyCommandHasHelp() {
        for (String cmd : new String[] {"bundle", "sample-bundle"}) {
            out.getBuffer().setLength(0);
            assertEquals(0, cli.run(cmd, "--help"));
            assertTrue(out.toString().startsWith("Usage: apimage " + cmd), out.toString());
        }
        out.getBuffer().setLength(0);
        assertEquals(0, cli.run("--help"));
        assertTrue(out.toString().contains("bundle"), out.toString());
    }

    private static long countTempBundles() throws IOException {
        try (Stream<Path> s = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
            return s.filter(p -> p.getFileName().toString().startsWith("apimage-bundle-")).count();
        }
    }
}

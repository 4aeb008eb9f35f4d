package dev.apimage.staging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.apimage.image.ImageDigests;
import dev.apimage.transfer.BlockSinkException;
import dev.apimage.transfer.FailureReason;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StagingAreaTest {

    @TempDir
    Path dir;

    private static byte[] image(int size, long seed) {
        byte[] b = new byte[size];
        new SplittableRandom(seed).nextBytes(b);
        return b;
    }

    private static void writeAll(StagedImage s, byte[] data, int blockSize) throws IOException {
        for (int off = 0; off < data.length; off += blockSize) {
            s.write(ByteBuffer.wrap(data, off, Math.min(blockSize, data.length - off)), off);
        }
    }

    private List<String> listing() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void commitVerifiesAndRenamesAtomically() throws IOException {
        StagingArea area = StagingArea.open(dir);
        byte[] data = image(70_512, 1);
        Path committed;
        try (StagedImage s = area.begin("ap1g8", data.length)) {
            writeAll(s, data, 1024);
            assertFalse(Files.exists(dir.resolve("ap1g8")), "invisible until commit");
            assertTrue(s.temporaryFile().getFileName().toString().startsWith(".ap1g8."));
            CommittedImage c = s.commit(ExpectedImage.ofMd5(data.length, md5(data)));
            committed = c.file();
            assertEquals(data.length, c.size());
        }
        assertEquals(List.of("ap1g8"), listing());
        assertTrue(java.util.Arrays.equals(data, Files.readAllBytes(committed)));
        assertEquals(Optional.of(committed), area.image("ap1g8"));
    }

    @Test
    void outOfOrderAndRepeatedBlocksAreVerifiedByReadingBack() throws IOException {
        StagingArea area = StagingArea.open(dir);
        byte[] data = image(10_000, 2);
        try (StagedImage s = area.begin("ap1g7", data.length)) {
            s.write(ByteBuffer.wrap(data, 5000, 5000), 5000);
            s.write(ByteBuffer.wrap(data, 0, 5000), 0);
            s.write(ByteBuffer.wrap(data, 0, 1000), 0); // a retransmission
            s.commit(ExpectedImage.of(data.length, digests(data)));
        }
        assertTrue(java.util.Arrays.equals(data, Files.readAllBytes(dir.resolve("ap1g7"))));
    }

    /**
     * The digests are computed by workers reading back what is in place, while the writer goes on:
     * in order, in interleaved stripes (parallel ranges), and with a block first written wrong and
     * then written again after the workers had hashed past it. Several megabytes, so that the
     * workers run many steps of their 1 MiB chunk during the writes.
     */
    @Test
    void digestsFollowTheWriterInAnyOrderAndSeeRewrittenBytes() throws IOException {
        StagingArea area = StagingArea.open(dir);
        byte[] data = image(5 * (1 << 20) + 12_345, 3);
        ImageDigests expected = digests(data);
        try (StagedImage s = area.begin("in-order", data.length)) {
            writeAll(s, data, 1468);
            assertEquals(expected, s.commit(ExpectedImage.of(data.length, expected)).digests());
        }
        try (StagedImage s = area.begin("striped", data.length)) {
            int stripe = 64 << 10;
            int stripes = (data.length + stripe - 1) / stripe;
            for (int lane = 3; lane >= 0; lane--) { // four ranges, the last one first
                for (int k = lane; k < stripes; k += 4) {
                    int off = k * stripe;
                    s.write(ByteBuffer.wrap(data, off, Math.min(stripe, data.length - off)), off);
                }
            }
            assertEquals(expected, s.commit(ExpectedImage.of(data.length, expected)).digests());
        }
        try (StagedImage s = area.begin("rewritten", data.length)) {
            byte[] wrong = data.clone();
            wrong[100] ^= 1;
            writeAll(s, wrong, 1468);
            s.write(ByteBuffer.wrap(data, 0, 1468), 0); // the correct block, after the workers saw the wrong one
            assertEquals(expected, s.commit(ExpectedImage.of(data.length, expected)).digests());
        }
        for (String name : List.of("in-order", "striped", "rewritten")) {
            assertTrue(java.util.Arrays.equals(data, Files.readAllBytes(dir.resolve(name))), name);
        }
    }

    @Test
    void anImageAbortedWhileItsDigestsRunLeavesNothing() throws IOException {
        StagingArea area = StagingArea.open(dir);
        byte[] data = image(4 << 20, 4);
        try (StagedImage s = area.begin("ap1g8", data.length)) {
            writeAll(s, data, 1 << 16);
            s.abort();
            assertThrows(BlockSinkException.class, () -> s.write(ByteBuffer.wrap(data, 0, 10), 0));
        }
        assertEquals(List.of(), listing());
        // The next image in the same area is digested correctly by the same workers.
        try (StagedImage s = area.begin("ap1g8", data.length)) {
            writeAll(s, data, 1 << 16);
            assertEquals(digests(data), s.commit(ExpectedImage.of(data.length, digests(data))).digests());
        }
    }

    @Test
    void precheckFailsBeforeAnyFileIsCreated() throws IOException {
        StagingArea area = StagingArea.open(dir, 96_064);
        assertEquals(96_064, area.precheck(50_000));
        InsufficientSpaceException e = assertThrows(InsufficientSpaceException.class, () -> area.begin("ap1g8", 100_000));
        assertEquals(96_064, e.available());
        assertEquals(100_000, e.required());
        assertEquals("staging space: not enough, available 96064, required 100000", e.getMessage());
        assertEquals(FailureReason.NO_SPACE, e.reason());
        assertEquals(List.of(), listing());
    }

    @Test
    void imagesBeingStagedReserveTheirSpace() throws IOException {
        StagingArea area = StagingArea.open(dir, 100_000);
        try (StagedImage a = area.begin("ap1g8", 60_000)) {
            assertEquals(40_000, area.availableBytes());
            assertThrows(InsufficientSpaceException.class, () -> area.begin("ap1g7", 60_000));
        }
        assertEquals(100_000, area.availableBytes(), "released on abort");
    }

    @Test
    void everyFailurePointLeavesNoFileAtTheFinalName() throws IOException {
        StagingArea area = StagingArea.open(dir, 1_000_000);
        byte[] data = image(20_000, 3);

        // 1. Size mismatch at commit.
        StagedImage s1 = area.begin("ap1g8", data.length);
        writeAll(s1, java.util.Arrays.copyOf(data, 19_999), 1000);
        BlockSinkException e1 = assertThrows(BlockSinkException.class, () -> s1.commit(ExpectedImage.ofSize(data.length)));
        assertEquals(FailureReason.INTEGRITY_MISMATCH, e1.reason());

        // 2. Digest mismatch at commit.
        StagedImage s2 = area.begin("ap1g8", data.length);
        writeAll(s2, data, 1000);
        byte[] other = data.clone();
        other[7] ^= 1;
        BlockSinkException e2 = assertThrows(BlockSinkException.class,
                () -> s2.commit(ExpectedImage.of(data.length, digests(other))));
        assertTrue(e2.getMessage().contains("SHA-256"), e2.getMessage());

        // 3. A block past the announced size.
        StagedImage s3 = area.begin("ap1g8", data.length);
        BlockSinkException e3 = assertThrows(BlockSinkException.class,
                () -> s3.write(ByteBuffer.wrap(new byte[10]), data.length - 5));
        assertEquals(FailureReason.INTEGRITY_MISMATCH, e3.reason());
        assertTrue(s3.isEnded());

        // 4. Past the capacity when the size was not known in advance.
        StagedImage s4 = area.begin("ap1g8", -1);
        assertThrows(InsufficientSpaceException.class, () -> s4.write(ByteBuffer.wrap(new byte[10]), 999_995));

        // 5. Aborted by the caller, and closed without commit.
        StagedImage s5 = area.begin("ap1g8", data.length);
        writeAll(s5, data, 1000);
        s5.abort();
        assertThrows(BlockSinkException.class, () -> s5.write(ByteBuffer.wrap(data), 0), "no writes after abort");
        try (StagedImage s6 = area.begin("ap1g8", data.length)) {
            writeAll(s6, data, 1000);
        }

        // 7. The rename itself fails: the final name is taken by a non-empty directory.
        Files.createDirectories(dir.resolve("ap1g7/keep"));
        StagedImage s7 = area.begin("ap1g7", data.length);
        writeAll(s7, data, 1000);
        assertThrows(IOException.class, () -> s7.commit(ExpectedImage.ofSize(data.length)));
        assertTrue(Files.isDirectory(dir.resolve("ap1g7")));

        assertEquals(List.of("ap1g7"), listing(), "no image, no temporary file");
        assertEquals(1_000_000, area.availableBytes() + 0, "all reservations released");
    }

    @Test
    void aCommittedImageReplacesTheOldBackupOnlyAtCommit() throws IOException {
        StagingArea area = StagingArea.open(dir);
        Files.writeString(dir.resolve("ap1g8"), "old backup image");
        byte[] data = image(5000, 4);
        try (StagedImage s = area.begin("ap1g8", data.length)) {
            writeAll(s, data, 1024);
            assertEquals("old backup image", Files.readString(dir.resolve("ap1g8")));
            s.commit(ExpectedImage.ofSize(data.length));
        }
        assertTrue(java.util.Arrays.equals(data, Files.readAllBytes(dir.resolve("ap1g8"))));
    }

    @Test
    void hostileNamesAreRefused() throws IOException {
        StagingArea area = StagingArea.open(dir);
        for (String bad : new String[] {"../ap1g8", "/etc/passwd", ".hidden", "a/b", "", "x.part", "a\u0000b"}) {
            assertThrows(IllegalArgumentException.class, () -> area.begin(bad, 1), bad);
        }
        assertEquals(List.of(), listing());
    }

    /** The JVM dies between the last write and the rename: nothing at the final name, cleanup on reopen. */
    @Test
    void aKilledJvmLeavesNoImageAndTheNextOpenCleansUp() throws Exception {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process p = new ProcessBuilder(java.toString(), "-cp", System.getProperty("java.class.path"),
                KilledWriter.class.getName(), dir.toString())
                .redirectErrorStream(true).start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "child finished");
        String out = new String(p.getInputStream().readAllBytes());
        assertEquals(137, p.exitValue(), out);
        assertTrue(out.contains("written"), out);
        List<String> left = listing();
        assertEquals(1, left.size(), left.toString());
        assertTrue(left.get(0).startsWith(".ap1g8.") && left.get(0).endsWith(".part"), left.toString());
        assertFalse(Files.exists(dir.resolve("ap1g8")));
        StagingArea.open(dir);
        assertEquals(List.of(), listing(), "unfinished image removed on reopen");
    }

    /**
     * A disk that fills up under a staged image: the write that finds no room (combined blocks
     * reach the file a buffer at a time, so it may be a later write or the commit) fails with
     * {@link FailureReason#NO_SPACE}, and nothing is left under the final name or as a part file.
     * The child JVM runs in a mount namespace of its own, on a 1 MiB tmpfs (needs root and unshare).
     */
    @Test
    void aDiskThatFillsUpFailsTheImageWithNoSpaceAndLeavesNothing() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue("root".equals(System.getProperty("user.name")) && Files.isExecutable(Path.of("/usr/bin/unshare")),
                "needs root and unshare for a private tmpfs");
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Path mnt = Files.createDirectories(dir.resolve("small-disk"));
        String script = "mount -t tmpfs -o size=1m tmpfs '" + mnt + "' && exec '" + java + "' -cp '" + System.getProperty("java.class.path")
                + "' '" + FullDiskWriter.class.getName() + "' '" + mnt + "'";
        Process p = new ProcessBuilder("unshare", "--mount", "--propagation", "private", "sh", "-c", script).redirectErrorStream(true).start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "child finished");
        String out = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.contains("failed NO_SPACE"), out);
        assertTrue(out.contains("left [filler]"), out);
    }

    /** Child process for the full-disk test. */
    public static final class FullDiskWriter {
        private FullDiskWriter() {
        }

        /**
         * Entry point of the child JVM.
         *
         * @param args the staging directory, on a small file system of its own
         * @throws IOException when the test set-up fails
         */
        public static void main(String[] args) throws IOException {
            Path area = Path.of(args[0]);
            StagedImage s = StagingArea.open(area).begin("ap1g8", -1);
            byte[] data = image(600_000, 11);
            int off = 0;
            try {
                for (; off < 200_000; off += 1468) {
                    s.write(ByteBuffer.wrap(data, off, 1468), off);
                }
                // Something else takes the rest of the disk.
                try (var filler = java.nio.channels.FileChannel.open(area.resolve("filler"), java.nio.file.StandardOpenOption.CREATE_NEW,
                        java.nio.file.StandardOpenOption.WRITE)) {
                    ByteBuffer chunk = ByteBuffer.allocate(64 << 10);
                    while (true) {
                        chunk.clear();
                        filler.write(chunk);
                    }
                } catch (IOException full) {
                    System.out.println("filler stopped: " + full.getMessage());
                }
                for (; off + 1468 <= data.length; off += 1468) {
                    s.write(ByteBuffer.wrap(data, off, 1468), off);
                }
                s.commit(ExpectedImage.ofSize(off));
                System.out.println("committed, which a full disk cannot allow");
            } catch (BlockSinkException e) {
                System.out.println("failed " + e.reason() + ": " + e.getMessage());
            }
            try (Stream<Path> left = Files.list(area)) {
                System.out.println("left " + left.map(f -> f.getFileName().toString()).sorted().toList());
            }
        }
    }

    /** Child process for the kill test: stages an image completely, then halts before commit. */
    public static final class KilledWriter {
        private KilledWriter() {
        }

        /**
         * Entry point of the child JVM.
         *
         * @param args the staging directory
         * @throws IOException when staging fails
         */
        public static void main(String[] args) throws IOException {
            StagingArea area = StagingArea.open(Path.of(args[0]));
            StagedImage s = area.begin("ap1g8", 70_512);
            writeAll(s, image(70_512, 9), 1377);
            System.out.println("written");
            System.out.flush();
            Runtime.getRuntime().halt(137);
        }
    }

    private static ImageDigests digests(byte[] data) {
        ImageDigests.Hasher h = new ImageDigests.Hasher();
        h.update(ByteBuffer.wrap(data));
        return h.finish();
    }

    private static String md5(byte[] data) {
        return digests(data).md5();
    }
}

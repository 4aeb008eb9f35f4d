package dev.apimage.simulator;

import dev.apimage.image.ImageBundle;
import dev.apimage.image.ImageType;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Writes a lab bundle laid out like the field's 17.9.4a bundle, for demos and tests: every AP image
 * type, the controller image, {@code version.info} ({@value #AP_VERSION}),
 * {@code controller_version.info} ({@value #CONTROLLER_VERSION}) and a readme.
 *
 * <p>Sizes are the field's divided by a scale ({@code 1} gives the exact field sizes). Content is
 * either pseudo-random, deterministic per image type (so digests are stable across runs), or
 * sparse: the file is extended without writing, so full-size bundles cost no disk and no time.
 */
public final class SampleBundle {

    /** The AP image version of the field bundle. */
    public static final String AP_VERSION = "17.9.4.27";
    /** The controller version of the field bundle. */
    public static final String CONTROLLER_VERSION = "17.09.04a.0.6";
    /** The controller image's file name. */
    public static final String CONTROLLER_IMAGE = "C9800-AP-iosxe-wlc.bin";
    /** The controller image's size in the field bundle. */
    public static final long CONTROLLER_IMAGE_SIZE = 301_257_756L;

    /** Image sizes of the field bundle, by type. */
    public static final Map<ImageType, Long> FIELD_SIZES;

    static {
        Map<ImageType, Long> m = new LinkedHashMap<>();
        m.put(ImageType.AP1G4, 42_024_960L);
        m.put(ImageType.AP1G5, 39_895_040L);
        m.put(ImageType.AP1G6, 70_307_840L);
        m.put(ImageType.AP1G6A, 84_623_360L);
        m.put(ImageType.AP1G7, 76_728_320L);
        m.put(ImageType.AP1G8, 70_512_640L);
        m.put(ImageType.AP3G3, 59_156_480L);
        FIELD_SIZES = Collections.unmodifiableMap(m);
    }

    private static final String README = """
            Cisco Embedded Wireless Controller on Catalyst Access Points: AP image bundle (lab sample).
            Extract this bundle into the image path of the TFTP or SFTP image server named in the
            image download profile. One file per AP image type (ap1g4 ... ap3g3); version.info holds
            the AP image version, controller_version.info the controller version. Files of a real
            bundle are signed images; files of this sample are test data and verify only by digest.
            """;

    private SampleBundle() {
    }

    /**
     * Writes a bundle.
     *
     * @param directory where to write; created when missing; existing bundle files are replaced
     * @param scale divide the field sizes by this (1 = field sizes)
     * @param sparse true for sparse files of zeros (instant, no disk), false for pseudo-random content
     * @return the directory
     * @throws IOException when writing fails
     */
    public static Path write(Path directory, long scale, boolean sparse) throws IOException {
        if (scale < 1) {
            throw new IllegalArgumentException("scale must be at least 1: " + scale);
        }
        Files.createDirectories(directory);
        for (Map.Entry<ImageType, Long> e : FIELD_SIZES.entrySet()) {
            writeImage(directory.resolve(e.getKey().name()), e.getValue() / scale, sparse, e.getKey().name().hashCode());
        }
        writeImage(directory.resolve(CONTROLLER_IMAGE), CONTROLLER_IMAGE_SIZE / scale, sparse, CONTROLLER_IMAGE.hashCode());
        Files.writeString(directory.resolve(ImageBundle.VERSION_INFO), AP_VERSION + "\n", StandardCharsets.US_ASCII);
        Files.writeString(directory.resolve(ImageBundle.CONTROLLER_VERSION_INFO), CONTROLLER_VERSION, StandardCharsets.US_ASCII);
        Files.writeString(directory.resolve(ImageBundle.README), README, StandardCharsets.US_ASCII);
        return directory;
    }

    /**
     * Writes one image file of pseudo-random content, deterministic for a seed.
     *
     * @param file the file to write (replaced when present)
     * @param size bytes
     * @param sparse true for a sparse file of zeros instead
     * @param seed the content's seed
     * @throws IOException when writing fails
     */
    public static void writeImage(Path file, long size, boolean sparse, long seed) throws IOException {
        Files.deleteIfExists(file);
        if (sparse) {
            try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
                raf.setLength(size);
            }
            return;
        }
        SplittableRandom random = new SplittableRandom(seed);
        ByteBuffer buf = ByteBuffer.allocate(1 << 20);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            long left = size;
            while (left > 0) {
                buf.clear();
                while (buf.remaining() >= 8) {
                    buf.putLong(random.nextLong());
                }
                buf.flip();
                if (left < buf.remaining()) {
                    buf.limit((int) left);
                }
                left -= buf.remaining();
                while (buf.hasRemaining()) {
                    ch.write(buf);
                }
            }
        }
    }
}

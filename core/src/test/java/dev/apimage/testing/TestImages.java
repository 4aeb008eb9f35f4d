package dev.apimage.testing;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

/** Image files for tests: pseudo-random bytes, the same for the same seed. */
public final class TestImages {

    private TestImages() {
    }

    /**
     * Writes a file of pseudo-random bytes, replacing one that is there.
     *
     * @param file the file
     * @param size bytes
     * @param seed the content's seed
     * @return the file
     * @throws IOException when writing fails
     */
    public static Path write(Path file, long size, long seed) throws IOException {
        Random random = new Random(seed);
        byte[] chunk = new byte[64 * 1024];
        try (OutputStream out = Files.newOutputStream(file)) {
            for (long left = size; left > 0; left -= chunk.length) {
                random.nextBytes(chunk);
                out.write(chunk, 0, (int) Math.min(chunk.length, left));
            }
        }
        return file;
    }
}

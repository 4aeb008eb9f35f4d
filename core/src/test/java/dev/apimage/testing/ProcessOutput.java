package dev.apimage.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The output of a child process (a server the test starts), read as it comes: a test waits for
 * the line that says the child is ready instead of polling a log file, and the output is kept in a
 * file for the failure message. The child's stdout and stderr must be merged into its stdout.
 */
public final class ProcessOutput {

    private static final String END = "\u0000end";

    private final LinkedBlockingQueue<String> lines = new LinkedBlockingQueue<>();
    private final StringBuffer all = new StringBuffer();
    private final java.util.concurrent.CountDownLatch ended = new java.util.concurrent.CountDownLatch(1);

    private ProcessOutput(Process process, Path copy) throws IOException {
        Writer file = Files.newBufferedWriter(copy, StandardCharsets.UTF_8);
        Thread reader = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
                    Writer out = file) {
                for (String line = in.readLine(); line != null; line = in.readLine()) {
                    all.append(line).append('\n');
                    out.write(line);
                    out.write('\n');
                    out.flush();
                    lines.add(line);
                }
            } catch (IOException e) {
                all.append("[output unreadable: ").append(e.getMessage()).append("]\n");
            } finally {
                lines.add(END);
                ended.countDown();
            }
        }, "process-output");
        reader.setDaemon(true);
        reader.start();
    }

    /**
     * Starts reading a process's output.
     *
     * @param process the child, started with {@code redirectErrorStream(true)}
     * @param copy where the output is also written
     * @return the reader
     * @throws IOException when the copy cannot be created
     */
    public static ProcessOutput of(Process process, Path copy) throws IOException {
        return new ProcessOutput(process, copy);
    }

    /**
     * Waits until a line containing a text arrives.
     *
     * @param text what the line contains
     * @param timeout how long at most
     * @return the line
     * @throws AssertionError with the output so far when the line does not come in time or the output ends
     */
    public String await(String text, Duration timeout) {
        long end = System.nanoTime() + timeout.toNanos();
        try {
            while (true) {
                long left = end - System.nanoTime();
                String line = left > 0 ? lines.poll(left, TimeUnit.NANOSECONDS) : null;
                if (line == null || line.equals(END)) {
                    throw new AssertionError("no line with '" + text + "' " + (line == null ? "within " + timeout : "before the output ended")
                            + "; output:\n" + all);
                }
                if (line.contains(text)) {
                    return line;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new UncheckedIOException(new IOException("interrupted"));
        }
    }

    /**
     * Waits until the child's output ends (it exited and closed it).
     *
     * @param timeout how long at most
     * @return everything it wrote
     * @throws AssertionError when the output does not end in time
     */
    public String awaitEnd(Duration timeout) {
        try {
            if (!ended.await(timeout.toNanos(), TimeUnit.NANOSECONDS)) {
                throw new AssertionError("the output did not end within " + timeout + "; so far:\n" + all);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
        return all.toString();
    }

    /**
     * Everything read so far.
     *
     * @return the text
     */
    public String text() {
        return all.toString();
    }
}

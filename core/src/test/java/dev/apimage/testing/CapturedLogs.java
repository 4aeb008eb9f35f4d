package dev.apimage.testing;

import java.util.List;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Every log line written through SLF4J during the tests (DEBUG and above for this project and
 * JSch, INFO and above for the rest), so tests can assert what was logged and, above all, what
 * was not (secrets). WARN and above are also printed to standard error.
 */
public final class CapturedLogs {

    private static final int MAX_LINES = 200_000;
    private static final ConcurrentLinkedDeque<String> LINES = new ConcurrentLinkedDeque<>();
    private static final AtomicInteger SIZE = new AtomicInteger();

    private CapturedLogs() {
    }

    static void add(String line) {
        LINES.addLast(line);
        if (SIZE.incrementAndGet() > MAX_LINES) {
            LINES.pollFirst();
            SIZE.decrementAndGet();
        }
    }

    /**
     * A copy of the lines captured so far.
     *
     * @return the lines, oldest first
     */
    public static List<String> lines() {
        return List.copyOf(LINES);
    }

    /**
     * Lines captured so far that contain a text.
     *
     * @param text the text
     * @return matching lines
     */
    public static List<String> containing(String text) {
        return LINES.stream().filter(l -> l.contains(text)).toList();
    }

    /** Forgets the lines captured so far. */
    public static void clear() {
        LINES.clear();
        SIZE.set(0);
    }
}

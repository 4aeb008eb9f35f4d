package dev.apimage.capwap;

import java.time.Duration;
import java.util.PriorityQueue;

/** Virtual time for the state machines: tasks run when a test advances the clock past them. */
final class VirtualTimers implements CapwapTimers {

    private record Task(long at, long order, Runnable run, boolean[] cancelled) {
    }

    private final PriorityQueue<Task> tasks = new PriorityQueue<>((a, b) -> a.at != b.at ? Long.compare(a.at, b.at)
            : Long.compare(a.order, b.order));
    private long now;
    private long order;

    @Override
    public long nanoTime() {
        return now;
    }

    @Override
    public Timer schedule(Runnable task, long delayNanos) {
        boolean[] cancelled = {false};
        tasks.add(new Task(now + delayNanos, order++, task, cancelled));
        return () -> cancelled[0] = true;
    }

    /** Moves the clock forward, running every task that falls due, in time order. */
    void advance(Duration d) {
        long until = now + d.toNanos();
        while (!tasks.isEmpty() && tasks.peek().at <= until) {
            Task t = tasks.poll();
            now = t.at;
            if (!t.cancelled[0]) {
                t.run.run();
            }
        }
        now = until;
    }

    int pending() {
        return (int) tasks.stream().filter(t -> !t.cancelled[0]).count();
    }
}

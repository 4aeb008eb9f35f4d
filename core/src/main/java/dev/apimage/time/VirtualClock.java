package dev.apimage.time;

import java.time.Duration;
import java.util.PriorityQueue;

/**
 * Virtual time for tests of code that runs on a {@link NanoClock}: time stands still until
 * {@link #advance} moves it, and the tasks that fall due run then, in time order, on the advancing
 * thread. To drive a state machine confined to an event loop, advance the clock on that loop
 * ({@code loop.submit(() -> clock.advance(d)).get()}), or give the code
 * {@link #handingTo(java.util.concurrent.Executor) handingTo(loop)}. Safe to read from any thread;
 * tasks run one at a time.
 */
public final class VirtualClock implements NanoClock {

    private static final class Task implements Timer {
        final long order;
        final Runnable run;
        final long period;
        long at;
        volatile boolean cancelled;

        Task(long at, long order, Runnable run, long period) {
            this.at = at;
            this.order = order;
            this.run = run;
            this.period = period;
        }

        @Override
        public void cancel() {
            cancelled = true;
        }
    }

    private final PriorityQueue<Task> tasks = new PriorityQueue<>((a, b) -> a.at != b.at ? Long.compare(a.at, b.at)
            : Long.compare(a.order, b.order));
    private long now;
    private long order;

    /** A clock at an arbitrary origin far from zero (so code that treats 0 as "never" is caught). */
    public VirtualClock() {
        this.now = 1_000_000_000_000L;
    }

    /**
     * Now. Another thread that asks while an {@link #advance} runs waits for it to end and sees the
     * time it advanced to: a task handed to another thread (see {@link #handingTo}) then handles
     * everything due up to that time, and schedules its next deadline from there.
     */
    @Override
    public synchronized long nanoTime() {
        return now;
    }

    @Override
    public synchronized Timer schedule(Runnable task, long delayNanos) {
        Task t = new Task(now + Math.max(0, delayNanos), order++, task, 0);
        tasks.add(t);
        return t;
    }

    @Override
    public synchronized Timer repeat(Runnable task, long periodNanos) {
        if (periodNanos <= 0) {
            throw new IllegalArgumentException("period must be positive: " + periodNanos);
        }
        Task t = new Task(now + periodNanos, order++, task, periodNanos);
        tasks.add(t);
        return t;
    }

    /**
     * Moves time forward, running every task that falls due on the way, each at its own time.
     *
     * @param d how far; not negative
     */
    public void advance(Duration d) {
        advanceNanos(d.toNanos());
    }

    /**
     * Moves time forward by nanoseconds (see {@link #advance}).
     *
     * @param nanos how far; not negative
     */
    public synchronized void advanceNanos(long nanos) {
        if (nanos < 0) {
            throw new IllegalArgumentException("time does not run backwards: " + nanos);
        }
        long until = now + nanos;
        while (!tasks.isEmpty() && tasks.peek().at <= until) {
            Task t = tasks.poll();
            if (t.cancelled) {
                continue;
            }
            now = t.at;
            if (t.period > 0) {
                t.at += t.period;
                tasks.add(t);
            }
            t.run.run();
        }
        now = until;
    }

    /**
     * The tasks waiting, repeating ones included.
     *
     * @return how many are scheduled and not cancelled
     */
    public synchronized int pending() {
        return (int) tasks.stream().filter(t -> !t.cancelled).count();
    }
}

package dev.apimage.time;

import dev.apimage.internal.DaemonThreads;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The one clock of the SDK: a monotonic "now" in nanoseconds and deadlines on it. Every protocol
 * state machine (TFTP client and server transfers, the CAPWAP AP and controller sessions) and the
 * upgrade read time only from the clock they were given, and their protocol methods take {@code now}
 * as an argument; tests hand them a {@link VirtualClock} and step time instead of waiting for it.
 *
 * <p>Threading: a task runs on the clock's executor ({@link #on}) or, for a {@link VirtualClock},
 * on the thread that advances it. A state machine confined to one thread (a Netty event loop) gets
 * a clock on that thread, so its timer tasks need no locks.
 */
public interface NanoClock {

    /**
     * Now.
     *
     * @return nanoseconds from an arbitrary origin; only differences mean anything
     */
    long nanoTime();

    /**
     * Runs a task once, after a delay.
     *
     * @param task the task
     * @param delayNanos the delay; zero or less runs it at the next opportunity
     * @return a handle that cancels it
     */
    Timer schedule(Runnable task, long delayNanos);

    /**
     * Runs a task every period, the first time one period from now. A periodic check is how the
     * hot paths keep their deadlines: one timer per transfer instead of one per datagram, so a
     * block in flight costs no timer allocation.
     *
     * @param task the task
     * @param periodNanos the period, above zero
     * @return a handle that stops it
     */
    Timer repeat(Runnable task, long periodNanos);

    /**
     * This clock's time, its tasks handed to an executor to run there: how a state machine confined
     * to an event loop runs on a clock that fires elsewhere (a {@link VirtualClock} advanced by a
     * test thread).
     *
     * @param executor where the tasks run
     * @return the clock
     */
    default NanoClock handingTo(Executor executor) {
        Objects.requireNonNull(executor, "executor");
        NanoClock self = this;
        return new NanoClock() {
            @Override
            public long nanoTime() {
                return self.nanoTime();
            }

            @Override
            public Timer schedule(Runnable task, long delayNanos) {
                return self.schedule(() -> executor.execute(task), delayNanos);
            }

            @Override
            public Timer repeat(Runnable task, long periodNanos) {
                return self.repeat(() -> executor.execute(task), periodNanos);
            }
        };
    }

    /** A scheduled task. */
    interface Timer {
        /** Cancels the task if it has not run (stops a repeating one); no effect otherwise. */
        void cancel();
    }

    /**
     * Real time, tasks run on an executor: a Netty event loop for a state machine confined to it.
     *
     * @param executor the executor
     * @return the clock
     */
    static NanoClock on(ScheduledExecutorService executor) {
        Objects.requireNonNull(executor, "executor");
        return new NanoClock() {
            @Override
            public long nanoTime() {
                return System.nanoTime();
            }

            @Override
            public Timer schedule(Runnable task, long delayNanos) {
                ScheduledFuture<?> f = executor.schedule(task, Math.max(0, delayNanos), TimeUnit.NANOSECONDS);
                return () -> f.cancel(false);
            }

            @Override
            public Timer repeat(Runnable task, long periodNanos) {
                if (periodNanos <= 0) {
                    throw new IllegalArgumentException("period must be positive: " + periodNanos);
                }
                ScheduledFuture<?> f = executor.scheduleAtFixedRate(task, periodNanos, periodNanos, TimeUnit.NANOSECONDS);
                return () -> f.cancel(false);
            }
        };
    }

    /**
     * Real time, tasks run on one shared daemon thread: for work that is not confined to a thread of
     * its own (transfer watchdogs).
     *
     * @return the clock
     */
    static NanoClock system() {
        return SystemClock.INSTANCE;
    }

    /** The shared real-time clock, its thread started on first use. */
    final class SystemClock {
        private static final NanoClock INSTANCE = on(DaemonThreads.scheduler("apimage-clock"));

        private SystemClock() {
        }
    }
}

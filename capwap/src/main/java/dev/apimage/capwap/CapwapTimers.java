package dev.apimage.capwap;

import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Time and timers for the CAPWAP state machines, injected so tests can run them in virtual time.
 * Tasks must run on the thread that drives the state machine (a Netty executor does that).
 */
public interface CapwapTimers {

    /**
     * A monotonic clock.
     *
     * @return nanoseconds from an arbitrary origin
     */
    long nanoTime();

    /**
     * Runs a task once after a delay.
     *
     * @param task the task
     * @param delayNanos the delay
     * @return a handle that cancels the task
     */
    Timer schedule(Runnable task, long delayNanos);

    /** A scheduled task. */
    interface Timer {
        /** Cancels the task if it has not run; no effect otherwise. */
        void cancel();
    }

    /**
     * Real time on an executor: the one the state machine runs on.
     *
     * @param executor the executor
     * @return the timers
     */
    static CapwapTimers on(ScheduledExecutorService executor) {
        return new CapwapTimers() {
            @Override
            public long nanoTime() {
                return System.nanoTime();
            }

            @Override
            public Timer schedule(Runnable task, long delayNanos) {
                ScheduledFuture<?> f = executor.schedule(task, delayNanos, TimeUnit.NANOSECONDS);
                return () -> f.cancel(false);
            }
        };
    }
}

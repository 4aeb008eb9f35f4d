package dev.apimage.internal;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Threads for the SDK's blocking workers (disk writes, fsyncs, file opens). They make
 * plain daemon threads on purpose, not Netty's {@code FastThreadLocalThread}: Netty marks those
 * as event-loop threads on which nothing may block, and these threads exist to block.
 */
public final class DaemonThreads {

    private DaemonThreads() {
    }

    /**
     * A factory of daemon threads named {@code name-1}, {@code name-2}, ...
     *
     * @param name the name prefix
     * @return the factory
     */
    public static ThreadFactory named(String name) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, name + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    /**
     * A pool of daemon workers for blocking work handed over by an event loop: handing it a task
     * never makes the submitting thread wait (see {@link HandoffPool}).
     *
     * @param name the workers' name prefix
     * @param threads how many workers, started now
     * @return the pool; shut it down when done
     */
    public static ExecutorService workerPool(String name, int threads) {
        return new HandoffPool(name, threads);
    }

    /**
     * Starts a daemon thread.
     *
     * @param name the thread's name
     * @param task what it runs
     * @return the started thread
     */
    public static Thread start(String name, Runnable task) {
        Thread t = new Thread(task, name);
        t.setDaemon(true);
        t.start();
        return t;
    }

    /**
     * A single daemon thread for timed work.
     *
     * @param name the thread's name
     * @return the executor; shut it down when done
     */
    public static ScheduledExecutorService scheduler(String name) {
        return Executors.newSingleThreadScheduledExecutor(oneThread(name));
    }

    /**
     * A single daemon thread for queued work.
     *
     * @param name the thread's name
     * @return the executor; shut it down when done
     */
    public static ExecutorService single(String name) {
        return Executors.newSingleThreadExecutor(oneThread(name));
    }

    private static ThreadFactory oneThread(String name) {
        return r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        };
    }
}

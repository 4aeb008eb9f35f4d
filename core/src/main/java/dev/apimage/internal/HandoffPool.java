package dev.apimage.internal;

import java.util.List;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * A fixed pool of daemon workers for blocking work handed over by event loops, whose
 * {@link #execute(Runnable)} never makes the caller wait: the queue is lock-free and an idle worker
 * is woken with {@code unpark}. A {@code ThreadPoolExecutor}'s queue takes a lock, and a
 * {@code ForkJoinPool} may take its registration lock or start a thread on the submitter; either
 * can park an event loop. Tasks run in submission order when the pool has one worker.
 */
final class HandoffPool extends AbstractExecutorService {

    /** How long an idle worker sleeps before looking again; a wake-up normally comes first. */
    private static final long IDLE_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

    private final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    private final ConcurrentLinkedDeque<Thread> idle = new ConcurrentLinkedDeque<>();
    private final Thread[] workers;
    private volatile boolean shutdown;

    HandoffPool(String name, int threads) {
        workers = new Thread[Math.max(1, threads)];
        for (int i = 0; i < workers.length; i++) {
            Thread t = new Thread(this::work, name + "-" + (i + 1));
            t.setDaemon(true);
            workers[i] = t;
        }
        for (Thread t : workers) {
            t.start();
        }
    }

    @Override
    public void execute(Runnable task) {
        if (shutdown) {
            throw new RejectedExecutionException("pool shut down");
        }
        tasks.offer(task);
        Thread w = idle.poll();
        if (w != null) {
            LockSupport.unpark(w);
        }
    }

    private void work() {
        Thread self = Thread.currentThread();
        while (true) {
            Runnable r = tasks.poll();
            if (r != null) {
                try {
                    r.run();
                } catch (RuntimeException | Error e) {
                    Thread.UncaughtExceptionHandler h = self.getUncaughtExceptionHandler();
                    if (h != null) {
                        h.uncaughtException(self, e);
                    }
                }
                continue;
            }
            if (shutdown) {
                return;
            }
            idle.offer(self);
            // Looked again after announcing itself idle: a task offered meanwhile is not missed.
            if (tasks.isEmpty() && !shutdown) {
                LockSupport.parkNanos(this, IDLE_NANOS);
            }
            idle.remove(self);
        }
    }

    @Override
    public void shutdown() {
        shutdown = true;
        for (Thread t : workers) {
            LockSupport.unpark(t);
        }
    }

    @Override
    public List<Runnable> shutdownNow() {
        shutdown();
        List<Runnable> left = new java.util.ArrayList<>();
        for (Runnable r; (r = tasks.poll()) != null; ) {
            left.add(r);
        }
        return left;
    }

    @Override
    public boolean isShutdown() {
        return shutdown;
    }

    @Override
    public boolean isTerminated() {
        if (!shutdown) {
            return false;
        }
        for (Thread t : workers) {
            if (t.isAlive()) {
                return false;
            }
        }
        return true;
    }

    @Override
    public boolean awaitTermination(long timeout, TimeUnit unit) throws InterruptedException {
        long end = System.nanoTime() + unit.toNanos(timeout);
        for (Thread t : workers) {
            long left = end - System.nanoTime();
            if (left <= 0) {
                return isTerminated();
            }
            TimeUnit.NANOSECONDS.timedJoin(t, left);
        }
        return isTerminated();
    }
}

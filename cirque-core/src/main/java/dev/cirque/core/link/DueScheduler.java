package dev.cirque.core.link;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs each medium's delayed frames at the absolute time {@link Impairment} set for them
 * ({@link System#nanoTime}), on one thread, and those due at the same moment in the order
 * they were given: so one link's frames leave in the order they came. (A relative delay
 * handed to a ScheduledExecutorService is measured again from its own clock reading, which
 * can put a frame held behind another ahead of it.)
 */
public final class DueScheduler {

    private static final Logger log = LoggerFactory.getLogger(DueScheduler.class);

    private record Task(long due, long seq, Runnable run) {}

    private final PriorityQueue<Task> tasks = new PriorityQueue<>(
            Comparator.comparingLong(Task::due).thenComparingLong(Task::seq));
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final Thread thread;
    private long seq;
    private volatile boolean running = true;

    public DueScheduler(String threadName) {
        thread = new Thread(this::run, threadName);
        thread.setDaemon(true);
        thread.start();
    }

    /** Runs {@code task} at {@code dueNanos}, after every task given before it for that moment or earlier. */
    public void at(long dueNanos, Runnable task) {
        lock.lock();
        try {
            Task t = new Task(dueNanos, seq++, task);
            tasks.add(t);
            if (tasks.peek() == t) {
                changed.signal();
            }
        } finally {
            lock.unlock();
        }
    }

    /** How many tasks wait. */
    public int size() {
        lock.lock();
        try {
            return tasks.size();
        } finally {
            lock.unlock();
        }
    }

    private void run() {
        List<Task> due = new ArrayList<>();
        while (running) {
            lock.lock();
            try {
                while (running && (tasks.isEmpty() || tasks.peek().due() > System.nanoTime())) {
                    if (tasks.isEmpty()) {
                        changed.await(500, TimeUnit.MILLISECONDS);
                    } else {
                        changed.awaitNanos(tasks.peek().due() - System.nanoTime());
                    }
                }
                long now = System.nanoTime();
                while (!tasks.isEmpty() && tasks.peek().due() <= now) {
                    due.add(tasks.poll());
                }
            } catch (InterruptedException e) {
                return;
            } finally {
                lock.unlock();
            }
            for (Task t : due) {
                try {
                    t.run().run();
                } catch (RuntimeException e) {
                    log.warn("{}: a delayed frame failed: {}", thread.getName(), e.toString());
                }
            }
            due.clear();
        }
    }

    /** Stops; what had not come due is not run, and is returned in due order. */
    public List<Runnable> stop() {
        running = false;
        List<Runnable> rest = new ArrayList<>();
        lock.lock();
        try {
            while (!tasks.isEmpty()) {
                rest.add(tasks.poll().run());
            }
            changed.signal();
        } finally {
            lock.unlock();
        }
        if (Thread.currentThread() != thread) {
            try {
                thread.join(2000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        return rest;
    }
}

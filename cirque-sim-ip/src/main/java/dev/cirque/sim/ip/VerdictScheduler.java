package dev.cirque.sim.ip;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Holds packets until their time comes, then accepts them: one thread, woken for the earliest. */
final class VerdictScheduler implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(VerdictScheduler.class);

    private record Held(int id, long due) {}

    private final NfQueue queue;
    private final PriorityQueue<Held> held = new PriorityQueue<>((a, b) -> Long.compare(a.due(), b.due()));
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final Thread thread;
    private volatile boolean running = true;

    VerdictScheduler(NfQueue queue) {
        this.queue = queue;
        this.thread = new Thread(this::run, "cirque-ip-verdicts");
        thread.setDaemon(true);
        thread.start();
    }

    void hold(int id, long dueNanos) {
        lock.lock();
        try {
            held.add(new Held(id, dueNanos));
            if (held.peek().id() == id) {
                changed.signal();
            }
        } finally {
            lock.unlock();
        }
    }

    int size() {
        lock.lock();
        try {
            return held.size();
        } finally {
            lock.unlock();
        }
    }

    private void run() {
        List<Held> due = new ArrayList<>();
        while (running) {
            lock.lock();
            try {
                while (running && (held.isEmpty() || held.peek().due() > System.nanoTime())) {
                    if (held.isEmpty()) {
                        changed.await(500, TimeUnit.MILLISECONDS);
                    } else {
                        changed.awaitNanos(held.peek().due() - System.nanoTime());
                    }
                }
                long now = System.nanoTime();
                while (!held.isEmpty() && held.peek().due() <= now) {
                    due.add(held.poll());
                }
            } catch (InterruptedException e) {
                return;
            } finally {
                lock.unlock();
            }
            release(due);
            due.clear();
        }
    }

    private void release(List<Held> packets) {
        for (Held h : packets) {
            try {
                queue.verdict(h.id(), NfQueue.NF_ACCEPT);
            } catch (IOException e) {
                log.warn("ip shaper: releasing packet {}: {}", h.id(), e.getMessage());
            }
        }
    }

    /** Releases everything still held, at once, and stops. */
    @Override
    public void close() {
        running = false;
        List<Held> rest;
        lock.lock();
        try {
            rest = new ArrayList<>(held);
            held.clear();
            changed.signal();
        } finally {
            lock.unlock();
        }
        try {
            thread.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        release(rest);
    }
}

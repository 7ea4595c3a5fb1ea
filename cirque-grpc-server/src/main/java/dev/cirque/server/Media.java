package dev.cirque.server;

import dev.cirque.core.CirqueException;
import dev.cirque.core.host.HostAllocator;
import dev.cirque.core.link.LinkMedium;
import dev.cirque.sim.ip.IpShaper;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The media this daemon shapes, started with it and closed after its homes: today the IP
 * shaper, on a netfilter queue number leased host-wide (two daemons never share a queue).
 * A medium that cannot start (not root, no nfnetlink_queue) is left out with a warning;
 * asking it for conditions is then FAILED_PRECONDITION, saying why.
 */
public final class Media implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Media.class);
    /** Netfilter queue numbers the daemons of a host take theirs from. */
    static final String QUEUES = "nfqueue";
    private static final int FIRST_QUEUE = 4200;
    private static final int LAST_QUEUE = 4299;

    private final List<LinkMedium> media = new ArrayList<>();
    private final List<HostAllocator.Lease> leases = new ArrayList<>();

    private Media() {}

    public static Media start(HostAllocator allocator) {
        Media m = new Media();
        HostAllocator.Lease queue = null;
        try {
            queue = allocator.take(QUEUES, FIRST_QUEUE, LAST_QUEUE, n -> true, "the IP shaper of this daemon");
            m.media.add(IpShaper.start(queue.number()));
            m.leases.add(queue);
            log.info("ip medium: shaping on netfilter queue {}", queue.number());
        } catch (CirqueException e) {
            if (queue != null) {
                queue.close();
            }
            log.warn("ip medium unavailable, link conditions on IP will be refused: {}", e.getMessage());
        }
        return m;
    }

    public List<LinkMedium> list() {
        return List.copyOf(media);
    }

    @Override
    public void close() {
        media.forEach(LinkMedium::close);
        leases.forEach(HostAllocator.Lease::close);
    }
}

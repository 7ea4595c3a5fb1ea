package dev.cirque.server.grpc;

import dev.cirque.core.CirqueException;
import dev.cirque.core.home.HomeService;
import dev.cirque.core.link.LinkModel;
import dev.cirque.proto.DirectedLink;
import dev.cirque.proto.HealRequest;
import dev.cirque.proto.LinkConditions;
import dev.cirque.proto.LinkState;
import dev.cirque.proto.Partition;
import dev.cirque.proto.PartitionRequest;
import dev.cirque.proto.SeedLinksRequest;
import dev.cirque.proto.SetLinkConditionsRequest;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.Optional;

/**
 * The link API's messages, translated to HomeService's calls and back: shared by the gRPC
 * service and the command line (which speaks these messages to a daemon, or runs them on
 * its in-process core).
 */
public final class LinkMessages {

    /** The medium when the client names none. */
    public static final String DEFAULT_MEDIUM = "ip";

    private LinkMessages() {}

    public static LinkState set(HomeService homes, SetLinkConditionsRequest r) {
        String medium = medium(r.getMedium());
        Optional<dev.cirque.core.link.LinkConditions> c = r.hasConditions()
                ? Optional.of(toCore(r.getConditions())) : Optional.empty();
        if (r.getFromDeviceId().isEmpty()) {
            throw CirqueException.invalid("from_device_id is required: the node that sends");
        }
        if (r.getToDeviceId().isEmpty()) {
            if (r.getBothWays()) {
                throw CirqueException.invalid("both_ways needs to_device_id: a node's egress has one way only");
            }
            homes.links().setEgress(r.getHomeId(), medium, r.getFromDeviceId(),
                    c.orElse(dev.cirque.core.link.LinkConditions.IDEAL));
        } else {
            homes.node(r.getHomeId(), r.getToDeviceId()); // both ends checked before anything changes
            homes.node(r.getHomeId(), r.getFromDeviceId());
            homes.links().setLink(r.getHomeId(), medium, r.getFromDeviceId(), r.getToDeviceId(), c);
            if (r.getBothWays()) {
                homes.links().setLink(r.getHomeId(), medium, r.getToDeviceId(), r.getFromDeviceId(), c);
            }
        }
        return state(homes, r.getHomeId(), medium);
    }

    public static LinkState partition(HomeService homes, PartitionRequest r) {
        String medium = medium(r.getMedium());
        if (r.getName().isBlank()) {
            throw CirqueException.invalid("a partition needs a name, to heal it by");
        }
        homes.links().partition(r.getHomeId(), medium, r.getName(), new LinkedHashSet<>(r.getDeviceIdsList()));
        return state(homes, r.getHomeId(), medium);
    }

    public static LinkState heal(HomeService homes, HealRequest r) {
        String medium = medium(r.getMedium());
        if (r.getName().isEmpty()) {
            homes.links().clear(r.getHomeId(), medium);
        } else if (!homes.links().heal(r.getHomeId(), medium, r.getName())) {
            throw CirqueException.notFound("no partition '" + r.getName() + "' in home " + r.getHomeId());
        }
        return state(homes, r.getHomeId(), medium);
    }

    public static LinkState seed(HomeService homes, SeedLinksRequest r) {
        homes.links().seed(r.getHomeId(), r.hasSeed() ? r.getSeed() : null);
        return state(homes, r.getHomeId(), DEFAULT_MEDIUM);
    }

    public static LinkState state(HomeService homes, String homeId, String medium) {
        LinkModel.Snapshot s = homes.links().read(homeId, medium(medium));
        LinkState.Builder b = LinkState.newBuilder().setMedium(medium(medium));
        if (s.seed() != null) {
            b.setSeed(s.seed());
        }
        s.egress().forEach((node, c) -> b.putEgress(node, toProto(c)));
        s.links().forEach((l, c) -> b.addLinks(DirectedLink.newBuilder().setFromDeviceId(l.from())
                .setToDeviceId(l.to()).setConditions(toProto(c))));
        s.partitions().forEach((name, nodes) -> b.putPartitions(name,
                Partition.newBuilder().addAllDeviceIds(nodes.stream().sorted().toList()).build()));
        return b.build();
    }

    /** The state as the core's snapshot, for renderings shared with the other fronts. */
    public static LinkModel.Snapshot toSnapshot(LinkState s) {
        Map<String, dev.cirque.core.link.LinkConditions> egress = new LinkedHashMap<>();
        s.getEgressMap().forEach((node, c) -> egress.put(node, toCore(c)));
        Map<LinkModel.Link, dev.cirque.core.link.LinkConditions> links = new LinkedHashMap<>();
        for (DirectedLink l : s.getLinksList()) {
            links.put(new LinkModel.Link(l.getFromDeviceId(), l.getToDeviceId()), toCore(l.getConditions()));
        }
        Map<String, Set<String>> partitions = new LinkedHashMap<>();
        s.getPartitionsMap().forEach((name, p) -> partitions.put(name, Set.copyOf(p.getDeviceIdsList())));
        return new LinkModel.Snapshot(0, egress, links, partitions, s.hasSeed() ? s.getSeed() : null, 0);
    }

    public static String medium(String asked) {
        return asked == null || asked.isBlank() ? DEFAULT_MEDIUM : asked.strip();
    }

    public static dev.cirque.core.link.LinkConditions toCore(LinkConditions c) {
        return new dev.cirque.core.link.LinkConditions(c.getLatencyMs(), c.getJitterMs(), c.getLossPercent(), !c.getDown(),
                c.hasSignalDbm() ? c.getSignalDbm() : null);
    }

    public static LinkConditions toProto(dev.cirque.core.link.LinkConditions c) {
        LinkConditions.Builder b = LinkConditions.newBuilder().setLatencyMs(c.latencyMs()).setJitterMs(c.jitterMs())
                .setLossPercent(c.lossPercent()).setDown(!c.up());
        if (c.signalDbm() != null) {
            b.setSignalDbm(c.signalDbm());
        }
        return b.build();
    }
}

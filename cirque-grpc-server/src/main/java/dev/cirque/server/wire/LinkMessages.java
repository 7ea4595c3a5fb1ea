package dev.cirque.server.wire;

import dev.cirque.core.home.HomeLinks;
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
 * The link API's messages, translated to core's link operations ({@link HomeLinks}, which
 * own the rules) and back: shared by the gRPC service and the command line (which speaks
 * these messages to a daemon, or runs them on its in-process core).
 */
public final class LinkMessages {

    private LinkMessages() {}

    public static LinkState set(HomeService homes, SetLinkConditionsRequest r) {
        return state(homes.links().set(r.getHomeId(), r.getMedium(), r.getFromDeviceId(), r.getToDeviceId(),
                r.hasConditions() ? Optional.of(toCore(r.getConditions())) : Optional.empty(), r.getBothWays()),
                r.getMedium());
    }

    public static LinkState partition(HomeService homes, PartitionRequest r) {
        return state(homes.links().cut(r.getHomeId(), r.getMedium(), r.getName(),
                new LinkedHashSet<>(r.getDeviceIdsList())), r.getMedium());
    }

    public static LinkState heal(HomeService homes, HealRequest r) {
        return state(homes.links().healed(r.getHomeId(), r.getMedium(), r.getName()), r.getMedium());
    }

    public static LinkState seed(HomeService homes, SeedLinksRequest r) {
        return state(homes.links().seeded(r.getHomeId(), r.hasSeed() ? r.getSeed() : null), "");
    }

    public static LinkState state(HomeService homes, String homeId, String medium) {
        return state(homes.links().read(homeId, medium), medium);
    }

    /** A medium's state as the wire says it. */
    public static LinkState state(LinkModel.Snapshot s, String medium) {
        LinkState.Builder b = LinkState.newBuilder().setMedium(HomeLinks.medium(medium));
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
        return new LinkModel.Snapshot(0, egress, links, partitions, s.hasSeed() ? s.getSeed() : null, 0, Map.of());
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

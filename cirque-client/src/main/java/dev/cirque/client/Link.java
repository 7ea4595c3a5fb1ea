package dev.cirque.client;

import dev.cirque.proto.LinkConditions;
import dev.cirque.proto.LinkState;
import dev.cirque.proto.SetLinkConditionsRequest;
import java.time.Duration;

/**
 * The directed link between two nodes on one medium. Conditions build up and apply at
 * {@link #apply()}: {@code home.link(a, b).latency(Duration.ofMillis(100)).loss(5).bothWays().apply()}.
 */
public final class Link {

    private final CirqueClient client;
    private final String homeId;
    private final String medium;
    private final Node from;
    private final Node to;
    private final LinkConditions.Builder conditions = LinkConditions.newBuilder();
    private boolean bothWays;

    Link(CirqueClient client, String homeId, String medium, Node from, Node to) {
        this.client = client;
        this.homeId = homeId;
        this.medium = medium;
        this.from = from;
        this.to = to;
    }

    public Link latency(Duration oneWay) {
        conditions.setLatencyMs(Math.toIntExact(oneWay.toMillis()));
        return this;
    }

    public Link jitter(Duration spread) {
        conditions.setJitterMs(Math.toIntExact(spread.toMillis()));
        return this;
    }

    /** Packets or frames lost, in percent (0 to 100). */
    public Link loss(double percent) {
        conditions.setLossPercent(percent);
        return this;
    }

    /** The signal the receiver hears, in dBm (-120 to 0), on a radio medium ({@code wifi}). */
    public Link signal(int dBm) {
        conditions.setSignalDbm(dBm);
        return this;
    }

    /** Nothing passes. */
    public Link down() {
        conditions.setDown(true);
        return this;
    }

    /** The way back too. */
    public Link bothWays() {
        bothWays = true;
        return this;
    }

    /** Sets the conditions now, live; answers the home's link state. */
    public LinkState apply() {
        return Calls.call(() -> client.stub().setLinkConditions(request().setConditions(conditions).build()));
    }

    /** Takes the link's own conditions away. */
    public LinkState clear() {
        return Calls.call(() -> client.stub().setLinkConditions(request().build()));
    }

    private SetLinkConditionsRequest.Builder request() {
        return SetLinkConditionsRequest.newBuilder().setHomeId(homeId).setMedium(medium)
                .setFromDeviceId(from.id()).setToDeviceId(to.id()).setBothWays(bothWays);
    }
}

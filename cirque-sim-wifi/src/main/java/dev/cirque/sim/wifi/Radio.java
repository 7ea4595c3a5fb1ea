package dev.cirque.sim.wifi;

/**
 * One simulated 802.11 radio.
 *
 * @param id        hwsim's radio index
 * @param phy       the wiphy's name (ours, unique), e.g. {@code cq3f2a9c01}
 * @param phyIndex  the wiphy's index, which nl80211 addresses it by
 * @param netdev    its interface's name in the daemon's namespace when it was made, e.g. {@code wlan7}
 * @param mac       its permanent address (ours, see {@link Mac#randomLocal()}): its interface's
 *                  address, and what hwsim names it by to its medium
 */
public record Radio(int id, String phy, int phyIndex, String netdev, long mac) {

    @Override
    public String toString() {
        return "Radio[" + id + ", " + phy + ", " + netdev + ", " + Mac.format(mac) + "]";
    }
}

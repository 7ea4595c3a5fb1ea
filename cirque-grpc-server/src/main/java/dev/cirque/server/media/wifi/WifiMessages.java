package dev.cirque.server.media.wifi;

import dev.cirque.capabilities.WifiHomes;
import dev.cirque.core.capture.CaptureState;
import dev.cirque.proto.WifiAccessPoint;
import dev.cirque.proto.WifiAccessPoints;
import dev.cirque.proto.WifiCaptureRequest;
import dev.cirque.proto.WifiCaptureState;
import dev.cirque.proto.WifiLink;
import dev.cirque.proto.WifiMediumStats;
import dev.cirque.proto.WifiNode;
import dev.cirque.proto.WifiTopology;

/** The WiFi calls' messages, from {@link WifiHomes}' answers; for gRPC and the CLI. */
final class WifiMessages {

    private WifiMessages() {}

    static WifiTopology topology(WifiHomes wifi, String home) {
        WifiHomes.Topology t = wifi.topology(home);
        WifiTopology.Builder b = WifiTopology.newBuilder().setCapturing(t.capturing())
                .setMedium(WifiMediumStats.newBuilder().setRegistered(t.registered()).setFrames(t.medium().frames())
                        .setDeliveries(t.medium().deliveries()).setHandlingP50Us(t.medium().handlingP50Micros())
                        .setHandlingP99Us(t.medium().handlingP99Micros()));
        for (WifiHomes.WifiNode n : t.nodes()) {
            WifiNode.Builder w = WifiNode.newBuilder().setDeviceId(n.device()).setRole(n.role()).setMac(n.mac())
                    .setSsid(n.ssid()).setAssociatedTo(n.associatedTo()).setBssid(n.bssid());
            if (n.signalDbm() != null) {
                w.setSignalDbm(n.signalDbm());
            }
            if (n.error() != null) {
                w.setError(n.error());
            }
            b.addNodes(w);
        }
        t.links().forEach((link, c) -> b.addLinks(WifiLink.newBuilder().setFromDeviceId(link.from())
                .setToDeviceId(link.to()).setHeard(c[0]).setLost(c[1])));
        return b.build();
    }

    static WifiCaptureState capture(WifiHomes wifi, WifiCaptureRequest r) {
        CaptureState c = wifi.capture(r.getHomeId(), r.getCapture());
        return WifiCaptureState.newBuilder().setCapturing(c.capturing()).setDownloadPath(c.downloadPath())
                .setBytes(c.bytes()).build();
    }

    static WifiAccessPoints accessPoints(WifiHomes wifi, String home) {
        WifiAccessPoints.Builder b = WifiAccessPoints.newBuilder();
        for (WifiHomes.AccessPoint ap : wifi.accessPoints(home)) {
            b.addAccessPoints(WifiAccessPoint.newBuilder().setDeviceId(ap.device()).setSsid(ap.ssid()).setPsk(ap.psk())
                    .setSubnet(ap.subnet()).setChannel(ap.channel()));
        }
        return b.build();
    }
}

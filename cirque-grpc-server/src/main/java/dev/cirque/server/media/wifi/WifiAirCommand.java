package dev.cirque.server.media.wifi;

import dev.cirque.capabilities.WifiHomes;
import dev.cirque.proto.GetWifiTopologyRequest;
import dev.cirque.proto.WifiNode;
import dev.cirque.proto.WifiTopology;
import dev.cirque.server.media.HomeVerb;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;

/** The CLI's {@code wifi HOME}. */
@Command(name = "wifi", description = {"Show a home's WiFi: access points, stations and what each is associated",
        "to with the signal it hears (where the daemon is hwsim's medium)."})
final class WifiAirCommand extends HomeVerb {

    @Override
    public void run() {
        WifiTopology t = cli.call(homes -> WifiMessages.topology(new WifiHomes(homes), home),
                stub -> stub.getWifiTopology(GetWifiTopologyRequest.newBuilder().setHomeId(home).build()));
        List<List<String>> rows = new ArrayList<>();
        List<Map<String, Object>> nodes = new ArrayList<>();
        for (WifiNode n : t.getNodesList()) {
            String association = n.getRole().equals("station") ? (!n.getError().isEmpty() ? "? " + n.getError()
                    : n.getAssociatedTo().isEmpty() ? "-" : n.getAssociatedTo() + " (" + n.getSignalDbm() + " dBm)")
                    : "";
            rows.add(List.of(n.getDeviceId(), n.getRole(), n.getMac(), n.getSsid(), association));
            Map<String, Object> node = new LinkedHashMap<>();
            node.put("device", n.getDeviceId());
            node.put("role", n.getRole());
            node.put("mac", n.getMac());
            node.put("ssid", n.getSsid());
            node.put("associatedTo", n.getAssociatedTo());
            node.put("signalDbm", n.getSignalDbm());
            node.put("error", n.getError().isEmpty() ? null : n.getError());
            nodes.add(node);
        }
        cli.print(Map.of("home", home, "nodes", nodes), () -> cli.table(
                List.of("DEVICE", "ROLE", "MAC", "SSID", "ASSOCIATED TO"), rows));
    }
}

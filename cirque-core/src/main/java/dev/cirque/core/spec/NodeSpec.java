package dev.cirque.core.spec;

import dev.cirque.core.CirqueException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * What a client asks for when it creates a node, whichever front it used.
 *
 * @param deviceType   the device's type, e.g. {@code generic_node_image} or {@code wifi_ap}
 * @param baseImage    the image to run; empty means the image named by {@code deviceType},
 *                     as in Cirque
 * @param capabilities the capabilities asked for, at most one of each name
 * @param network      which of the home's networks the node joins
 */
public record NodeSpec(String deviceType, String baseImage, List<CapabilityRequest> capabilities,
        NetworkKind network) {

    public NodeSpec {
        deviceType = deviceType == null ? "" : deviceType.strip();
        baseImage = baseImage == null ? "" : baseImage.strip();
        capabilities = List.copyOf(capabilities == null ? List.of() : capabilities);
        if (deviceType.equals(WIFI_AP) && capabilities.stream().noneMatch(c -> c.name().equals(ACCESS_POINT))) {
            // An access point whose client gave no credentials: the capability generates them.
            List<CapabilityRequest> withAp = new ArrayList<>(capabilities);
            withAp.add(new CapabilityRequest(ACCESS_POINT, Map.of()));
            capabilities = List.copyOf(withAp);
        }
        network = network == null ? NetworkKind.LAN : network;
    }

    /** What an image reference can be made of; Docker judges the finer grammar itself. */
    private static final Pattern IMAGE_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._/:@-]{0,254}");

    /** A node on the home's LAN. */
    public NodeSpec(String deviceType, String baseImage, List<CapabilityRequest> capabilities) {
        this(deviceType, baseImage, capabilities, NetworkKind.LAN);
    }

    public static NodeSpec of(String deviceType) {
        return new NodeSpec(deviceType, "", List.of());
    }

    /** The device type of a WiFi access point (Cirque's name). */
    public static final String WIFI_AP = "wifi_ap";

    /** The image an access point runs when the client names none (Cirque's name for it). */
    public static final String WIFI_AP_IMAGE = "mac80211_ap_image";

    /** The capability that makes a node an access point; a {@code wifi_ap} node always has it. */
    public static final String ACCESS_POINT = "WiFiAccessPoint";

    /** The image the node runs. */
    public String image() {
        if (baseImage.isEmpty()) {
            return deviceType.equals(WIFI_AP) ? WIFI_AP_IMAGE : deviceType;
        }
        return baseImage;
    }

    /** Rejects what no front should pass on; called before anything is created. */
    public void validate() {
        if (deviceType.isEmpty()) {
            throw CirqueException.invalid("device_type is required (e.g. 'generic_node_image')");
        }
        if (!IMAGE_NAME.matcher(image()).matches()) {
            throw CirqueException.invalid("'" + image().replaceAll("\\p{Cntrl}", "?") + "' is not an image name"
                    + (baseImage.isEmpty() ? " (with base_image empty, device_type names the image)" : ""));
        }
        Set<String> seen = new HashSet<>();
        for (CapabilityRequest c : capabilities) {
            if (!seen.add(c.name())) {
                throw CirqueException.invalid("capability " + c.name() + " is asked for twice");
            }
        }
    }

    public NodeSpec withCapabilities(List<CapabilityRequest> replaced) {
        return new NodeSpec(deviceType, baseImage, replaced, network);
    }

    @Override
    public String toString() {
        return "NodeSpec[type=" + deviceType + ", image=" + image() + ", capabilities="
                + capabilities.stream().map(CapabilityRequest::name).toList()
                + (network == NetworkKind.LAN ? "" : ", network=" + network.wireName()) + "]";
    }
}

package dev.cirque.core.spec;

import dev.cirque.core.CirqueException;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * What a client asks for when it creates a node, whichever front it used.
 *
 * @param deviceType   the device's type, e.g. {@code generic_node_image}
 * @param baseImage    the image to run; empty means {@code typeImage} or, without one, the
 *                     image named by {@code deviceType}, as in Cirque
 * @param capabilities the capabilities asked for, at most one of each name
 * @param network      which of the home's networks the node joins
 * @param typeImage    the image a capability's provider says nodes of this device type run
 *                     (see {@code CapabilityRegistry.resolve}); empty for none
 * @param position     where it is in its home's space, or null: in no place (its radios hear
 *                     and are heard by everyone, as without a space)
 */
public record NodeSpec(String deviceType, String baseImage, List<CapabilityRequest> capabilities,
        NetworkKind network, String typeImage, dev.cirque.core.space.Position position) {

    public NodeSpec(String deviceType, String baseImage, List<CapabilityRequest> capabilities, NetworkKind network,
            String typeImage) {
        this(deviceType, baseImage, capabilities, network, typeImage, null);
    }

    public NodeSpec {
        deviceType = deviceType == null ? "" : deviceType.strip();
        baseImage = baseImage == null ? "" : baseImage.strip();
        capabilities = List.copyOf(capabilities == null ? List.of() : capabilities);
        network = network == null ? NetworkKind.LAN : network;
        typeImage = typeImage == null ? "" : typeImage.strip();
    }

    /** What an image reference can be made of; Docker judges the finer grammar itself. */
    private static final Pattern IMAGE_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._/:@-]{0,254}");

    /** As a front reads it: nothing yet implied by the device type. */
    public NodeSpec(String deviceType, String baseImage, List<CapabilityRequest> capabilities, NetworkKind network) {
        this(deviceType, baseImage, capabilities, network, "");
    }

    /** A node on the home's LAN. */
    public NodeSpec(String deviceType, String baseImage, List<CapabilityRequest> capabilities) {
        this(deviceType, baseImage, capabilities, NetworkKind.LAN);
    }

    public static NodeSpec of(String deviceType) {
        return new NodeSpec(deviceType, "", List.of());
    }

    /** The image the node runs. */
    public String image() {
        if (baseImage.isEmpty()) {
            return typeImage.isEmpty() ? deviceType : typeImage;
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
        return new NodeSpec(deviceType, baseImage, replaced, network, typeImage, position);
    }

    public NodeSpec at(dev.cirque.core.space.Position where) {
        return new NodeSpec(deviceType, baseImage, capabilities, network, typeImage, where);
    }

    @Override
    public String toString() {
        return "NodeSpec[type=" + deviceType + ", image=" + image() + ", capabilities="
                + capabilities.stream().map(CapabilityRequest::name).toList()
                + (network == NetworkKind.LAN ? "" : ", network=" + network.wireName())
                + (position == null ? "" : ", position=" + position.toList()) + "]";
    }
}

package dev.cirque.core.home;

import dev.cirque.core.CirqueException;
import dev.cirque.core.capture.CaptureCalls;
import dev.cirque.core.capture.CaptureState;
import dev.cirque.core.capture.CapturingMedium;
import dev.cirque.core.link.LinkMedium;
import dev.cirque.core.link.MediumEvents;
import dev.cirque.core.recording.FrameTap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The operations every front offers on any medium, by its name, whatever it is: list the
 * media, ask one what it knows of a home, start, stop and read its capture. Its events reach
 * the home's watchers as {@code MEDIUM_EVENT}. A medium brought by a plug-in gets all of it
 * without a line of front code; a medium's own typed calls come with its front.
 */
public final class HomeMedia {

    private final HomeLinks links;
    private final HomeRegistry homes;

    HomeMedia(HomeLinks links, HomeRegistry homes) {
        this.links = links;
        this.homes = homes;
    }

    /** Connects every medium's events to the homes' watchers, and its frames to their recordings. */
    static void connect(List<LinkMedium> media, HomeEvents events, FrameTap frames) {
        for (LinkMedium m : media) {
            MediumEvents tell = (home, node, event, detail) -> {
                Map<String, String> all = new HashMap<>(detail);
                all.put("medium", m.name());
                all.put("event", event);
                events.publish(home, HomeEvent.Kind.MEDIUM_EVENT, node == null ? "" : node, Map.copyOf(all));
            };
            m.tellThrough(tell);
            m.recordThrough(frames);
        }
    }

    /** The media of this daemon, by name. */
    public List<String> names() {
        return links.media().stream().sorted().toList();
    }

    /** What the medium knows of the home, under its name and the home's. */
    public Map<String, Object> describe(String homeId, String medium) {
        LinkMedium m = medium(homeId, medium);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("medium", m.name());
        out.put("home_id", homeId);
        out.put("captures", m instanceof CapturingMedium);
        out.putAll(m.describe(homeId));
        return out;
    }

    /** Starts ({@code start}) or stops the home's capture on the medium. */
    public CaptureState capture(String homeId, String medium, boolean start) {
        CapturingMedium m = capturing(homeId, medium);
        return CaptureCalls.set(m, homeId, start, "/media/" + m.name() + "/" + homeId + "/capture");
    }

    /** The capture's bytes (while it runs, too); NOT_FOUND, saying how to start one, when there is none. */
    public byte[] captured(String homeId, String medium) {
        CapturingMedium m = capturing(homeId, medium);
        return CaptureCalls.read(m, homeId, "POST /media/" + m.name() + "/" + homeId + "/capture/start, SetMediumCapture");
    }

    private LinkMedium medium(String homeId, String medium) {
        if (medium == null || medium.isBlank()) {
            throw CirqueException.invalid("medium is required; this daemon has " + names());
        }
        homes.get(homeId); // NOT_FOUND first, as for every call on a home
        return links.shaper(medium.strip());
    }

    private CapturingMedium capturing(String homeId, String medium) {
        LinkMedium m = medium(homeId, medium);
        if (!(m instanceof CapturingMedium c)) {
            throw CirqueException.precondition("the " + m.name() + " medium keeps no captures");
        }
        return c;
    }
}

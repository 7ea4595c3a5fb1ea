package dev.cirque.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cirque.core.capture.CaptureState;
import dev.cirque.core.home.HomeMedia;
import dev.cirque.server.media.MediumRoutes;
import java.util.Map;

/**
 * Any medium by name over HTTP (a cirque-java extension), whichever brought it:
 * <ul>
 *   <li>{@code GET /media}: the media of this daemon;
 *   <li>{@code GET /media/{medium}/{home}}: what the medium knows of the home;
 *   <li>{@code POST /media/{medium}/{home}/capture/start} and {@code .../capture/stop};
 *   <li>{@code GET /media/{medium}/{home}/capture}: the pcap (while it runs, too).
 * </ul>
 */
final class MediaRoutes {

    private final HomeMedia media;
    private final ObjectMapper json;

    MediaRoutes(HomeMedia media, ObjectMapper json) {
        this.media = media;
        this.json = json;
    }

    JsonNode list() {
        return json.valueToTree(Map.of("media", media.names()));
    }

    /** The routes of the medium of that name (checked when called: an unknown one is the core's to refuse). */
    MediumRoutes named(String medium) {
        return new MediumRoutes() {
            @Override
            public JsonNode topology(String home) {
                return json.valueToTree(media.describe(home, medium));
            }

            @Override
            public JsonNode capture(String home, boolean start) {
                CaptureState s = media.capture(home, medium, start);
                ObjectNode out = json.createObjectNode();
                out.put("medium", s.medium());
                out.put("capturing", s.capturing());
                out.put("download", s.downloadPath());
                out.put("bytes", s.bytes());
                return out;
            }

            @Override
            public byte[] captured(String home) {
                return media.captured(home, medium);
            }
        };
    }
}

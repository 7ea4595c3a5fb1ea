package dev.cirque.server.wire;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cirque.core.CirqueException;
import dev.cirque.core.capture.CaptureState;
import dev.cirque.core.home.HomeMedia;
import dev.cirque.proto.MediumCaptureState;
import dev.cirque.proto.MediumDescription;
import java.util.Map;

/** Any medium's calls as messages, from {@link HomeMedia}'s answers; shared by gRPC and the CLI. */
public final class MediumMessages {

    private static final ObjectMapper JSON = new ObjectMapper();

    private MediumMessages() {}

    public static MediumDescription description(HomeMedia media, String home, String medium) {
        Map<String, Object> described = media.describe(home, medium);
        return MediumDescription.newBuilder().setMedium(String.valueOf(described.get("medium")))
                .setJson(json(described)).build();
    }

    public static MediumCaptureState captureState(CaptureState s) {
        return MediumCaptureState.newBuilder().setMedium(s.medium()).setCapturing(s.capturing())
                .setDownloadPath(s.downloadPath()).setBytes(s.bytes()).build();
    }

    public static CaptureState captureState(MediumCaptureState s) {
        return new CaptureState(s.getMedium(), s.getCapturing(), s.getDownloadPath(), s.getBytes());
    }

    /** A medium's account as JSON text (what the HTTP route answers). */
    public static String json(Map<String, Object> described) {
        try {
            return JSON.writeValueAsString(described);
        } catch (JsonProcessingException e) {
            throw new CirqueException(CirqueException.Kind.INTERNAL, "a medium's account is not JSON: " + e, e);
        }
    }

    /** The account back from its JSON text. */
    @SuppressWarnings("unchecked")
    public static Map<String, Object> parse(String json) {
        try {
            return JSON.readValue(json, Map.class);
        } catch (JsonProcessingException e) {
            throw new CirqueException(CirqueException.Kind.INTERNAL, "the daemon's medium account is not JSON: " + e, e);
        }
    }
}

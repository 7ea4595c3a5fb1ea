package dev.cirque.server.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/** What a client gets when a route fails in a way no route expects: an answer, never a wait. */
class HttpTransportTest {

    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @Test
    void aRouteThatFailsWithALinkageErrorOrRepliesNothingStillAnswers500() throws Exception {
        // A plug-in built against another core fails so (NoSuchMethodError): it once left the client waiting.
        HttpResponse<String> linkage = callOnce(call -> {
            throw new NoSuchMethodError("'dev.cirque.Old dev.cirque.Core.gone()'");
        });
        assertEquals(500, linkage.statusCode());
        assertTrue(linkage.body().contains("\"INTERNAL\"") && linkage.body().contains("NoSuchMethodError"),
                linkage.body());

        HttpResponse<String> silent = callOnce(call -> {});
        assertEquals(500, silent.statusCode());
        assertTrue(silent.body().contains("no reply"), silent.body());
    }

    private static HttpResponse<String> callOnce(Consumer<HttpCall> handler) throws Exception {
        HttpTransport transport = new HttpTransport(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), null,
                HttpLimits.defaults(), handler);
        transport.start();
        try {
            return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + transport.port() + "/x"))
                    .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
        } finally {
            transport.stop();
        }
    }
}

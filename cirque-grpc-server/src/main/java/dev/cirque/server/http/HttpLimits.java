package dev.cirque.server.http;

import java.time.Duration;

/**
 * What one HTTP client can hold of the daemon.
 *
 * @param maxBodyBytes the largest request body; past it 413
 * @param workers calls run at once (each may wait on Docker); more wait in a queue of
 *     {@code 4 × workers}, and past that 503
 * @param readTimeout how long a connection may take to send a whole request (headers and
 *     body), and how long it may sit idle between requests, before it is closed
 * @param maxConnections connections open at once; past it a new one is closed at once
 */
public record HttpLimits(int maxBodyBytes, int workers, Duration readTimeout, int maxConnections) {

    /** The daemon's defaults. */
    public static HttpLimits defaults() {
        return new HttpLimits(4 << 20, 32, Duration.ofSeconds(30), 512);
    }

    public HttpLimits withMaxBodyBytes(int bytes) {
        return new HttpLimits(bytes, workers, readTimeout, maxConnections);
    }
}

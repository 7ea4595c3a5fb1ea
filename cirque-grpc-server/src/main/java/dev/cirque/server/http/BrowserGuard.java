package dev.cirque.server.http;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.UnaryOperator;

/**
 * Keeps web pages away from the HTTP API: any page a user opens could otherwise drive it
 * (a foreign page's POST to /create_home, an image whose address is {@code GET /}) or reach
 * it through DNS rebinding. Refused, unless the page's origin is allowed
 * ({@code --http-allow-origin}):
 * <ul>
 *   <li>a request with an {@code Origin} header;
 *   <li>a request a browser marks as coming from another site ({@code Sec-Fetch-Site}),
 *       which covers what carries no Origin, such as an image or a navigation;
 *   <li>on a loopback address, a request whose {@code Host} is not a loopback name or
 *       address with the port listened on (DNS rebinding).
 * </ul>
 * Clients that are not browsers (the Matter harness's requests, curl) send none of these
 * and pass. The daemon's own page (the live view, {@code /view}) passes as same-origin when it
 * was opened by an IP address or localhost.
 */
final class BrowserGuard {

    private final int port;
    private final boolean loopback;
    private final List<String> allowedOrigins;

    BrowserGuard(InetSocketAddress bound, List<String> allowedOrigins) {
        this.port = bound.getPort();
        this.loopback = bound.getAddress() != null && bound.getAddress().isLoopbackAddress();
        this.allowedOrigins = allowedOrigins.stream().map(o -> o.strip().toLowerCase(Locale.ROOT)).toList();
    }

    /** Why the request is refused, or empty. */
    Optional<String> refusal(UnaryOperator<String> header, int boundPort) {
        String origin = header.apply("Origin");
        String site = header.apply("Sec-Fetch-Site");
        boolean allowedOrigin = origin != null && (allowedOrigins.contains(origin.strip().toLowerCase(Locale.ROOT))
                || ownPage(origin, header.apply("Host"), site));
        if (origin != null && !allowedOrigin) {
            return Optional.of("requests from web pages are refused (Origin: " + origin + "); allow that origin with"
                    + " --http-allow-origin");
        }
        if (site != null && !allowedOrigin && !site.equals("none") && !site.equals("same-origin")) {
            return Optional.of("requests a browser sends for another site are refused (Sec-Fetch-Site: " + site + ")");
        }
        String host = header.apply("Host");
        if (loopback && host != null && !loopbackHost(host, boundPort > 0 ? boundPort : port)) {
            return Optional.of("Host " + host + " is not this daemon's loopback address; it listens on loopback only"
                    + " (a page on another name reaching it is DNS rebinding)");
        }
        return Optional.empty();
    }

    /**
     * The daemon's own page (the live view) calling it: same origin by the browser's word, and the
     * origin is the address asked for. Only where that address is an IP literal or localhost: a
     * page reached by a DNS name could be a rebound one, whose origin is "its own" too (such
     * names can be allowed with --http-allow-origin).
     */
    private static boolean ownPage(String origin, String host, String site) {
        if (host == null || !"same-origin".equals(site)) {
            return false;
        }
        String o = origin.strip().toLowerCase(Locale.ROOT);
        String h = host.strip().toLowerCase(Locale.ROOT);
        if (!o.equals("http://" + h) && !o.equals("https://" + h)) {
            return false;
        }
        String name = h.startsWith("[") ? h.substring(1, Math.max(1, h.indexOf(']')))
                : h.indexOf(':') >= 0 ? h.substring(0, h.indexOf(':')) : h;
        return name.equals("localhost") || name.matches("[0-9.]+|[0-9a-f:]+");
    }

    private static boolean loopbackHost(String host, int port) {
        String name = host.strip();
        String portPart = null;
        if (name.startsWith("[")) {
            int end = name.indexOf(']');
            if (end < 0) {
                return false;
            }
            portPart = name.length() > end + 2 && name.charAt(end + 1) == ':' ? name.substring(end + 2) : null;
            name = name.substring(1, end);
        } else if (name.indexOf(':') >= 0 && name.indexOf(':') == name.lastIndexOf(':')) {
            portPart = name.substring(name.indexOf(':') + 1);
            name = name.substring(0, name.indexOf(':'));
        }
        if (portPart != null && !portPart.equals(Integer.toString(port))) {
            return false;
        }
        if (portPart == null && port != 80) {
            return false;
        }
        if (name.equalsIgnoreCase("localhost")) {
            return true;
        }
        if (!name.matches("[0-9.]+|[0-9a-fA-F:]+")) {
            return false; // a name: only localhost is ours
        }
        try {
            return InetAddress.getByName(name).isLoopbackAddress(); // a literal: no lookup
        } catch (UnknownHostException e) {
            return false;
        }
    }
}

package dev.cirque.client;

/** A node was not ready in time: what was waited for, what was seen last, and the node's last log lines. */
public final class WaitTimeoutException extends CirqueException {

    private static final long serialVersionUID = 1L;

    WaitTimeoutException(String message) {
        super(message);
    }
}

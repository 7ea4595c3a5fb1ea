package dev.cirque.engine.docker;

import com.github.dockerjava.api.exception.BadRequestException;
import com.github.dockerjava.api.exception.DockerException;
import com.github.dockerjava.api.exception.NotFoundException;
import dev.cirque.core.CirqueException;
import dev.cirque.core.CirqueException.Kind;
import java.io.IOException;
import java.util.function.Supplier;

/** What docker-java throws, said as the core's errors: one place, so every call names what failed the same way. */
final class DockerErrors {

    private DockerErrors() {}

    /**
     * Runs one engine call and turns what docker-java throws into a {@link CirqueException}
     * that names the call: UNAVAILABLE when the engine cannot be reached, NOT_FOUND for a
     * 404, RESOURCE_EXHAUSTED when the engine ran out of address pools, INTERNAL otherwise.
     */
    static <T> T call(String host, String what, Supplier<T> action) {
        try {
            return action.get();
        } catch (CirqueException e) {
            throw e;
        } catch (NotFoundException e) {
            // Docker answers 404 when it has no address pool left for a network: not a missing object.
            Kind kind = outOfAddresses(engineMessage(e)) ? Kind.RESOURCE_EXHAUSTED : Kind.NOT_FOUND;
            throw new CirqueException(kind, "Docker could not " + what + ": " + engineMessage(e), e);
        } catch (BadRequestException e) {
            // Docker's 400: what was asked is malformed (an image reference, a name)
            throw new CirqueException(Kind.INVALID_ARGUMENT, "Docker refused to " + what + ": " + engineMessage(e), e);
        } catch (DockerException e) {
            String msg = engineMessage(e);
            Kind kind = outOfAddresses(msg) ? Kind.RESOURCE_EXHAUSTED : Kind.INTERNAL;
            throw new CirqueException(kind, "Docker could not " + what + ": " + msg, e);
        } catch (RuntimeException e) {
            if (causedByIo(e)) {
                throw new CirqueException(Kind.UNAVAILABLE, "the Docker engine at " + host
                        + " does not answer (while trying to " + what + "): " + rootMessage(e)
                        + ". Is dockerd running, and is DOCKER_HOST right?", e);
            }
            throw new CirqueException(Kind.INTERNAL, "could not " + what + ": " + e, e);
        }
    }

    private static boolean outOfAddresses(String engineMessage) {
        return engineMessage.contains("non-overlapping") || engineMessage.contains("address pool");
    }

    private static boolean causedByIo(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof IOException) {
                return true;
            }
        }
        return false;
    }

    private static String rootMessage(Throwable t) {
        Throwable root = t;
        while (root.getCause() != null) {
            root = root.getCause();
        }
        return root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
    }

    /** Docker's JSON error body reduced to its message. */
    private static String engineMessage(DockerException e) {
        String body = e.getMessage() == null ? "" : e.getMessage().strip();
        int at = body.indexOf("\"message\":\"");
        if (at >= 0) {
            int end = body.indexOf('"', at + 11);
            if (end > at) {
                return body.substring(at + 11, end);
            }
        }
        return body.replaceFirst("^Status \\d+: ", "");
    }

}

package dev.cirque.engine.docker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.github.dockerjava.api.exception.InternalServerErrorException;
import com.github.dockerjava.api.exception.NotFoundException;
import dev.cirque.core.CirqueException;
import dev.cirque.core.CirqueException.Kind;
import org.junit.jupiter.api.Test;

/** How Docker's answers become the core's errors: pure logic on docker-java's own exceptions. */
class DockerErrorsTest {

    @Test
    void noAddressPoolLeftIsResourceExhaustedEvenAsA404() {
        // What Docker 20.10 answers when its default pools are used up: a 404.
        CirqueException e = assertThrows(CirqueException.class, () -> DockerErrors.call("unix:///d", "create network x",
                () -> {
                    throw new NotFoundException("Status 404: {\"message\":\"could not find an available,"
                            + " non-overlapping IPv4 address pool among the defaults to assign to the network\"}");
                }));
        assertEquals(Kind.RESOURCE_EXHAUSTED, e.kind());
        assertEquals("Docker could not create network x: could not find an available, non-overlapping IPv4 address"
                + " pool among the defaults to assign to the network", e.getMessage());
        CirqueException later = assertThrows(CirqueException.class, () -> DockerErrors.call("unix:///d", "create network",
                () -> {
                    throw new InternalServerErrorException("Status 500: {\"message\":\"no address pool left\"}");
                }));
        assertEquals(Kind.RESOURCE_EXHAUSTED, later.kind());
    }

    @Test
    void aMissingObjectIsNotFound() {
        CirqueException e = assertThrows(CirqueException.class, () -> DockerErrors.call("unix:///d", "inspect container c",
                () -> {
                    throw new NotFoundException("Status 404: {\"message\":\"No such container: c\"}");
                }));
        assertEquals(Kind.NOT_FOUND, e.kind());
    }
}

package dev.cirque.client.junit;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * A field of type {@link dev.cirque.client.Home} to fill with a new home: from a topology
 * (Cirque's create_home JSON, a class-path resource or else a file path), or from a builder
 * (the name of a static method of the test class taking a {@link dev.cirque.client.HomeBuilder}
 * and returning it with its devices). A static field's home serves the whole class; an
 * instance field's is made for each test method.
 */
@Target(ElementType.FIELD)
@Retention(RetentionPolicy.RUNTIME)
@Documented
public @interface CirqueHome {

    /** The topology: a class-path resource, else a file path. */
    String topology() default "";

    /** The name of a static method {@code HomeBuilder m(HomeBuilder home)} that adds the devices. */
    String builder() default "";

    /** How many last log lines of each node a failing test's report gets. */
    int logLines() default 50;
}

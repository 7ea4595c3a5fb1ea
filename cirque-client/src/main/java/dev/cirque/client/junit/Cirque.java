package dev.cirque.client.junit;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A test class whose {@link CirqueHome} fields get homes from a cirque daemon: made before
 * the test (a static field: before the class's first test), stopped after it, also when it
 * fails. The daemon is the one the environment names ({@code CIRQUE_ADDRESS}, {@code CIRQUE_TOKEN},
 * {@code CIRQUE_TLS_CA}; see {@link dev.cirque.client.CirqueClient#fromEnvironment()}).
 * A failing test's report gets the last log lines of every node of its homes.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Inherited
@ExtendWith(CirqueExtension.class)
public @interface Cirque {}

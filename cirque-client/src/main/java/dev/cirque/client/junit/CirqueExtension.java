package dev.cirque.client.junit;

import dev.cirque.client.CirqueClient;
import dev.cirque.client.Home;
import dev.cirque.client.HomeBuilder;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Fills the {@link CirqueHome} fields of a {@link Cirque} test class: static ones before the
 * class's tests (stopped after them), instance ones before each test (stopped after it). Homes
 * are stopped whatever the test's outcome; a failing test's report first gets every node's
 * last log lines (a report entry per home, also printed to stderr, which build tools keep with
 * the failure), and each of its homes' flight recordings is saved under
 * {@code target/cirque-recordings/} (system property {@value #RECORDINGS_DIR} to move it) and
 * named in the report. A {@link CirqueClient} parameter is resolved to the extension's connection.
 * Homes of a test JVM that dies are the daemon's to remove: see docs/api.md (HoldSession).
 */
public final class CirqueExtension
        implements BeforeAllCallback, BeforeEachCallback, AfterEachCallback, AfterAllCallback, ParameterResolver {

    private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(CirqueExtension.class);
    /** The system property naming where failing tests' recordings go. */
    public static final String RECORDINGS_DIR = "cirque.recordings.dir";

    /** The connection, one per test run, closed when the run ends (JUnit closes AutoCloseable store values). */
    private static final class Connection implements AutoCloseable {
        final CirqueClient client = CirqueClient.fromEnvironment().open();

        @Override
        public void close() {
            client.close();
        }
    }

    /** The homes made for one scope (a class or a test method). */
    private static final class Homes {
        final List<Home> homes = new ArrayList<>();
        final List<Integer> logLines = new ArrayList<>();
    }

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        fill(context, null, true);
    }

    @Override
    public void beforeEach(ExtensionContext context) throws Exception {
        fill(context, context.getRequiredTestInstance(), false);
    }

    @Override
    public void afterEach(ExtensionContext context) {
        if (context.getExecutionException().isPresent()) {
            // The class's own homes served this test too: their logs and recordings go with its failure.
            context.getParent().map(p -> p.getStore(NS).get(Homes.class, Homes.class)).ifPresent(shared -> {
                report(context, shared);
                keepRecordings(context, shared);
            });
        }
        stop(context, context.getStore(NS).remove(Homes.class, Homes.class));
    }

    @Override
    public void afterAll(ExtensionContext context) {
        stop(context, context.getStore(NS).remove(Homes.class, Homes.class));
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == CirqueClient.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        return client(context);
    }

    private static CirqueClient client(ExtensionContext context) {
        return context.getRoot().getStore(NS).getOrComputeIfAbsent(Connection.class, k -> new Connection(),
                Connection.class).client;
    }

    private void fill(ExtensionContext context, Object instance, boolean statics) throws Exception {
        Class<?> testClass = context.getRequiredTestClass();
        Homes made = new Homes();
        context.getStore(NS).put(Homes.class, made);
        for (Class<?> c = testClass; c != null && c != Object.class; c = c.getSuperclass()) {
            for (Field f : c.getDeclaredFields()) {
                CirqueHome spec = f.getAnnotation(CirqueHome.class);
                if (spec == null || Modifier.isStatic(f.getModifiers()) != statics) {
                    continue;
                }
                if (f.getType() != Home.class) {
                    throw new ExtensionConfigurationException("@CirqueHome field " + f.getName() + " must be of type "
                            + Home.class.getName());
                }
                Home home = build(testClass, spec, client(context).newHome(), f).create();
                made.homes.add(home);
                made.logLines.add(spec.logLines());
                f.setAccessible(true);
                f.set(instance, home);
            }
        }
    }

    private static HomeBuilder build(Class<?> testClass, CirqueHome spec, HomeBuilder builder, Field field)
            throws Exception {
        if (spec.topology().isEmpty() == spec.builder().isEmpty()) {
            throw new ExtensionConfigurationException("@CirqueHome on " + field.getName()
                    + " needs a topology or a builder (one of them)");
        }
        if (!spec.builder().isEmpty()) {
            Method m = testClass.getDeclaredMethod(spec.builder(), HomeBuilder.class);
            if (!Modifier.isStatic(m.getModifiers())) {
                throw new ExtensionConfigurationException("builder " + spec.builder() + " must be static");
            }
            m.setAccessible(true);
            return (HomeBuilder) m.invoke(null, builder);
        }
        String topology = spec.topology();
        if (Thread.currentThread().getContextClassLoader().getResource(topology.replaceFirst("^/", "")) != null) {
            return builder.topologyResource(topology);
        }
        Path file = Path.of(topology);
        if (!Files.isRegularFile(file)) {
            throw new ExtensionConfigurationException("topology " + topology + " is neither on the class path nor a file");
        }
        return builder.topologyFile(file);
    }

    /** Every node's last log lines, into the test's report and onto stderr. */
    private static void report(ExtensionContext context, Homes made) {
        for (int i = 0; i < made.homes.size(); i++) {
            Home home = made.homes.get(i);
            String logs = home.logs(made.logLines.get(i));
            context.publishReportEntry("cirque home " + home.id(), logs);
            System.err.println("cirque: " + context.getDisplayName() + " failed; the last log lines of home " + home.id()
                    + ":\n" + logs);
        }
    }

    private static void stop(ExtensionContext context, Homes made) {
        if (made == null) {
            return;
        }
        if (context.getExecutionException().isPresent()) {
            report(context, made);
        }
        RuntimeException first = null;
        for (Home home : made.homes) {
            try {
                home.close();
            } catch (RuntimeException e) {
                if (first == null) {
                    first = e;
                }
            }
        }
        if (context.getExecutionException().isPresent()) {
            keepRecordings(context, made); // after the stop: its last events and every node's log are in
        }
        if (first != null) {
            throw first;
        }
    }

    /** Saves each home's recording for a failed test, and names the file in its report. */
    private static void keepRecordings(ExtensionContext context, Homes made) {
        Path dir = Path.of(System.getProperty(RECORDINGS_DIR, "target/cirque-recordings"))
                .resolve(context.getRequiredTestClass().getName());
        String test = context.getTestMethod().map(Method::getName).orElse("class");
        for (Home home : made.homes) {
            try {
                Path file = home.recording().saveTo(dir.resolve(test + "-" + home.id() + ".zip"));
                context.publishReportEntry("cirque recording " + home.id(), file.toAbsolutePath().toString());
                System.err.println("cirque: " + context.getDisplayName() + " failed; the recording of home " + home.id()
                        + " is in " + file.toAbsolutePath() + " (tshark -r its recording.pcapng; events.jsonl; logs/)");
            } catch (RuntimeException e) {
                System.err.println("cirque: no recording of home " + home.id() + " kept: " + e.getMessage());
            }
        }
    }
}

package dev.cirque.server;

import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * SIGTERM and SIGINT as a service expects them: the first starts an orderly shutdown, a
 * second one ends the process at once. The JVM's own handling runs shutdown hooks and
 * exits 143 whatever they did, and ignores a second signal. sun.misc.Signal (exported by
 * jdk.unsupported for this purpose) is reached reflectively, since naming it makes javac
 * warn about an internal API with no way to silence it.
 */
final class Signals {

    private static final Logger log = LoggerFactory.getLogger(Signals.class);

    private Signals() {}

    /** Installs the handlers; returns false (and the JVM's defaults stay) if it cannot. */
    static boolean onTerminate(Runnable orderlyShutdown) {
        AtomicInteger received = new AtomicInteger();
        try {
            Class<?> signal = Class.forName("sun.misc.Signal");
            Class<?> handlerType = Class.forName("sun.misc.SignalHandler");
            Object handler = Proxy.newProxyInstance(Signals.class.getClassLoader(), new Class<?>[] {handlerType},
                    (proxy, method, args) -> {
                        switch (method.getName()) {
                            case "hashCode":
                                return System.identityHashCode(proxy);
                            case "equals":
                                return proxy == args[0];
                            case "toString":
                                return "cirque signal handler";
                            default:
                                break; // handle(Signal)
                        }
                        String name = String.valueOf(args[0]);
                        if (received.incrementAndGet() == 1) {
                            log.info("{}: shutting down (send it again to exit at once)", name);
                            Thread t = new Thread(orderlyShutdown, "cirque-shutdown");
                            t.start();
                        } else {
                            log.warn("{} again: exiting now, without finishing the teardown", name);
                            Runtime.getRuntime().halt(name.contains("INT") ? 130 : 143);
                        }
                        return null;
                    });
            Method handle = signal.getMethod("handle", signal, handlerType);
            for (String name : new String[] {"TERM", "INT"}) {
                handle.invoke(null, signal.getConstructor(String.class).newInstance(name), handler);
            }
            return true;
        } catch (ReflectiveOperationException | RuntimeException e) {
            log.warn("cannot install signal handlers ({}); SIGTERM will use the JVM's default", e.toString());
            return false;
        }
    }
}

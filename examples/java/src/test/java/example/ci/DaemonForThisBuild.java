package example.ci;

import dev.cirque.client.DaemonForTestsAccess;
import org.junit.platform.launcher.LauncherSession;
import org.junit.platform.launcher.LauncherSessionListener;

/**
 * Not part of the example: where CIRQUE_ADDRESS is unset (this repository's CI), starts a
 * daemon for the run from this build's own classes. A user's project runs its tests against
 * the daemon it runs itself, named by CIRQUE_ADDRESS.
 */
public final class DaemonForThisBuild implements LauncherSessionListener {

    @Override
    public void launcherSessionOpened(LauncherSession session) {
        String address = System.getenv("CIRQUE_ADDRESS");
        if (address == null || address.isBlank()) {
            DaemonForTestsAccess.sharedAddress(); // names it in cirque.address; stopped when the JVM ends
        }
    }
}

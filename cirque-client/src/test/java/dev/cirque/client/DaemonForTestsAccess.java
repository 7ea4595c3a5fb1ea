package dev.cirque.client;

/** The shared test daemon, for the tests of other packages of this module. */
public final class DaemonForTestsAccess {

    private DaemonForTestsAccess() {}

    /** Starts it once (and names it in {@code cirque.address}); its address. */
    public static String sharedAddress() {
        return DaemonForTests.shared().address;
    }
}

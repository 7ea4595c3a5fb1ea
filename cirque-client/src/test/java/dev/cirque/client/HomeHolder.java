package dev.cirque.client;

/**
 * A test JVM that makes a home and then waits to be killed (for ClientSessionsTest): what a
 * test JVM killed mid-test looks like to the daemon.
 */
public final class HomeHolder {

    private HomeHolder() {}

    public static void main(String[] args) throws InterruptedException {
        CirqueClient cirque = CirqueClient.connect(args[0]).open();
        Home home = cirque.newHome().device("a", "generic_node_image").create();
        System.out.println("home " + home.id());
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE);
    }
}

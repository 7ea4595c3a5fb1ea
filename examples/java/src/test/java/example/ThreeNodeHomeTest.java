package example;

import dev.cirque.client.Home;
import dev.cirque.client.Wait;
import dev.cirque.client.junit.Cirque;
import dev.cirque.client.junit.CirqueHome;
import org.junit.jupiter.api.Test;

@Cirque
class ThreeNodeHomeTest {
    @CirqueHome(topology = "three-nodes.json")
    Home home;

    @Test
    void nodesComeUpAndReachEachOther() {
        home.node("a").waitFor(Wait.forLogLine("cirque node ready"));
        home.node("a").exec("ping -c 1 " + home.node("c").ipv4()).assertSucceeded();
    }
}

package dev.cirque.client.junit;

import dev.cirque.client.Home;
import dev.cirque.client.Wait;
import org.junit.jupiter.api.Test;

/** The example in docs/api.md (run by CirqueExtensionTest, not by itself): a 3-node home from a topology file. */
@Cirque
class ThreeNodeHomeExample {

    @CirqueHome(topology = "three-nodes.json")
    Home home;

    @Test
    void nodesComeUpAndAnswer() {
        home.node("a").waitFor(Wait.forCommand("ip -4 addr show eth0"));
        home.node("a").exec("ping -c 1 " + home.node("b").ipv4()).assertSucceeded();
    }
}

package dev.cirque.core.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cirque.core.CirqueException;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ContainerPlanTest {

    @Test
    void contributionsMergeListsAppendSetsUnionMapsMerge() {
        ContainerPlan plan = new ContainerPlan("img", "name");
        // two capabilities' worth of contributions
        plan.addLinuxCapability("NET_ADMIN").sysctl("net.ipv6.conf.all.disable_ipv6", "0")
                .bind("/a", "/mnt/a", false).env("A", "1");
        plan.addLinuxCapability("CAP_NET_ADMIN").addLinuxCapability("NET_RAW")
                .sysctl("net.ipv6.conf.all.disable_ipv6", "0").sysctl("net.ipv4.ip_forward", "1")
                .bind("/b", "/mnt/b", true).env("B", "2").tty(true);
        plan.tty(false); // a later "no" does not undo an earlier "yes"

        assertEquals(Set.of("NET_ADMIN", "NET_RAW"), plan.linuxCapabilities());
        assertEquals(Map.of("net.ipv6.conf.all.disable_ipv6", "0", "net.ipv4.ip_forward", "1"), plan.sysctls());
        assertEquals(List.of("/mnt/a", "/mnt/b"), plan.binds().stream().map(ContainerPlan.Bind::containerPath).toList());
        assertEquals(Map.of("A", "1", "B", "2"), plan.env());
        assertTrue(plan.tty());
    }

    @Test
    void twoValuesForOneKeyAreAConflictNotAnOverwrite() {
        ContainerPlan plan = new ContainerPlan("img", "name").sysctl("net.ipv4.ip_forward", "1");
        CirqueException e = assertThrows(CirqueException.class, () -> plan.sysctl("net.ipv4.ip_forward", "0"));
        assertEquals(CirqueException.Kind.INVALID_ARGUMENT, e.kind());
        assertTrue(e.getMessage().contains("net.ipv4.ip_forward"), e.getMessage());
    }

    @Test
    void allCapabilitiesAtOnceAreRefused() {
        assertThrows(CirqueException.class, () -> new ContainerPlan("img", "name").addLinuxCapability("ALL"));
    }
}

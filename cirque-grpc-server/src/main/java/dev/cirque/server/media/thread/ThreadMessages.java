package dev.cirque.server.media.thread;

import dev.cirque.capabilities.ThreadMeshes;
import dev.cirque.capabilities.ThreadTopology;
import dev.cirque.core.capture.CaptureState;
import dev.cirque.proto.ThreadCaptureRequest;
import dev.cirque.proto.ThreadCaptureState;
import dev.cirque.proto.ThreadEvent;
import dev.cirque.proto.ThreadNeighbor;
import dev.cirque.proto.ThreadNeighborChange;
import dev.cirque.proto.ThreadNodeState;
import dev.cirque.proto.ThreadRoleChange;

/** The Thread mesh calls' translation between proto messages and {@link ThreadMeshes}. */
final class ThreadMessages {

    private ThreadMessages() {}

    static dev.cirque.proto.ThreadTopology topology(ThreadMeshes meshes, String home) {
        dev.cirque.proto.ThreadTopology.Builder out = dev.cirque.proto.ThreadTopology.newBuilder().setHomeId(home);
        for (ThreadTopology.ThreadNode n : meshes.topology(home)) {
            ThreadNodeState.Builder node = ThreadNodeState.newBuilder().setDeviceId(n.device())
                    .setRole(orEmpty(n.role())).setRloc16(orEmpty(n.rloc16())).setExtAddress(orEmpty(n.extaddr()))
                    .setError(orEmpty(n.error())).setDeviceMode(orEmpty(n.deviceMode())).setPolls(n.polls());
            for (ThreadTopology.Neighbor nb : n.neighbors()) {
                node.addNeighbors(ThreadNeighbor.newBuilder().setDeviceId(orEmpty(nb.device())).setRole(nb.role())
                        .setRloc16(nb.rloc16()).setExtAddress(nb.extaddr()).setAvgRssi(nb.avgRssi())
                        .setFramesDelivered(nb.delivered()).setFramesDropped(nb.dropped()));
            }
            out.addNodes(node);
        }
        return out.setCapturing(meshes.capturing(home)).build();
    }

    static ThreadCaptureState capture(ThreadMeshes meshes, ThreadCaptureRequest r) {
        CaptureState c = meshes.capture(r.getHomeId(), r.getStart());
        return ThreadCaptureState.newBuilder().setCapturing(c.capturing()).setDownloadPath(c.downloadPath())
                .setBytes(c.bytes()).build();
    }

    static dev.cirque.proto.ThreadDeviceMode deviceMode(ThreadMeshes meshes, dev.cirque.proto.SetThreadDeviceModeRequest r) {
        java.util.Map<String, Object> now = meshes.setDeviceMode(r.getHomeId(), r.getDeviceId(), r.getDeviceMode(),
                Integer.toUnsignedLong(r.getPollPeriodMs()));
        return dev.cirque.proto.ThreadDeviceMode.newBuilder().setDeviceId(r.getDeviceId())
                .setDeviceMode(String.valueOf(now.get("device_mode")))
                .setPollPeriodMs(((Number) now.get("poll_period_ms")).intValue()).build();
    }

    static ThreadEvent event(ThreadMeshes.Change change) {
        ThreadEvent.Builder e = ThreadEvent.newBuilder().setAtUnixMs(System.currentTimeMillis())
                .setDeviceId(change.device());
        if (change instanceof ThreadMeshes.RoleChange r) {
            e.setRole(ThreadRoleChange.newBuilder().setFrom(r.from()).setTo(r.to()));
        } else if (change instanceof ThreadMeshes.NeighborChange n) {
            e.setNeighbor(ThreadNeighborChange.newBuilder().setNeighborDeviceId(orEmpty(n.neighbor()))
                    .setExtAddress(n.extaddr()).setUp(n.up()));
        }
        return e.build();
    }

    private static String orEmpty(String s) {
        return s == null ? "" : s;
    }
}

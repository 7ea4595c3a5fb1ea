package dev.cirque.engine.docker;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A container's /etc/passwd and /etc/group, read through its root from the host, and a
 * {@code user[:group]} resolved against them as runc does: a name or a number; a number not
 * in the file stands for itself (group 0, home "/"); without an explicit group, the
 * supplementary groups are those that list the user as a member.
 */
final class ContainerUsers {

    record ExecUser(long uid, long gid, List<Long> supplementary, String home) {}

    private record Passwd(String name, long uid, long gid, String home) {}

    private record Group(String name, long gid, List<String> members) {}

    private final List<Passwd> passwd;
    private final List<Group> groups;

    private ContainerUsers(List<Passwd> passwd, List<Group> groups) {
        this.passwd = passwd;
        this.groups = groups;
    }

    static ContainerUsers read(Path root) {
        List<Passwd> passwd = new ArrayList<>();
        for (String[] f : fields(root.resolve("etc/passwd"), 7)) {
            Long uid = number(f[2]);
            Long gid = number(f[3]);
            if (uid != null && gid != null) {
                passwd.add(new Passwd(f[0], uid, gid, f[5]));
            }
        }
        List<Group> groups = new ArrayList<>();
        for (String[] f : fields(root.resolve("etc/group"), 4)) {
            Long gid = number(f[2]);
            if (gid != null) {
                groups.add(new Group(f[0], gid, f[3].isEmpty() ? List.of() : List.of(f[3].split(","))));
            }
        }
        return new ContainerUsers(passwd, groups);
    }

    /** {@code spec} ("" = root) as runc resolves it, or null where runc would refuse it. */
    ExecUser resolve(String spec) {
        String userPart = spec.contains(":") ? spec.substring(0, spec.indexOf(':')) : spec;
        String groupPart = spec.contains(":") ? spec.substring(spec.indexOf(':') + 1) : "";
        if (userPart.isEmpty()) {
            userPart = "0";
        }
        Long asNumber = number(userPart);
        String match = userPart;
        Passwd entry = passwd.stream()
                .filter(p -> asNumber == null ? p.name().equals(match) : p.uid() == asNumber)
                .findFirst().orElse(null);
        if (entry == null && asNumber == null) {
            return null;
        }
        long uid = entry == null ? asNumber : entry.uid();
        long gid = entry == null ? 0 : entry.gid();
        String home = entry == null ? "/" : entry.home();
        List<Long> supplementary = new ArrayList<>();
        if (!groupPart.isEmpty()) {
            Long g = groupId(groupPart);
            if (g == null) {
                return null;
            }
            gid = g;
        } else if (entry != null) {
            for (Group g : groups) {
                if (g.members().contains(entry.name())) {
                    supplementary.add(g.gid());
                }
            }
        }
        return new ExecUser(uid, gid, supplementary, home);
    }

    /** A group by name or number; a number not in the file stands for itself; null for an unknown name. */
    Long groupId(String nameOrNumber) {
        Long n = number(nameOrNumber);
        if (n != null) {
            return n;
        }
        return groups.stream().filter(g -> g.name().equals(nameOrNumber)).map(Group::gid).findFirst().orElse(null);
    }

    private static List<String[]> fields(Path file, int count) {
        List<String[]> out = new ArrayList<>();
        try {
            for (String line : Files.readAllLines(file)) {
                String[] f = line.split(":", -1);
                if (f.length >= count && !line.startsWith("#")) {
                    out.add(f);
                }
            }
        } catch (IOException e) {
            // an image without the file: every user is a number, as with runc
        }
        return out;
    }

    private static Long number(String s) {
        if (s.isEmpty() || !s.chars().allMatch(Character::isDigit) || s.length() > 10) {
            return null;
        }
        return Long.parseLong(s);
    }
}

package dev.cirque.core.space;

import dev.cirque.core.CirqueException;
import java.util.List;

/** Where a node is, in metres: x and y on the floor plan, z its height. */
public record Position(double x, double y, double z) {

    public Position {
        if (!Double.isFinite(x) || !Double.isFinite(y) || !Double.isFinite(z)) {
            throw CirqueException.invalid("a position is three finite numbers (metres), got [" + x + ", " + y + ", "
                    + z + "]");
        }
    }

    /** {@code [x, y]} or {@code [x, y, z]}, as JSON gives it; INVALID_ARGUMENT otherwise. */
    public static Position of(List<? extends Number> xyz) {
        if (xyz.size() != 2 && xyz.size() != 3) {
            throw CirqueException.invalid("a position is [x, y] or [x, y, z] in metres, got " + xyz);
        }
        return new Position(xyz.get(0).doubleValue(), xyz.get(1).doubleValue(),
                xyz.size() == 3 ? xyz.get(2).doubleValue() : 0);
    }

    public double distanceTo(Position o) {
        double dx = x - o.x;
        double dy = y - o.y;
        double dz = z - o.z;
        return Math.sqrt(dx * dx + dy * dy + dz * dz);
    }

    public List<Double> toList() {
        return List.of(x, y, z);
    }
}

package dev.cirque.core.space;

import dev.cirque.core.CirqueException;

/**
 * A wall of the floor plan: a segment from (x1, y1) to (x2, y2), floor to ceiling, that takes
 * {@code attenuationDb} off every signal crossing it.
 */
public record Wall(double x1, double y1, double x2, double y2, double attenuationDb) {

    /** Typical interior wall at 2.4 GHz (plasterboard on studs); a brick or concrete wall is more. */
    public static final double DEFAULT_ATTENUATION_DB = 6;

    public Wall {
        if (!Double.isFinite(x1) || !Double.isFinite(y1) || !Double.isFinite(x2) || !Double.isFinite(y2)) {
            throw CirqueException.invalid("a wall's ends are finite numbers (metres)");
        }
        if (!(attenuationDb >= 0 && attenuationDb <= 100)) {
            throw CirqueException.invalid("a wall's attenuation is 0..100 dB, got " + attenuationDb);
        }
    }

    /** Whether the straight path from {@code a} to {@code b}, seen from above, crosses this wall. */
    boolean crosses(Position a, Position b) {
        double d1 = side(x1, y1, x2, y2, a.x(), a.y());
        double d2 = side(x1, y1, x2, y2, b.x(), b.y());
        double d3 = side(a.x(), a.y(), b.x(), b.y(), x1, y1);
        double d4 = side(a.x(), a.y(), b.x(), b.y(), x2, y2);
        // Proper crossings only: a node standing on a wall's line is on one side of it.
        return d1 * d2 < 0 && d3 * d4 < 0;
    }

    /** Which side of the line (px, py)→(qx, qy) the point (rx, ry) is on: the cross product's sign. */
    private static double side(double px, double py, double qx, double qy, double rx, double ry) {
        return (qx - px) * (ry - py) - (qy - py) * (rx - px);
    }
}

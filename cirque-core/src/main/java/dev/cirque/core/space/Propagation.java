package dev.cirque.core.space;

import dev.cirque.core.CirqueException;
import java.util.List;

/**
 * The log-distance path loss model, with walls and shadowing:
 * <pre>
 *   loss(d) = referenceLossDb + 10 * exponent * log10(max(d, 0.1 m) / 1 m) + sum(walls crossed) + X
 * </pre>
 * where X is a Gaussian of {@code shadowingSigmaDb} drawn once per pair of nodes from the
 * home's seed (the same both ways: the channel is reciprocal; none when the sigma is 0).
 * Defaults: 40 dB at 1 m (free space at 2.4 GHz) and an exponent of 3.0 (indoors, between
 * free space's 2 and a crowded building's 4), no shadowing.
 */
public record Propagation(double referenceLossDb, double exponent, double shadowingSigmaDb) {

    public static final Propagation DEFAULT = new Propagation(40, 3.0, 0);
    /** Closer than this, the distance is taken as this: the model is not one for the near field. */
    static final double MIN_DISTANCE_M = 0.1;

    public Propagation {
        if (!(referenceLossDb >= 0 && referenceLossDb <= 200)) {
            throw CirqueException.invalid("reference_loss_db is 0..200, got " + referenceLossDb);
        }
        if (!(exponent >= 1 && exponent <= 8)) {
            throw CirqueException.invalid("exponent is 1..8, got " + exponent);
        }
        if (!(shadowingSigmaDb >= 0 && shadowingSigmaDb <= 30)) {
            throw CirqueException.invalid("shadowing_sigma_db is 0..30, got " + shadowingSigmaDb);
        }
    }

    /** What the path from {@code a} to {@code b} takes off a signal, and why. */
    public PathLoss loss(Position a, Position b, List<Wall> walls, double shadowingDb) {
        double d = a.distanceTo(b);
        double wallsDb = 0;
        int crossed = 0;
        for (Wall w : walls) {
            if (w.crosses(a, b)) {
                wallsDb += w.attenuationDb();
                crossed++;
            }
        }
        double distanceDb = referenceLossDb + 10 * exponent * Math.log10(Math.max(d, MIN_DISTANCE_M));
        return new PathLoss(d, crossed, wallsDb, shadowingDb, distanceDb + wallsDb + shadowingDb);
    }

    /**
     * @param distanceM the straight distance
     * @param walls     how many walls the path crosses, taking {@code wallsDb} together
     * @param totalDb   the whole loss
     */
    public record PathLoss(double distanceM, int walls, double wallsDb, double shadowingDb, double totalDb) {}
}

package dev.cirque.sim.wifi;

/** This kernel cannot make simulated radios; the message says what to do about it. */
public final class HwsimUnavailableException extends Exception {

    public HwsimUnavailableException(String message) {
        super(message);
    }
}

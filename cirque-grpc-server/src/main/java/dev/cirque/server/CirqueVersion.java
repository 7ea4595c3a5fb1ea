package dev.cirque.server;

import picocli.CommandLine;

/** cirque-java's version, from the jar's manifest ("dev" when run from classes). */
public final class CirqueVersion implements CommandLine.IVersionProvider {

    public static String version() {
        String v = CirqueVersion.class.getPackage().getImplementationVersion();
        return v == null ? "dev" : v;
    }

    @Override
    public String[] getVersion() {
        return new String[] {"cirque-java " + version()};
    }
}

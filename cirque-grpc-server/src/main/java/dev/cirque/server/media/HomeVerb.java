package dev.cirque.server.media;

import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Parameters;

/** A medium's CLI verb about one home ({@code VERB HOME}): the command line it runs in, and the home. */
public abstract class HomeVerb implements Runnable {

    @ParentCommand
    protected MediumCli cli;

    @Parameters(paramLabel = "HOME")
    protected String home;
}

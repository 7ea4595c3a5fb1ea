package dev.cirque.server.media;

import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** A medium's CLI verb about one home ({@code VERB HOME}): the command line it runs in, and the home. */
public abstract class HomeVerb implements Runnable {

    @ParentCommand
    protected MediumCli cli;

    @Parameters(paramLabel = "HOME")
    protected String home;
}

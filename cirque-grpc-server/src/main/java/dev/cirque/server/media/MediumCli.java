package dev.cirque.server.media;

import dev.cirque.core.home.HomeService;
import dev.cirque.proto.CirqueServiceGrpc.CirqueServiceBlockingStub;
import java.io.PrintStream;
import java.util.List;
import java.util.function.Function;

/** The command line as a medium's verb sees it: the same call in-process or over gRPC, and its output. */
public interface MediumCli {

    /** {@code inProcess} on the CLI's own homes, or {@code overGrpc} on the daemon's; errors as CirqueException. */
    <T> T call(Function<HomeService, T> inProcess, Function<CirqueServiceBlockingStub, T> overGrpc);

    /** {@code doc} as JSON with {@code --json}, else the table. */
    void print(Object doc, Runnable table);

    /** Left-aligned columns, as every verb prints them. */
    void table(List<String> header, List<List<String>> rows);

    PrintStream out();
}

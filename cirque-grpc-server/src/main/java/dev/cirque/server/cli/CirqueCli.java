package dev.cirque.server.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.cirque.core.CirqueException;
import dev.cirque.core.capability.CapabilityRegistry;
import dev.cirque.core.engine.ExecResult;
import dev.cirque.core.home.HomeService;
import dev.cirque.core.spec.CapabilityRequest;
import dev.cirque.core.spec.NetworkKind;
import dev.cirque.core.spec.NodeSpec;
import dev.cirque.proto.CirqueServiceGrpc.CirqueServiceBlockingStub;
import dev.cirque.server.CirqueVersion;
import dev.cirque.server.HostOptions;
import dev.cirque.server.media.MediumCli;
import dev.cirque.server.media.MediumFronts;
import dev.cirque.server.wire.DeviceConfigs;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Function;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine;

/**
 * {@code cirque}: Cirque's command line. With {@code --connect HOST:PORT} it drives a running
 * daemon over gRPC; without, it runs the core in this process, no service started, and the
 * homes it makes live as long as it does. With no command it opens a shell.
 */
@Command(name = "cirque", versionProvider = CirqueVersion.class, sortOptions = false,
        subcommands = {CommandLine.HelpCommand.class, LinkCommands.Show.class, LinkCommands.Set.class,
            LinkCommands.Cut.class, LinkCommands.Heal.class, LinkCommands.Seed.class,
            MediumCommands.ListMedia.class, MediumCommands.Describe.class, MediumCommands.Capture.class,
            MediumCommands.Record.class, SpaceCommands.Show.class, SpaceCommands.Place.class, SpaceCommands.Plan.class},
        description = {"Create and drive virtual homes of Docker nodes.",
                "Without a command, opens an interactive shell (history in ~/.cirque_history)."},
        footer = {"", "Exit status: 0 ok, 1 failure, 2 usage error."})
public final class CirqueCli implements Callable<Integer>, MediumCli {

    @Option(names = "--connect", paramLabel = "HOST:PORT",
            description = "Drive the daemon at HOST:PORT over gRPC (e.g. 127.0.0.1:50051)."
                    + " Without it, the core runs in this process and its homes end with it.")
    String connect;

    @Option(names = "--token-file", paramLabel = "FILE",
            description = "The daemon's bearer token, for --connect (or the token itself in CIRQUE_TOKEN).")
    Path tokenFile;

    @Option(names = "--json", description = "Print JSON instead of tables (one document per command).")
    boolean json;

    /** How the in-process core runs: the daemon's own settings, applied the same way. */
    @Mixin
    HostOptions host = new HostOptions();

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help and exit.")
    boolean help;

    @Option(names = {"-V", "--version"}, versionHelp = true, description = "Print the version and exit.")
    boolean versionRequested;

    private static final String NETTY_JFR = "io.grpc.netty.shaded.io.netty.jfr.enabled";

    private final PrintStream out;
    /** Made when first needed: a table's command never pays for Jackson's start (a tenth of a second). */
    private ObjectMapper mapper;
    private Backend backend;
    /** The channel a one-shot call began to open before its arguments were parsed. */
    private DaemonChannel.Early early = new DaemonChannel.Early(new String[0]);
    private Shell shell;

    CirqueCli(PrintStream out) {
        this.out = out;
    }

    public static void main(String[] args) {
        // Quiet core logs unless asked: a CLI's output is its tables. Logging set up in code
        // (CliLogging), and Netty's buffer pool without its JFR events, whose set-up loads
        // the flight recorder's metadata: together a quarter of a one-shot call's second.
        String level = System.getenv("CIRQUE_LOG_LEVEL");
        System.setProperty(CliLogging.LEVEL_PROPERTY, level == null ? "WARN" : level);
        if (System.getProperty(NETTY_JFR) == null) {
            System.setProperty(NETTY_JFR, "false");
        }
        CirqueCli cli = new CirqueCli(System.out);
        cli.early = new DaemonChannel.Early(args);
        // SIGTERM or Ctrl-C outside the shell: the in-process homes still go.
        Runtime.getRuntime().addShutdownHook(new Thread(cli::closeBackend, "cirque-cli-shutdown"));
        int code;
        try {
            code = commandLine(cli).execute(args);
        } finally {
            cli.closeBackend();
        }
        System.exit(code);
    }

    static CommandLine commandLine(CirqueCli cli) {
        CommandLine cl = new CommandLine(cli);
        MediumFronts.cliCommands().forEach(cl::addSubcommand); // thread, wifi: the media's own verbs
        cl.setExecutionExceptionHandler((e, commandLine, parsed) -> {
            if (cli.json) {
                // A script's error: one JSON document, with the kind HTTP and gRPC say.
                Map<String, String> error = new java.util.LinkedHashMap<>();
                error.put("code", e instanceof CirqueException c ? c.kind().name() : "INTERNAL");
                error.put("error", message(e));
                commandLine.getErr().println(cli.mapper().valueToTree(error));
            } else {
                commandLine.getErr().println("error: " + message(e));
            }
            return 1;
        });
        return cl;
    }

    private ObjectMapper mapper() {
        if (mapper == null) {
            mapper = new ObjectMapper().enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS);
        }
        return mapper;
    }

    /** No command: the shell. */
    @Override
    public Integer call() throws IOException {
        shell = new Shell(this);
        return shell.run();
    }

    // --- commands ------------------------------------------------------------------------

    @Command(name = "version", description = "Print the version.")
    void version() {
        out.println("cirque " + CirqueVersion.version());
    }

    @Command(name = "create_home", description = "Create a home, empty or from a topology file.")
    void createHome(@Option(names = "--file", paramLabel = "TOPOLOGY.json",
            description = "A JSON object of device configs, as POSTed to /create_home.") Path file)
            throws IOException {
        if (file == null) {
            String id = backend().createHome();
            print(Map.of("home_id", id, "devices", Map.of()), () -> out.println(id));
            return;
        }
        Map<String, NodeSpec> topology = new DeviceConfigs(CapabilityRegistry.fromClassPath()).toTopology(mapper().readTree(Files.readString(file)));
        String[] home = new String[1];
        Map<String, Backend.Device> devices = backend().createHome(topology, home);
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("home_id", home[0]);
        doc.put("devices", devices);
        print(doc, () -> {
            out.println("home " + home[0]);
            List<List<String>> rows = new ArrayList<>();
            devices.forEach((key, d) -> rows.add(List.of(key, d.id(), d.type(), d.ipv4())));
            Table.print(out, List.of("KEY", "DEVICE", "TYPE", "IPV4"), rows);
        });
    }

    @Command(name = "homes", description = "List the homes.")
    void homes() {
        List<String> homes = backend().homes();
        print(homes, () -> homes.forEach(out::println));
    }

    @Command(name = "home_devices", description = "List a home's devices.")
    void homeDevices(@Parameters(paramLabel = "HOME") String home) {
        List<Backend.Device> devices = backend().devices(home);
        print(devices, () -> Table.print(out, List.of("DEVICE", "NAME", "TYPE", "IPV4", "CAPABILITIES"),
                devices.stream().map(d -> List.of(d.id(), d.name(), d.type(), d.ipv4(),
                        String.join(",", d.capabilities()))).toList()));
    }

    @Command(name = "create_device", description = "Create a device in a home.")
    void createDevice(@Parameters(paramLabel = "HOME") String home,
            @Option(names = "--type", required = true, paramLabel = "TYPE", description = "The device type.") String type,
            @Option(names = "--image", paramLabel = "IMAGE", description = "The image (default: TYPE).") String image,
            @Option(names = "--capability", paramLabel = "NAME", description = "A capability, e.g. Interactive;"
                    + " repeatable.") List<String> capabilities,
            @Option(names = "--network", paramLabel = "NET", description = "internal, Ipv6 or IpvLan"
                    + " (default: the home's LAN).") String network) {
        List<CapabilityRequest> caps = capabilities == null ? List.of()
                : capabilities.stream().map(CapabilityRequest::of).toList();
        Backend.Device d = backend().createDevice(home, new NodeSpec(type, image, caps,
                NetworkKind.fromWireName(network)));
        print(d, () -> Table.print(out, List.of("DEVICE", "NAME", "TYPE", "IPV4"),
                List.of(List.of(d.id(), d.name(), d.type(), d.ipv4()))));
    }

    @Command(name = "device_state", description = "Show one device.")
    void deviceState(@Parameters(paramLabel = "HOME") String home, @Parameters(paramLabel = "DEVICE") String device) {
        Backend.Device d = backend().device(home, device);
        print(d, () -> Table.print(out, List.of("FIELD", "VALUE"), List.of(
                List.of("id", d.id()), List.of("name", d.name()), List.of("type", d.type()),
                List.of("image", d.image()), List.of("ipv4", d.ipv4()), List.of("ipv6", d.ipv6()),
                List.of("capabilities", String.join(",", d.capabilities())), List.of("state", d.state()))));
    }

    @Command(name = "power_off", description = "Power a device off, keeping it to power on again.")
    void powerOff(@Parameters(paramLabel = "HOME") String home, @Parameters(paramLabel = "DEVICE") String device,
            @Option(names = "--grace", paramLabel = "SECONDS",
                    description = "seconds between SIGTERM and SIGKILL, 0..3600 (default 10)") Integer grace) {
        Backend.Device d = backend().powerOff(home, device, grace);
        print(d, () -> out.println("device " + d.id() + " " + d.state()));
    }

    @Command(name = "power_on", description = "Power a device on again.")
    void powerOn(@Parameters(paramLabel = "HOME") String home, @Parameters(paramLabel = "DEVICE") String device) {
        Backend.Device d = backend().powerOn(home, device);
        print(d, () -> out.println("device " + d.id() + " " + d.state() + ", ipv4 " + d.ipv4()));
    }

    @Command(name = "run_exec", description = "Run a command in a device: run_exec HOME DEVICE -- CMD...")
    int runExec(@Parameters(index = "0", paramLabel = "HOME") String home,
            @Parameters(index = "1", paramLabel = "DEVICE") String device,
            @Parameters(index = "2..*", arity = "1..*", paramLabel = "CMD") List<String> command) {
        ExecResult r = backend().exec(home, device, command);
        print(Map.of("exit_code", r.exitCode(), "output", r.output()), () -> out.print(r.output()));
        return r.succeeded() ? 0 : 1;
    }

    @Command(name = "close_device", description = "Stop and remove a device.")
    void closeDevice(@Parameters(paramLabel = "HOME") String home, @Parameters(paramLabel = "DEVICE") String device) {
        backend().closeDevice(home, device);
        print(Map.of("closed", device), () -> out.println("device " + device + " closed"));
    }

    @Command(name = "destroy_home", description = "Tear a home down.")
    void destroyHome(@Parameters(paramLabel = "HOME") String home) {
        backend().destroyHome(home);
        print(Map.of("destroyed", home), () -> out.println("home " + home + " destroyed"));
    }

    @Command(name = "history", description = "Show the commands typed in the shell.")
    void history() {
        List<String> lines = shell == null ? Shell.savedHistory() : shell.history();
        print(lines, () -> {
            for (int i = 0; i < lines.size(); i++) {
                out.printf("%5d  %s%n", i + 1, lines.get(i));
            }
        });
    }

    @Command(name = "exit", description = "Leave the shell; in-process, every home it made is torn down.")
    void exit() {
        if (shell != null) {
            shell.stop();
        }
    }

    // --- helpers -------------------------------------------------------------------------

    synchronized Backend backend() {
        if (backend == null) {
            backend = connect == null ? new LocalBackend(host) : new RemoteBackend(early.to(connect), token());
        }
        return backend;
    }

    /** Tears down what the in-process mode made; a no-op for a remote daemon's homes. */
    synchronized void closeBackend() {
        early.discard();
        if (backend == null) {
            return;
        }
        if (backend instanceof LocalBackend local) {
            int homes = local.homes().size();
            if (homes > 0) {
                System.err.println("cirque: tearing down " + homes + " home(s) made in-process");
            }
        }
        backend.close();
        backend = null;
    }

    private String token() {
        if (tokenFile == null) {
            return System.getenv("CIRQUE_TOKEN");
        }
        try {
            return Files.readString(tokenFile).strip();
        } catch (IOException e) {
            throw CirqueException.invalid("cannot read --token-file " + tokenFile + ": " + e.getMessage());
        }
    }

    boolean remote() {
        return connect != null;
    }

    @Override
    public PrintStream out() {
        return out;
    }

    @Override
    public <T> T call(Function<HomeService, T> inProcess, Function<CirqueServiceBlockingStub, T> overGrpc) {
        return backend().call(inProcess, overGrpc);
    }

    @Override
    public void table(List<String> header, List<List<String>> rows) {
        Table.print(out, header, rows);
    }

    @Override
    public void print(Object doc, Runnable table) {
        if (json) {
            try {
                out.println(mapper().writeValueAsString(doc));
            } catch (IOException e) {
                throw new CirqueException(CirqueException.Kind.INTERNAL, "cannot write JSON: " + e.getMessage());
            }
        } else {
            table.run();
        }
        out.flush();
    }

    static String message(Throwable e) {
        return e.getMessage() == null ? e.toString() : e.getMessage();
    }
}

package dev.apimage.examples;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code apimage} operator tool: {@code java -jar apimage.jar <command>}. Every command has
 * {@code --help}; bad arguments print one line and exit with status 2, failures print one line and
 * exit with status 1.
 */
@Command(name = "apimage",
        mixinStandardHelpOptions = true,
        versionProvider = ApImageCli.Version.class,
        description = "AP image download for non-homogeneous Embedded Wireless Controller networks.",
        commandListHeading = "%nCommands:%n")
public final class ApImageCli implements Runnable {

    /**
     * The commands, in the order help lists them. Only the one named on the command line is built
     * (picocli reflects over every option of every command it is given, and their classes pull in
     * the controller, DTLS and the demo); help and a wrong name get all of them.
     */
    private static final java.util.Map<String, java.util.function.Supplier<Object>> COMMANDS = commands();

    private static java.util.Map<String, java.util.function.Supplier<Object>> commands() {
        java.util.Map<String, java.util.function.Supplier<Object>> m = new java.util.LinkedHashMap<>();
        m.put("bundle", BundleCommand::new);
        m.put("sample-bundle", SampleBundleCommand::new);
        m.put("tftp-server", TftpServerCommand::new);
        m.put("fetch", FetchCommand::new);
        m.put("controller", ControllerCommand::new);
        m.put("ap", ApCommand::new);
        m.put("demo", DemoCommand::new);
        m.put("preflight", PreflightCommand::new);
        m.put("help", CommandLine.HelpCommand::new);
        return java.util.Collections.unmodifiableMap(m);
    }

    /** Exit status for a failed operation. */
    static final int FAILED = 1;
    /** Exit status for bad arguments. */
    static final int USAGE = 2;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing command (demo, bundle, sample-bundle, tftp-server, fetch, controller, ap, preflight)");
    }

    /**
     * Runs the tool.
     *
     * @param args the command line
     */
    public static void main(String[] args) {
        int status = run(args);
        // Stop the transports' threads first: the JVM's exit waits for every thread still in a
        // system call (an event loop in epoll_wait) for up to 300 ms.
        dev.apimage.transfer.Transports.reload();
        System.exit(status);
    }

    /**
     * Runs the tool without exiting, for tests and embedding.
     *
     * @param args the command line
     * @return the exit status
     */
    public static int run(String... args) {
        return run(new java.io.PrintWriter(System.out, true), new java.io.PrintWriter(System.err, true), args);
    }

    /**
     * Runs the tool with its output and error streams redirected.
     *
     * @param out standard output
     * @param err standard error
     * @param args the command line
     * @return the exit status
     */
    public static int run(java.io.PrintWriter out, java.io.PrintWriter err, String... args) {
        CommandLine cli = new CommandLine(new ApImageCli());
        String named = args.length > 0 && !"help".equals(args[0]) && COMMANDS.containsKey(args[0]) ? args[0] : null;
        COMMANDS.forEach((name, command) -> {
            if (named == null || named.equals(name)) {
                cli.addSubcommand(name, command.get());
            }
        });
        cli.setOut(out);
        cli.setErr(err);
        cli.setParameterExceptionHandler((ex, a) -> {
            CommandLine c = ex.getCommandLine();
            c.getErr().println(c.getCommandSpec().qualifiedName() + ": " + ex.getMessage()
                    + " (see '" + c.getCommandSpec().qualifiedName() + " --help')");
            return USAGE;
        });
        cli.setExecutionExceptionHandler((ex, c, parsed) -> {
            String m = ex.getMessage() == null ? ex.getClass().getSimpleName() : ex.getMessage();
            c.getErr().println(c.getCommandSpec().qualifiedName() + ": " + m);
            return FAILED;
        });
        return cli.execute(args);
    }

    /** Reports the version from the jar's manifest. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = ApImageCli.class.getPackage().getImplementationVersion();
            return new String[] {"apimage " + (v == null ? "(development build)" : v)};
        }
    }
}

package dev.apimage.examples;

import dev.apimage.tftp.TftpServer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code apimage tftp-server}: serves a directory until interrupted. */
@Command(name = "tftp-server", mixinStandardHelpOptions = true,
        description = {"Serves a directory over TFTP until interrupted.",
                "Root-jailed like in.tftpd --secure and read-only unless writes are enabled;",
                "logs each request like tftpd-hpa. SIGINT or SIGTERM ends transfers and exits with 0."})
final class TftpServerCommand implements Callable<Integer> {

    @Option(names = "--root", required = true, paramLabel = "DIR", description = "the directory to serve")
    Path root;

    @Option(names = "--address", defaultValue = "127.0.0.1", paramLabel = "ADDR",
            description = "address to bind (default ${DEFAULT-VALUE})")
    String address;

    @Option(names = "--port", defaultValue = "69", paramLabel = "PORT", description = "UDP port (default ${DEFAULT-VALUE}; 0 = any free port)")
    int port;

    @Option(names = "--max-blksize", defaultValue = "65464", paramLabel = "N", description = "largest blksize granted (default ${DEFAULT-VALUE})")
    int maxBlksize;

    @Option(names = "--max-windowsize", defaultValue = "64", paramLabel = "N", description = "largest windowsize granted (default ${DEFAULT-VALUE})")
    int maxWindowsize;

    @Option(names = "--allow-write", description = "accept uploads (WRQ) that overwrite existing files")
    boolean allowWrite;

    @Option(names = "--allow-create", description = "accept uploads (WRQ) of new files too")
    boolean allowCreate;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (!Files.isDirectory(root)) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--root " + root + " is not a directory");
        }
        TftpServer.Builder b;
        try {
            b = TftpServer.builder().root(root).address(InetAddress.getByName(address)).port(port)
                    .maxBlockSize(maxBlksize).maxWindowSize(maxWindowsize).allowWrite(allowWrite).allowCreate(allowCreate);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        CountDownLatch stop = new CountDownLatch(1);
        Signals.onTermination(stop::countDown);
        try (TftpServer server = b.build()) {
            InetSocketAddress bound = server.start();
            spec.commandLine().getOut().printf("Serving %s over TFTP on %s:%d (%s); Ctrl-C to stop%n", root.toAbsolutePath(),
                    bound.getAddress().getHostAddress(), bound.getPort(),
                    allowCreate ? "read-write, create" : allowWrite ? "read-write" : "read-only");
            spec.commandLine().getOut().flush();
            stop.await();
        }
        return 0;
    }
}

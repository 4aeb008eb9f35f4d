package dev.apimage.examples;

import dev.apimage.sftp.SftpOptions;
import dev.apimage.staging.CommittedImage;
import dev.apimage.staging.ExpectedImage;
import dev.apimage.staging.StagedImage;
import dev.apimage.staging.StagingArea;
import dev.apimage.tftp.TftpOptions;
import dev.apimage.transfer.FailureReason;
import dev.apimage.transfer.Secret;
import dev.apimage.transfer.TransferException;
import dev.apimage.transfer.TransferOptions;
import dev.apimage.transfer.TransferResult;
import dev.apimage.transfer.TransferSession;
import dev.apimage.transfer.Transports;
import java.io.PrintWriter;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine;

/** {@code apimage fetch URI -o FILE}: one download through the transport SPI. */
@Command(name = "fetch", mixinStandardHelpOptions = true,
        description = {"Downloads one image from an image server (tftp://, sftp://, file://).",
                "Prints size, time, throughput and SHA-256. On failure: one line in the controller's",
                "wording, exit status 1, and no file at the output path."})
final class FetchCommand implements Callable<Integer> {

    @Parameters(paramLabel = "URI", description = "for example tftp://127.0.0.1:6969/EWC/17_9_4a/ap1g8")
    String uri;

    @Option(names = {"-o", "--output"}, required = true, paramLabel = "FILE", description = "where to store the image")
    Path output;

    @Option(names = "--blksize", paramLabel = "N", description = "TFTP blksize to ask for (default 1468)")
    Integer blksize;

    @Option(names = "--windowsize", paramLabel = "N", description = "TFTP windowsize to ask for (default 16)")
    Integer windowsize;

    @Option(names = "--timeout", paramLabel = "S", description = "seconds without an answer or progress before giving up (default 30)")
    Integer timeout;

    @Option(names = "--password-env", paramLabel = "VAR",
            description = "SFTP: read the password from this environment variable (never from the command line)")
    String passwordEnv;

    @Option(names = "--identity", paramLabel = "KEYFILE", description = "SFTP: private key file")
    Path identity;

    @Option(names = "--passphrase-env", paramLabel = "VAR", description = "SFTP: read the key's passphrase from this environment variable")
    String passphraseEnv;

    @CommandLine.Mixin
    HostKeyOptions hostKeys;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        URI target = parseUri();
        // The staged image computes the digests on its way to disk; no need to do it twice.
        TransferOptions.Builder o = TransferOptions.builder().set(TransferOptions.COMPUTE_DIGESTS, false);
        if (blksize != null) {
            o.set(TftpOptions.BLOCK_SIZE, blksize);
        }
        if (windowsize != null) {
            o.set(TftpOptions.WINDOW_SIZE, windowsize);
        }
        if (timeout != null) {
            if (timeout < 1) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--timeout must be at least 1 second");
            }
            o.set(TransferOptions.CONNECT_TIMEOUT, Duration.ofSeconds(timeout)).set(TransferOptions.IDLE_TIMEOUT, Duration.ofSeconds(timeout));
        }
        if (passwordEnv != null && identity != null) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--password-env and --identity exclude each other");
        }
        if (passwordEnv != null) {
            o.set(TransferOptions.PASSWORD, Secret.of(env(passwordEnv, "--password-env")));
        }
        if (identity != null) {
            if (!Files.isReadable(identity)) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--identity " + identity + " is not a readable file");
            }
            o.set(TransferOptions.IDENTITY_FILE, identity);
        }
        if (passphraseEnv != null) {
            o.set(SftpOptions.PASSPHRASE, Secret.of(env(passphraseEnv, "--passphrase-env")));
        }
        hostKeys.applyTo(o);
        Path out = output.toAbsolutePath();
        if (Files.isDirectory(out)) {
            throw new CommandLine.ParameterException(spec.commandLine(), "-o " + output + " is a directory; name a file");
        }
        PrintWriter stdout = spec.commandLine().getOut();
        PrintWriter stderr = spec.commandLine().getErr();
        StagingArea area = StagingArea.open(out.getParent());
        TransferSession session;
        try {
            session = Transports.open(target, o.build());
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        } catch (TransferException e) {
            stderr.println(e.getMessage());
            return ApImageCli.FAILED;
        }
        ProgressBar bar = System.console() != null ? new ProgressBarBuilder().setTaskName(out.getFileName().toString())
                .setStyle(ProgressBarStyle.ASCII).setUnit(" MB", 1_000_000).setInitialMax(-1).build() : null;
        try (session; StagedImage staged = area.begin(out.getFileName().toString(), -1)) {
            if (bar != null) {
                session.addListener(p -> {
                    p.totalBytes().ifPresent(bar::maxHint);
                    bar.stepTo(p.bytes());
                });
            }
            TransferResult r;
            try {
                r = session.start(staged).get();
            } catch (ExecutionException e) {
                if (bar != null) {
                    bar.close();
                }
                stderr.println(e.getCause() instanceof TransferException te ? te.getMessage()
                        : new TransferException(FailureReason.IO_ERROR, session.redactedUri(), String.valueOf(e.getCause()), e.getCause())
                                .getMessage());
                return ApImageCli.FAILED;
            }
            CommittedImage c = staged.commit(ExpectedImage.ofSize(r.bytes()));
            if (bar != null) {
                bar.stepTo(r.bytes());
                bar.close();
            }
            stdout.printf("Downloaded %s%n", session.redactedUri());
            stdout.printf("Saved to   : %s%n", c.file());
            stdout.printf("Size       : %,d bytes%n", c.size());
            stdout.printf("Time       : %.3f s%n", r.elapsed().toNanos() / 1e9);
            stdout.printf("Throughput : %.1f MB/s%n", r.bytesPerSecond() / 1e6);
            stdout.printf("SHA-256    : %s%n", c.digests().sha256());
            stdout.flush();
            return 0;
        }
    }

    private String env(String name, String option) {
        String v = System.getenv(name);
        if (v == null || v.isEmpty()) {
            throw new CommandLine.ParameterException(spec.commandLine(), option + ": environment variable " + name + " is not set");
        }
        return v;
    }

    private URI parseUri() {
        try {
            URI u = new URI(uri);
            if (u.getScheme() == null) {
                throw new CommandLine.ParameterException(spec.commandLine(), "'" + uri + "' is not a URI (tftp://HOST[:PORT]/PATH)");
            }
            return u;
        } catch (URISyntaxException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), "'" + uri + "' is not a URI: " + e.getReason());
        }
    }
}

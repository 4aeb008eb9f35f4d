package dev.apimage.examples;

import dev.apimage.cache.ImageCache;
import dev.apimage.capwap.ApStreamStatus;
import dev.apimage.capwap.CapwapImageStreamer;
import dev.apimage.capwap.ImageSource;
import dev.apimage.profile.ImageDownloadProfile;
import dev.apimage.profile.ProfileParseException;
import dev.apimage.staging.StagingArea;
import dev.apimage.transfer.TransferOptions;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code apimage controller}: the controller's CAPWAP image streamer alone, for lab use. */
@Command(name = "controller", mixinStandardHelpOptions = true,
        description = {"Answers CAPWAP Image Data Requests from any AP until interrupted.",
                "Images come from the server of an image download profile written in the controller's CLI form,",
                "each type fetched once and shared by every AP. One status line per AP and change."})
final class ControllerCommand implements Callable<Integer> {

    @Option(names = "--profile", required = true, paramLabel = "FILE", description = "image download profile, controller CLI form")
    Path profileFile;

    @Option(names = "--address", defaultValue = "127.0.0.1", paramLabel = "ADDR", description = "address to bind (default ${DEFAULT-VALUE})")
    String address;

    @Option(names = "--capwap-port", defaultValue = "5246", paramLabel = "PORT",
            description = "CAPWAP control port (default ${DEFAULT-VALUE}; 0 = any free port)")
    int port;

    @Option(names = "--block-size", defaultValue = "1024", paramLabel = "N",
            description = "data bytes per Image Data element (default ${DEFAULT-VALUE}, the most RFC 5415 allows)")
    int blockSize;

    @Option(names = "--allow-non-rfc-block-size", description = "allow --block-size beyond 1024 (some vendors' controllers send 1377)")
    boolean nonRfc;

    @Option(names = "--max-sessions", defaultValue = "1000", paramLabel = "N",
            description = "most AP sessions held at once; requests beyond it are refused (default ${DEFAULT-VALUE})")
    int maxSessions;

    @Option(names = "--max-sessions-per-address", defaultValue = "16", paramLabel = "N",
            description = "most AP sessions from one IP address (default ${DEFAULT-VALUE}; raise it for simulated APs sharing one address)")
    int maxSessionsPerAddress;

    @Option(names = "--cache", paramLabel = "DIR", description = "where fetched images are kept (default: a new temporary directory)")
    Path cacheDir;

    @CommandLine.Mixin
    HostKeyOptions hostKeys;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        ImageDownloadProfile profile = readProfile(spec, profileFile);
        if (!profile.mode().usesImageServer()) {
            throw new CommandLine.ParameterException(spec.commandLine(), "profile " + profile.name() + " uses image-download-mode "
                    + profile.mode().keyword() + ", which fetches from no image server; the controller streams tftp or sftp images");
        }
        TransferOptions.Builder o = profile.transferOptions();
        hostKeys.applyTo(o);
        Path cache = cacheDir != null ? cacheDir : Files.createTempDirectory("apimage-controller-cache");
        PrintWriter out = spec.commandLine().getOut();
        CountDownLatch stop = new CountDownLatch(1);
        Signals.onTermination(stop::countDown);
        if (maxSessions < 1 || maxSessionsPerAddress < 1) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--max-sessions and --max-sessions-per-address must be at least 1");
        }
        CapwapImageStreamer.Builder b;
        try (ImageCache images = new ImageCache(StagingArea.open(cache), o.build())) {
            b = CapwapImageStreamer.builder().address(new InetSocketAddress(address, port))
                    .images(ImageSource.fromProfile(profile, images)).blockSize(blockSize).allowNonRfcBlockSize(nonRfc)
                    .maxSessions(maxSessions).maxSessionsPerAddress(maxSessionsPerAddress)
                    .listener(new CapwapImageStreamer.Listener() {
                        @Override
                        public void onStatus(ApStreamStatus s) {
                            out.println(statusLine(s));
                            out.flush();
                        }
                    });
            CapwapImageStreamer streamer;
            try {
                streamer = b.start();
            } catch (IllegalArgumentException e) {
                throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
            }
            try (streamer) {
                InetSocketAddress bound = streamer.localAddress();
                out.printf("Controller listening for CAPWAP on %s:%d, images from %s, %d-byte blocks; Ctrl-C to stop%n",
                        bound.getAddress().getHostAddress(), bound.getPort(), profile.redactedImageUri(dev.apimage.image.ImageType.AP1G8)
                                .replaceAll("/ap1g8$", "/<image type>"), blockSize);
                out.flush();
                stop.await();
            }
        }
        return 0;
    }

    static String statusLine(ApStreamStatus s) {
        String ap = s.ap().getAddress().getHostAddress() + ":" + s.ap().getPort();
        return String.format("AP %-21s %-8s %-9s %3d%% %,d/%s bytes%s", ap, s.imageType(), s.phase(), s.percent(), s.bytesAcknowledged(),
                s.size() < 0 ? "?" : String.format("%,d", s.size()), s.failure().map(f -> "  " + f).orElse(""));
    }

    static ImageDownloadProfile readProfile(CommandLine.Model.CommandSpec spec, Path file) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), "cannot read --profile " + file + ": " + e.getMessage());
        }
        try {
            return ImageDownloadProfile.parseCli(text);
        } catch (ProfileParseException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--profile " + file + ": " + e.getMessage());
        }
    }
}

package dev.apimage.examples;

import dev.apimage.cache.ImageCache;
import dev.apimage.capwap.ApImageSettings;
import dev.apimage.capwap.ApStreamStatus;
import dev.apimage.capwap.CapwapController;
import dev.apimage.capwap.CapwapImageStreamer;
import dev.apimage.capwap.ImageSource;
import dev.apimage.capwap.JoinPolicy;
import dev.apimage.capwap.RegisteredAp;
import dev.apimage.image.ImageBundle;
import dev.apimage.image.ImageType;
import dev.apimage.image.ImageVersion;
import dev.apimage.profile.ImageDownloadProfile;
import dev.apimage.profile.ProfileParseException;
import dev.apimage.staging.StagingArea;
import dev.apimage.transfer.TransferOptions;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine;

/** {@code apimage controller}: a CAPWAP controller that learns its APs from their joins and gives them its image. */
@Command(name = "controller", mixinStandardHelpOptions = true,
        description = {"A CAPWAP controller over DTLS (pre-shared keys or certificates; --no-dtls for the plain-UDP lab mode):",
                "answers Discovery, admits Joins, keeps a registry",
                "of the APs (model, serial, MAC, versions) and names its image in the Join Response; APs that lack it",
                "download it, each image type fetched once from the profile's server. With --predownload the APs run on",
                "their own version and get the image as their backup (Save & Download); --activate-after-download then",
                "resets each into it. Lines on stdin: 'show' prints the registry, 'predownload' and 'activate' order all APs;",
                "SIGUSR1 prints the registry too. Runs until SIGINT/SIGTERM."})
final class ControllerCommand implements Callable<Integer> {

    @Option(names = "--profile", required = true, paramLabel = "FILE", description = "image download profile, controller CLI form")
    Path profileFile;

    @Option(names = "--address", defaultValue = "127.0.0.1", paramLabel = "ADDR", description = "address to bind (default ${DEFAULT-VALUE})")
    String address;

    @Option(names = "--capwap-port", defaultValue = "5246", paramLabel = "PORT",
            description = "CAPWAP control port (default ${DEFAULT-VALUE}; 0 = any free port)")
    int port;

    @Option(names = "--ac-name", defaultValue = "apimage", paramLabel = "NAME", description = "the AC Name (default ${DEFAULT-VALUE})")
    String acName;

    @Option(names = "--max-aps", defaultValue = "1000", paramLabel = "N", description = "most APs joined at once (default ${DEFAULT-VALUE})")
    int maxAps;

    @Option(names = "--allow", paramLabel = "FILE", description = "allow-list: one serial number, base MAC or AP name per line")
    Path allowFile;

    @CommandLine.Mixin
    DtlsOptions dtls;

    @Option(names = "--target-version", paramLabel = "V",
            description = "the version the APs must run (default: the bundle's version.info on the profile's server)")
    String targetVersion;

    @Option(names = "--predownload", description = "Save & Download: APs join on their own version and get the image as their backup")
    boolean predownload;

    @Option(names = "--activate-after-download", description = "reset each AP into the image once its predownload completed")
    boolean activateAfterDownload;

    @Option(names = "--block-size", defaultValue = "1024", paramLabel = "N",
            description = "data bytes per Image Data element (default ${DEFAULT-VALUE}, the most RFC 5415 allows)")
    int blockSize;

    @Option(names = "--allow-non-rfc-block-size", description = "allow --block-size beyond 1024 (some vendors' controllers send 1377)")
    boolean nonRfc;

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
        JoinPolicy policy;
        try {
            policy = new JoinPolicy(maxAps, allowFile == null ? Set.of() : Set.copyOf(Files.readAllLines(allowFile, StandardCharsets.UTF_8)));
        } catch (IllegalArgumentException | IOException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        java.util.Optional<dev.apimage.capwap.DtlsSettings> security = dtls.controller(spec, policy.allowed());
        TransferOptions.Builder o = profile.transferOptions();
        hostKeys.applyTo(o);
        Path cache = cacheDir != null ? cacheDir : Files.createTempDirectory("apimage-controller-cache");
        PrintWriter out = spec.commandLine().getOut();
        CountDownLatch stop = new CountDownLatch(1);
        Signals.onTermination(stop::countDown);
        try (ImageCache images = new ImageCache(StagingArea.open(cache), o.build())) {
            ImageVersion target = targetVersion != null ? parse(targetVersion) : bundleVersion(profile, images);
            CapwapController[] self = new CapwapController[1];
            CapwapController.Builder b = CapwapController.builder().address(new InetSocketAddress(address, port))
                    .images(ImageSource.fromProfile(profile, images)).acName(acName).joinPolicy(policy)
                    .image(ApImageSettings.VENDOR_AIRESPACE, target).imageAtJoin(!predownload)
                    .streaming(s -> s.blockSize(blockSize).allowNonRfcBlockSize(nonRfc).listener(new CapwapImageStreamer.Listener() {
                        @Override
                        public void onStatus(ApStreamStatus st) {
                            out.println(statusLine(st));
                            out.flush();
                        }
                    }))
                    .listener(new CapwapController.Listener() {
                        @Override
                        public void onJoined(RegisteredAp ap) {
                            out.println("AP joined: " + ap.describe());
                            out.flush();
                            if (predownload) {
                                self[0].predownload(a -> a.address().equals(ap.address()));
                            }
                        }

                        @Override
                        public void onRemoved(RegisteredAp ap, String why) {
                            out.println("AP left: " + ap.describe() + ": " + why);
                            out.flush();
                        }

                        @Override
                        public void onSecurityFailure(InetSocketAddress peer, String why) {
                            out.println("DTLS handshake from " + peer.getAddress().getHostAddress() + ":" + peer.getPort() + " failed: " + why);
                            out.flush();
                        }

                        @Override
                        public void onPredownloaded(RegisteredAp ap) {
                            out.println("AP predownloaded: " + ap.describe());
                            out.flush();
                            if (activateAfterDownload) {
                                self[0].activate(a -> a.address().equals(ap.address()));
                            }
                        }
                    });
            if (security.isPresent()) {
                b.dtls(security.get());
            } else {
                b.plainUdpLab();
            }
            CapwapController controller;
            try {
                controller = b.start();
            } catch (IllegalArgumentException e) {
                throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
            } catch (IOException e) {
                throw new CommandLine.ParameterException(spec.commandLine(), "DTLS: " + e.getMessage());
            }
            self[0] = controller;
            try (controller) {
                InetSocketAddress bound = controller.localAddress();
                out.printf("Controller listening for CAPWAP on %s:%d (%s), AC Name %s, image %s from %s; Ctrl-C to stop%n",
                        bound.getAddress().getHostAddress(), bound.getPort(), DtlsOptions.describe(security), acName, target,
                        profile.redactedImageUri(ImageType.AP1G8).replaceAll("/ap1g8$", "/<image type>"));
                out.flush();
                Signals.on("USR1", () -> printRegistry(out, controller));
                Thread commands = new Thread(() -> {
                    try (BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
                        for (String line = in.readLine(); line != null; line = in.readLine()) {
                            switch (line.strip()) {
                                case "show" -> printRegistry(out, controller);
                                case "predownload" -> out.println("predownload ordered to " + controller.predownload(a -> true) + " AP(s)");
                                case "activate" -> out.println("reset ordered to " + controller.activate(a -> true) + " AP(s)");
                                case "" -> { }
                                default -> out.println("commands: show, predownload, activate");
                            }
                            out.flush();
                        }
                    } catch (IOException e) {
                        // stdin closed: the commands end, the controller runs on
                    }
                }, "apimage-controller-commands");
                commands.setDaemon(true);
                commands.start();
                stop.await();
            }
        }
        return 0;
    }

    private ImageVersion parse(String v) {
        try {
            return ImageVersion.parse(v);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--target-version: " + e.getMessage());
        }
    }

    /** The AP image version of the bundle on the profile's server: its version.info, fetched through the cache. */
    private ImageVersion bundleVersion(ImageDownloadProfile profile, ImageCache images) throws Exception {
        var uri = PreflightCommand.sibling(profile.imageUri(ImageType.AP1G8), ImageBundle.VERSION_INFO);
        ImageCache.CachedImage info;
        try {
            info = images.fetch(ImageBundle.VERSION_INFO, uri, null).get(60, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), "cannot read the bundle's version (give --target-version): "
                    + e.getCause().getMessage());
        }
        try {
            Matcher m = Pattern.compile("\\d+(\\.\\d+)+").matcher(Files.readString(info.image().file(), StandardCharsets.UTF_8));
            if (!m.find()) {
                throw new CommandLine.ParameterException(spec.commandLine(), "version.info holds no version: give --target-version");
            }
            return ImageVersion.parse(m.group());
        } finally {
            images.release(info);
        }
    }

    private static void printRegistry(PrintWriter out, CapwapController controller) {
        var all = controller.registry();
        out.println("AP registry: " + all.size() + " joined");
        for (RegisteredAp ap : all) {
            out.println("  " + ap.describe());
        }
        out.println("show ap image (as the APs reported it):");
        out.print(dev.apimage.upgrade.ShowApImage.render(controller.apImages(), java.time.ZoneId.systemDefault()));
        out.flush();
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

package dev.apimage.examples;

import dev.apimage.capwap.ApImageOutcome;
import dev.apimage.capwap.ApImageSettings;
import dev.apimage.image.ImageType;
import dev.apimage.image.ImageVersion;
import dev.apimage.profile.ImageServer;
import dev.apimage.simulator.SimulatedAp;
import dev.apimage.staging.StagingArea;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine;

/** {@code apimage ap}: one simulated AP downloading its image over CAPWAP. */
@Command(name = "ap", mixinStandardHelpOptions = true,
        description = {"One simulated AP: requests its image type from a CAPWAP controller (RFC 5415 image data),",
                "stores it in a staging directory and verifies its size and MD5. Prints the AP's log lines.",
                "Exit 0 only when the image is stored and verified (or the versions already match)."})
final class ApCommand implements Callable<Integer> {

    @Option(names = "--controller", required = true, paramLabel = "HOST:PORT", description = "the controller's CAPWAP control address")
    String controller;

    @Option(names = "--image-type", required = true, paramLabel = "TYPE", description = "the image type to request, for example ap1g8")
    String imageType;

    @Option(names = "--version", required = true, paramLabel = "V", description = "the version the AP runs, for example 17.3.3.26")
    String version;

    @Option(names = "--controller-version", paramLabel = "V", description = "the controller's version; equal to --version: nothing to download")
    String controllerVersion;

    @Option(names = "--staging", required = true, paramLabel = "DIR", description = "where the AP stores the image")
    Path staging;

    @Option(names = "--space", paramLabel = "BYTES", description = "the staging area's capacity (default: the file system's free space)")
    Long space;

    @Option(names = "--name", defaultValue = "AP0001", paramLabel = "NAME", description = "the AP's name in logs (default ${DEFAULT-VALUE})")
    String name;

    @Option(names = "--timeout", defaultValue = "600", paramLabel = "S", description = "give up after this many seconds (default ${DEFAULT-VALUE})")
    long timeout;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        InetSocketAddress address = hostPort(controller);
        ApImageSettings settings;
        try {
            settings = ApImageSettings.of(name, ImageType.of(imageType), ImageVersion.parse(version));
            if (controllerVersion != null) {
                settings = settings.withControllerVersion(ImageVersion.parse(controllerVersion));
            }
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        StagingArea area = space == null ? StagingArea.open(staging) : StagingArea.open(staging, space);
        try (SimulatedAp ap = SimulatedAp.start(settings, area, address, null, null, null)) {
            ApImageOutcome o = ap.outcome().get(timeout, TimeUnit.SECONDS);
            var out = spec.commandLine().getOut();
            switch (o.state()) {
                case COMPLETE -> out.printf("%s: image %s stored and verified in %s (%,d bytes, %,d msgs)%n", name, imageType,
                        o.image().orElseThrow().file(), o.bytes(), o.messages());
                case UP_TO_DATE -> out.printf("%s: already runs %s, nothing downloaded%n", name, version);
                default -> {
                    spec.commandLine().getErr().printf("%s: download failed: %s%n", name, o.reason().orElse("unknown"));
                    return ApImageCli.FAILED;
                }
            }
            return 0;
        } catch (java.util.concurrent.TimeoutException e) {
            spec.commandLine().getErr().printf("%s: no result within %d s%n", name, timeout);
            return ApImageCli.FAILED;
        }
    }

    private InetSocketAddress hostPort(String text) {
        ImageServer parsed;
        try {
            parsed = ImageServer.parse(text); // host, IPv4, or [IPv6], with the port after a colon
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--controller must be HOST:PORT: " + e.getMessage());
        }
        if (parsed.port().isEmpty()) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--controller must be HOST:PORT, not '" + text + "'");
        }
        return new InetSocketAddress(parsed.host(), parsed.port().getAsInt());
    }

}

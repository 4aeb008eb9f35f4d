package dev.apimage.examples;

import dev.apimage.capwap.ApImageOutcome;
import dev.apimage.capwap.CapwapImageStateMachine;
import dev.apimage.capwap.CapwapWtpStateMachine;
import dev.apimage.capwap.DtlsSettings;
import dev.apimage.capwap.WtpSettings;
import dev.apimage.capwap.wire.Octets;
import dev.apimage.image.ApModelCatalog;
import dev.apimage.image.ImageType;
import dev.apimage.image.ImageVersion;
import dev.apimage.profile.ImageServer;
import dev.apimage.simulator.SimulatedWtp;
import dev.apimage.staging.StagingArea;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine;

/** {@code apimage ap}: one simulated AP that discovers and joins a controller and gets the image it names. */
@Command(name = "ap", mixinStandardHelpOptions = true,
        description = {"One simulated AP (WTP): discovers and joins a CAPWAP controller, downloads the image the Join",
                "Response names (or the controller's predownload order), resets into it and joins again.",
                "Prints the AP's log lines. Exit 0 when it holds the controller's image (running, or as its backup",
                "after a predownload); 1 when a download failed or nothing happened in --timeout; 2 for bad arguments."})
final class ApCommand implements Callable<Integer> {

    @Option(names = "--controller", required = true, paramLabel = "HOST:PORT", description = "the controller's CAPWAP control address")
    String controller;

    @Option(names = "--model", defaultValue = "C9105AXI-B", paramLabel = "MODEL",
            description = "the model number in WTP Board Data (default ${DEFAULT-VALUE}); it decides the image type")
    String model;

    @Option(names = "--version", required = true, paramLabel = "V", description = "the version the AP runs, for example 17.3.3.26")
    String version;

    @Option(names = "--backup-version", paramLabel = "V", description = "the version in the AP's other partition")
    String backupVersion;

    @Option(names = "--image-type", paramLabel = "TYPE", description = "override: the image type to request (default: from the model)")
    String imageType;

    @Option(names = "--controller-version", paramLabel = "V",
            description = "override: the version to run when the Join Response names none")
    String controllerVersion;

    @Option(names = "--name", defaultValue = "AP0001", paramLabel = "NAME", description = "the WTP Name (default ${DEFAULT-VALUE})")
    String name;

    @Option(names = "--serial", paramLabel = "S", description = "the serial number (default: made from the name)")
    String serial;

    @Option(names = "--mac", paramLabel = "MAC", description = "the base MAC address, for example 6c:41:0e:16:e7:9c")
    String mac;

    @Option(names = "--staging", required = true, paramLabel = "DIR", description = "where the AP stores images")
    Path staging;

    @Option(names = "--space", paramLabel = "BYTES", description = "the staging area's capacity (default: the file system's free space)")
    Long space;

    @CommandLine.Mixin
    DtlsOptions dtls;

    @Option(names = "--timeout", defaultValue = "600", paramLabel = "S", description = "give up after this many seconds (default ${DEFAULT-VALUE})")
    long timeout;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        Optional<DtlsSettings> security = dtls.ap(spec, name);
        InetSocketAddress address = hostPort(controller);
        WtpSettings settings;
        try {
            ImageType type = imageType != null ? ImageType.of(imageType) : ApModelCatalog.defaults().imageTypeOf(model).orElseThrow(
                    () -> new IllegalArgumentException("model " + model + " is not in the AP model catalog: give --image-type"));
            settings = WtpSettings.of(name, model, type, ImageVersion.parse(version));
            if (backupVersion != null) {
                settings = settings.withBackupVersion(ImageVersion.parse(backupVersion));
            }
            if (controllerVersion != null) {
                settings = settings.withControllerVersion(ImageVersion.parse(controllerVersion));
            }
            if (serial != null || mac != null) {
                settings = settings.withIdentity(serial != null ? serial : settings.serial(), mac != null ? Octets.hex(mac) : settings.baseMac());
            }
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        StagingArea area = space == null ? StagingArea.open(staging) : StagingArea.open(staging, space);
        var out = spec.commandLine().getOut();
        var err = spec.commandLine().getErr();
        CompletableFuture<String> done = new CompletableFuture<>();
        ImageType type = settings.imageType();
        CapwapWtpStateMachine.Listener listener = new CapwapWtpStateMachine.Listener() {
            @Override
            public void onRun(ImageVersion running, Optional<ImageVersion> backup, Optional<ImageVersion> controllerImage) {
                if (controllerImage.isEmpty()) {
                    done.complete(name + ": runs " + running + "; the controller names no image");
                } else if (controllerImage.get().equals(running)) {
                    done.complete(name + ": image " + type + " stored and verified, running " + running);
                } else if (backup.map(controllerImage.get()::equals).orElse(false)) {
                    done.complete(name + ": image " + type + " stored and verified, " + controllerImage.get() + " kept as the backup");
                }
            }

            @Override
            public void onDownload(ApImageOutcome outcome) {
                if (outcome.state() != CapwapImageStateMachine.State.COMPLETE) {
                    done.completeExceptionally(new IllegalStateException(name + ": download failed: " + outcome.reason().orElse("unknown")));
                }
            }
        };
        SimulatedWtp started;
        try {
            started = SimulatedWtp.start(settings, area, address, listener, null, null, security.orElse(null));
        } catch (java.io.IOException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), "cannot start the AP: " + e.getMessage());
        }
        try (SimulatedWtp ap = started) {
            out.println(done.get(timeout, TimeUnit.SECONDS));
            return 0;
        } catch (java.util.concurrent.ExecutionException e) {
            err.println(e.getCause().getMessage());
            return ApImageCli.FAILED;
        } catch (java.util.concurrent.TimeoutException e) {
            err.printf("%s: no result within %d s%n", name, timeout);
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

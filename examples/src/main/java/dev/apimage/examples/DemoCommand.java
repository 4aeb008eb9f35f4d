package dev.apimage.examples;

import dev.apimage.cache.ImageCache;
import dev.apimage.capwap.ApImageSettings;
import dev.apimage.capwap.CapwapController;
import dev.apimage.capwap.CapwapWtpStateMachine;
import dev.apimage.capwap.DtlsSettings;
import dev.apimage.capwap.ImageSource;
import dev.apimage.capwap.JoinPolicy;
import dev.apimage.capwap.PskKeys;
import dev.apimage.capwap.RegisteredAp;
import dev.apimage.capwap.WtpSettings;
import dev.apimage.image.ApModelCatalog;
import dev.apimage.image.ImageBundle;
import dev.apimage.image.ImageType;
import dev.apimage.image.ImageVersion;
import dev.apimage.profile.DownloadMode;
import dev.apimage.profile.ImageDownloadProfile;
import dev.apimage.profile.ImageServer;
import dev.apimage.sftp.SftpOptions;
import dev.apimage.simulator.CapwapCapture;
import dev.apimage.simulator.LabPki;
import dev.apimage.simulator.SampleBundle;
import dev.apimage.simulator.SimulatedAp;
import dev.apimage.simulator.SimulatedWtp;
import dev.apimage.staging.StagingArea;
import dev.apimage.tftp.TftpServer;
import dev.apimage.transfer.Secret;
import dev.apimage.transfer.TransferOptions;
import dev.apimage.upgrade.ApImageRow;
import dev.apimage.upgrade.JoinedAp;
import dev.apimage.upgrade.NetworkUpgrade;
import dev.apimage.upgrade.PlanAction;
import dev.apimage.upgrade.PlannedAp;
import dev.apimage.upgrade.PredownloadStatus;
import dev.apimage.upgrade.ShowApImage;
import dev.apimage.upgrade.UpgradePlan;
import dev.apimage.upgrade.UpgradeSettings;
import dev.apimage.upgrade.UpgradeSnapshot;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine;

/**
 * {@code apimage demo}: the field's upgrade of a non-homogeneous network, end to end on loopback.
 * A bundle, a TFTP and an SFTP image server, the controller (CAPWAP over plain UDP) and simulated
 * APs that discover and join it, from whose Join Requests the controller learns the network;
 * Save &amp; Download over TFTP, over SFTP, and once with a wrong image path.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {"Runs the upgrade of a simulated non-homogeneous network on 127.0.0.1:",
                "a generated bundle served by an embedded TFTP and an embedded SFTP server, the CAPWAP controller",
                "(plain UDP lab mode), and simulated APs of mixed models that discover and join it over real UDP;",
                "the controller learns the non-homogeneous network from their Join Requests.",
                "Save & Download over TFTP, then over SFTP, then with a wrong image path to show the failure.",
                "Exit 0 only when every AP that needs the image gets it in the first two runs",
                "and the wrong path fails for the right reason."})
final class DemoCommand implements Callable<Integer> {

    /** Models of the simulated network: the field's EWC 9120 with 9105 and 3800 APs, and more. */
    private static final String[] MODELS = {"C9120AXI-E", "C9105AXI-E", "AIR-AP3802I-E-K9", "C9115AXI-E", "C9130AXI-E",
        "AIR-AP1852I-E-K9", "C9105AXWI-E", "AIR-AP2802I-E-K9", "C9120AXE-E", "C9124AXI-E", "C9117AXI-E", "XYZ-1000"};
    private static final DateTimeFormatter SYSLOG = DateTimeFormatter.ofPattern("MMM d HH:mm:ss.SSS", Locale.ROOT);

    @Option(names = "--aps", defaultValue = "12", paramLabel = "N", description = "simulated APs (default ${DEFAULT-VALUE}, mixed models)")
    int apCount;

    @Option(names = "--capwap-port", defaultValue = "5246", paramLabel = "PORT",
            description = "the controller's CAPWAP port on 127.0.0.1 (default ${DEFAULT-VALUE}; 0 = any free port)")
    int capwapPort;

    @Option(names = "--scale", defaultValue = "100", paramLabel = "N",
            description = "image sizes are the field's divided by N (default ${DEFAULT-VALUE})")
    long scale;

    @Option(names = "--full-size", description = "the field's full image sizes (70 MB for ap1g8)")
    boolean fullSize;

    @Option(names = "--verbose", description = "show every component's log lines (the SDK's SLF4J output)")
    boolean verbose;

    @Option(names = "--dtls", defaultValue = "psk", paramLabel = "MODE",
            description = {"the control channel: psk (default; a random pre-shared key per AP), cert (certificates from a",
                "throwaway lab CA the demo generates), or none (plain UDP, the lab mode)"})
    String dtlsMode;

    @Option(names = "--dtls-key-log", paramLabel = "FILE",
            description = "LAB ONLY: append the DTLS sessions' secrets to FILE (NSS key log) so Wireshark can decrypt --pcap")
    Path keyLog;

    @Option(names = "--pcap", paramLabel = "FILE",
            description = {"write the controller's CAPWAP datagrams of the first Save & Download (both directions) to FILE,",
                "a pcap for Wireshark or tshark: decode the controller's port as capwap"})
    Path pcap;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    private PrintWriter out;
    private Security security;
    private final List<String> controllerLog = new CopyOnWriteArrayList<>();

    @Override
    public Integer call() throws Exception {
        if (apCount < 1 || apCount > 500) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--aps must be 1..500");
        }
        if (scale < 1) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--scale must be at least 1");
        }
        if (!verbose && System.getProperty("org.slf4j.simpleLogger.defaultLogLevel") == null) {
            // The demo prints the controller's lines itself; the components' own logs only with --verbose.
            System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "off");
        }
        if (!List.of("psk", "cert", "none").contains(dtlsMode)) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--dtls must be psk, cert or none");
        }
        if (keyLog != null && dtlsMode.equals("none")) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--dtls-key-log needs --dtls psk or cert");
        }
        out = spec.commandLine().getOut();
        Path work = Files.createTempDirectory("apimage-demo");
        try {
            return run(work);
        } finally {
            try (Stream<Path> s = Files.walk(work)) {
                s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private int run(Path work) throws Exception {
        Path root = work.resolve("server");
        String imagePath = "/EWC/17_9_4a";
        Path bundleDir = SampleBundle.write(root.resolve(imagePath.substring(1)), fullSize ? 1 : scale, false);
        ImageBundle bundle = ImageBundle.open(bundleDir);
        ImageVersion target = bundle.apVersion().orElseThrow();
        out.printf("Bundle %s (%s) in %s%n", target, fullSize ? "field sizes" : "field sizes / " + scale, imagePath);

        char[] password = randomPassword();
        List<JoinedAp> aps = network();
        security = Security.of(dtlsMode, work.resolve("pki"), aps, keyLog);
        out.println("CAPWAP control channel: " + security.describe());
        ApModelCatalog catalog = ApModelCatalog.defaults();
        boolean ok = true;
        try (TftpServer tftp = TftpServer.builder().root(root).address(InetAddress.getLoopbackAddress()).port(0).build();
                EmbeddedSftpServer sftp = new EmbeddedSftpServer(root, work.resolve("sftp-host-key"), "calo", password)) {
            InetSocketAddress t = tftp.start();
            Path knownHosts = work.resolve("known_hosts");
            Files.writeString(knownHosts, sftp.knownHostsLine() + "\n");
            out.printf("TFTP image server on 127.0.0.1:%d, SFTP image server on 127.0.0.1:%d (host key pinned in a known_hosts file)%n",
                    t.getPort(), sftp.port());

            ImageDownloadProfile viaTftp = ImageDownloadProfile.builder().name("EWC_TFTP").mode(DownloadMode.TFTP)
                    .server(ImageServer.of("127.0.0.1", t.getPort())).imagePath(imagePath).build();
            ImageDownloadProfile viaSftp = ImageDownloadProfile.builder().name("EWC_SFTP").mode(DownloadMode.SFTP)
                    .server(ImageServer.of("127.0.0.1", sftp.port())).imagePath(imagePath).username("calo")
                    .password(Secret.of(password)).parallelMode(true).build();
            ImageDownloadProfile wrongPath = viaTftp.toBuilder().name("EWC_WRONG").imagePath("/Wrong-Path").build();

            UpgradePlan plan = UpgradePlan.of(viaTftp, ImageType.AP1G7, target, aps, catalog);
            out.printf("Network: EWC 9120 (controller image type %s, version %s) with %d APs, %s%n", plan.controllerImageType(),
                    target, aps.size(), plan.homogeneous() ? "homogeneous" : "non-homogeneous");
            for (PlanAction a : PlanAction.values()) {
                List<PlannedAp> with = plan.withAction(a);
                if (!with.isEmpty()) {
                    out.printf("  %-17s %2d: %s%n", a, with.size(), String.join(", ", with.stream().map(p -> p.ap().name()
                            + p.imageType().map(x -> " (" + x + ")").orElse("")).toList()));
                }
            }
            out.flush();

            Run tftpRun = upgrade(work, "1", viaTftp, aps, catalog, target, bundleDir, null);
            Run sftpRun = upgrade(work, "2", viaSftp, aps, catalog, target, bundleDir, knownHosts);
            UpgradeSnapshot wrongRun = upgrade(work, "3", wrongPath, aps, catalog, target, bundleDir, null).end();

            out.println();
            out.println("Controller log:");
            controllerLog.forEach(out::println);
            out.println();
            out.println("show ap image (after Save & Download over SFTP, as the APs reported it):");
            out.print(ShowApImage.render(sftpRun.predownloaded(), ZoneId.systemDefault()));
            out.println();
            out.println("show ap image (after activation: the APs reset and joined again on the new image):");
            out.print(ShowApImage.render(sftpRun.activated(), ZoneId.systemDefault()));
            out.println();
            out.println("show ap image (after Save & Download with the wrong image path):");
            out.print(ShowApImage.render(wrongRun, ZoneId.systemDefault()));
            out.println();

            long expected = plan.aps().stream().filter(p -> p.action() == PlanAction.FROM_IMAGE_SERVER
                    || p.action() == PlanAction.FROM_CONTROLLER).count();
            for (Run r : List.of(tftpRun, sftpRun)) {
                String via = r == tftpRun ? "TFTP" : "SFTP";
                ok &= verdict(via + ": every AP that needs the image has it as its backup image, as the APs report it",
                        r.end().outcome() == UpgradeSnapshot.Outcome.SUCCEEDED && r.predownloaded().stream()
                                .filter(row -> row.status() == PredownloadStatus.COMPLETE && row.backupImage().equals(Optional.of(target)))
                                .count() == expected);
                ok &= verdict(via + ": after activation every AP runs " + target + ", as it reports when it joins again",
                        r.activated().size() == aps.size() && r.activated().stream().filter(row -> row.imageType().isPresent()).allMatch(row -> row.primaryImage().equals(target)));
            }
            ok &= verdict("Wrong path: every AP failed with 'No such file or directory'", wrongRun.outcome() == UpgradeSnapshot.Outcome.FAILED
                    && wrongRun.failed() == expected && wrongRun.rows().stream().filter(r -> r.status() == PredownloadStatus.FAILED)
                            .allMatch(r -> r.failure().orElse("").endsWith(": No such file or directory")));
        }
        out.println(ok ? "Demo passed." : "Demo FAILED.");
        out.flush();
        return ok ? 0 : ApImageCli.FAILED;
    }

    private boolean verdict(String what, boolean passed) {
        out.printf("[%s] %s%n", passed ? "ok" : "FAILED", what);
        return passed;
    }

    /**
     * One Save &amp; Download.
     *
     * @param end the upgrade's end
     * @param predownloaded {@code show ap image} from the controller once the predownloads ended
     * @param activated the same once the APs that predownloaded reset and joined again
     */
    private record Run(UpgradeSnapshot end, List<ApImageRow> predownloaded, List<ApImageRow> activated) {
    }

    private Run upgrade(Path work, String run, ImageDownloadProfile profile, List<JoinedAp> aps, ApModelCatalog catalog,
            ImageVersion target, Path bundleDir, Path knownHosts) throws Exception {
        out.println();
        out.printf("Save & Download, profile %s (%s://%s%s%s):%n", profile.name(), profile.mode().keyword(),
                profile.username().map(u -> "*****@").orElse(""), profile.server().orElseThrow(), profile.imagePath().orElseThrow());
        out.flush();
        TransferOptions.Builder options = profile.transferOptions()
                .set(TransferOptions.CONNECT_TIMEOUT, Duration.ofSeconds(5)).set(TransferOptions.IDLE_TIMEOUT, Duration.ofSeconds(10));
        if (knownHosts != null) {
            options.set(SftpOptions.KNOWN_HOSTS, knownHosts);
        }
        UpgradePlan plan = UpgradePlan.of(profile, ImageType.AP1G7, target, aps, catalog);
        // The field's controller starts 16 APs every 60 s; the demo keeps the batches of 16 but not the wait.
        UpgradeSettings settings = UpgradeSettings.defaults().withConcurrency(100, 16, Duration.ofMillis(200))
                .withRetries(1, Duration.ofMillis(500));
        UpgradeSnapshot end;
        List<ApImageRow> predownloaded = List.of();
        List<ApImageRow> activated = List.of();
        CapwapCapture capture = pcap != null && first(run) ? new CapwapCapture(500_000) : null;
        Path apsDir = work.resolve("aps-" + run);
        EventLoopGroup io = new MultiThreadIoEventLoopGroup(2, new DefaultThreadFactory("demo-ap-io", true), NioIoHandler.newFactory());
        EventLoopGroup disk = SimulatedAp.diskThreads(2, "demo-ap-disk");
        List<SimulatedWtp> wtps = new ArrayList<>();
        boolean first = first(run);
        try (ImageCache cache = new ImageCache(StagingArea.open(work.resolve("controller-cache-" + run)), options.build());
                CapwapController controller = security.apply(CapwapController.builder().address(new InetSocketAddress("127.0.0.1", capwapPort))
                        .images(ImageSource.fromProfile(profile, cache)).acName("EWC-9120").joinPolicy(JoinPolicy.open(1000))
                        .image(ApImageSettings.VENDOR_AIRESPACE, target).imageAtJoin(false)
                        // Every simulated AP shares 127.0.0.1: lift the per-address cap meant for the field.
                        .streaming(b -> b.retransmitInterval(Duration.ofMillis(500)).maxSessionsPerAddress(100_000)
                                .pipelineHook(p -> {
                                    if (capture != null) {
                                        p.addFirst(capture.handler());
                                    }
                                }))
                        .listener(new CapwapController.Listener() {
                            @Override
                            public void onJoined(RegisteredAp ap) {
                                if (first) {
                                    out.println("  AP joined: " + ap.describe());
                                    out.flush();
                                }
                            }
                        })).start()) {
            // The APs discover and join; the controller learns the network from their Join Requests.
            for (JoinedAp ap : aps) {
                ImageType type = catalog.imageTypeOf(ap.model()).orElse(ImageType.AP1G4); // an unknown model still joins
                WtpSettings s = WtpSettings.of(ap.name(), ap.model(), type, ap.primaryVersion())
                        .withTimers(Duration.ofMillis(500), 5, Duration.ofSeconds(30), Duration.ofSeconds(30))
                        // The demo waits 60 s for every AP to join: an AP whose handshake went nowhere starts over well within it.
                        .withWaitJoin(Duration.ofSeconds(20));
                if (ap.backupVersion().isPresent()) {
                    s = s.withBackupVersion(ap.backupVersion().get());
                }
                boolean shown = first && wtps.isEmpty();
                String tag = ap.name();
                wtps.add(SimulatedWtp.start(s, StagingArea.open(apsDir.resolve(ap.name())), controller.localAddress(), shown
                        ? new CapwapWtpStateMachine.Listener() {
                            @Override
                            public void onState(CapwapWtpStateMachine.State from, CapwapWtpStateMachine.State to) {
                                out.printf("    [%s] CAPWAP State: %s%n", tag, stateName(to));
                                out.flush();
                            }
                        } : null, io, disk, security.ap(s).orElse(null)));
            }
            for (int i = 0; i < wtps.size(); i++) {
                wtps.get(i).runningOn(aps.get(i).primaryVersion()).get(60, TimeUnit.SECONDS);
            }
            List<JoinedAp> learnt = new ArrayList<>();
            for (RegisteredAp r : controller.registry()) {
                learnt.add(JoinedAp.of(r.name(), r.model(), r.primaryVersion().toString(), r.backupVersion().map(Object::toString).orElse(null)));
            }
            out.printf("  %d APs joined; the plan comes from their Join Requests%n", learnt.size());
            if (first) {
                wtps.get(0).dtlsSuite().ifPresent(suite -> out.printf("  DTLS suite negotiated by %s: %s%n", aps.get(0).name(), suite));
            }
            out.flush();
            UpgradePlan learntPlan = UpgradePlan.of(profile, ImageType.AP1G7, target, learnt, catalog);
            try (NetworkUpgrade upgrade = NetworkUpgrade.builder(learntPlan).cache(cache).driver(controller.predownloadDriver()).settings(settings)
                    .listener(line -> controllerLog.add("*" + SYSLOG.format(ZonedDateTime.now()) + ": " + line))
                    .saveAndDownload()) {
                end = follow(upgrade, profile.name());
            }
            predownloaded = controller.apImages();
            if (end.outcome() == UpgradeSnapshot.Outcome.SUCCEEDED) {
                verifyImages(end, apsDir, bundleDir);
                // Activate and reload: a Reset Request to each AP that holds the image as its backup (RFC 5415, 9.1).
                java.util.Set<String> holding = new java.util.HashSet<>();
                predownloaded.stream().filter(r -> r.status() == PredownloadStatus.COMPLETE).forEach(r -> holding.add(r.name()));
                int reset = controller.activate(ap -> holding.contains(ap.name()));
                out.printf("  Activate: Reset Request to %d APs; they reboot into %s and join again%n", reset, target);
                out.flush();
                for (int i = 0; i < wtps.size(); i++) {
                    if (holding.contains(aps.get(i).name())) {
                        wtps.get(i).runningOn(target).get(60, TimeUnit.SECONDS);
                    }
                }
                activated = controller.apImages();
            }
            if (capture != null) {
                capture.writeTo(pcap);
                out.printf("  %d CAPWAP datagrams written to %s (the controller on UDP port %d)%n", capture.size(), pcap,
                        controller.localAddress().getPort());
            }
        } finally {
            for (SimulatedWtp w : wtps) {
                w.close();
            }
            io.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
            disk.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
        out.printf("  %s: %d complete, %d failed, %d not supported, %d up to date; phase %s%n", end.outcome(),
                end.completedPredownloading(), end.failed(), end.notSupported(),
                end.rows().stream().filter(r -> r.status() == PredownloadStatus.NONE).count(), end.phase().text());
        out.flush();
        return new Run(end, predownloaded, activated);
    }

    private static boolean first(String run) {
        return run.equals("1");
    }

    /** The demo's control channel: a random pre-shared key per AP, a throwaway lab CA's certificates, or plain UDP. */
    private static final class Security {
        private final String mode;
        private final Map<String, Secret> keys = new HashMap<>();
        private final Map<String, LabPki.Issued> certificates = new HashMap<>();
        private LabPki pki;
        private LabPki.Issued controllerCertificate;
        private final Path keyLog;

        private Security(String mode, Path keyLog) {
            this.mode = mode;
            this.keyLog = keyLog;
        }

        static Security of(String mode, Path pkiDir, List<JoinedAp> aps, Path keyLog) throws IOException {
            Security s = new Security(mode, keyLog);
            if (mode.equals("psk")) {
                SecureRandom r = new SecureRandom();
                for (JoinedAp ap : aps) {
                    byte[] k = new byte[16];
                    r.nextBytes(k);
                    s.keys.put(ap.name(), Secret.of(java.util.HexFormat.of().formatHex(k)));
                }
            } else if (mode.equals("cert")) {
                s.pki = LabPki.create(pkiDir, "apimage demo CA");
                s.controllerCertificate = s.pki.issue("controller", "EWC-9120", LabPki.Role.CONTROLLER);
                for (JoinedAp ap : aps) {
                    s.certificates.put(ap.name(), s.pki.issue(ap.name(), ap.name(), LabPki.Role.AP));
                }
            }
            return s;
        }

        private DtlsSettings logged(DtlsSettings d) {
            return keyLog != null ? d.keyLogForAnalysers(keyLog) : d;
        }

        CapwapController.Builder apply(CapwapController.Builder b) {
            // Every simulated AP shares 127.0.0.1: lift the per-address cap on DTLS sessions meant for the field.
            return switch (mode) {
                case "psk" -> b.dtls(logged(DtlsSettings.psk(PskKeys.of(keys)).limits(Duration.ofSeconds(10), 64, 100_000,
                        Duration.ofMinutes(5))));
                case "cert" -> b.dtls(logged(DtlsSettings.certificates(controllerCertificate.certificate(),
                        controllerCertificate.privateKey(), pki.caCertificate()).limits(Duration.ofSeconds(10), 64, 100_000, Duration.ofMinutes(5))));
                default -> b.plainUdpLab();
            };
        }

        Optional<DtlsSettings> ap(WtpSettings s) {
            return switch (mode) {
                case "psk" -> Optional.of(DtlsSettings.pskIdentity(s.name(), keys.get(s.name())));
                case "cert" -> Optional.of(DtlsSettings.certificates(certificates.get(s.name()).certificate(),
                        certificates.get(s.name()).privateKey(), pki.caCertificate()));
                default -> Optional.empty();
            };
        }

        String describe() {
            return switch (mode) {
                case "psk" -> "DTLS with a random pre-shared key per AP (PSK identity = AP name)";
                case "cert" -> "DTLS with certificates of a throwaway lab CA (id-kp-capwapAC for the controller, id-kp-capwapWTP for the APs)";
                default -> "plain UDP, the lab mode (no DTLS)";
            } + (keyLog != null ? "; DTLS KEY LOG ON" : "");
        }
    }

    /** Live progress: a bar over all APs on a terminal, a line per phase otherwise. */
    private UpgradeSnapshot follow(NetworkUpgrade upgrade, String name) throws Exception {
        boolean terminal = System.console() != null;
        ProgressBar bar = terminal ? new ProgressBarBuilder().setTaskName(name).setStyle(ProgressBarStyle.ASCII).setInitialMax(100)
                .setUnit("%", 1).build() : null;
        String lastPhase = "";
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(30);
        try {
            while (!upgrade.completion().isDone() && System.nanoTime() < deadline) {
                UpgradeSnapshot s = upgrade.snapshot();
                List<ApImageRow> needing = s.rows().stream().filter(r -> r.predownloadVersion().isPresent()).toList();
                long percent = needing.isEmpty() ? 100 : needing.stream().mapToLong(ApImageRow::percent).sum() / needing.size();
                if (bar != null) {
                    bar.stepTo(percent);
                    bar.setExtraMessage(" " + s.phase().text() + ", " + s.completedPredownloading() + " of " + needing.size() + " APs");
                } else if (!s.phase().text().equals(lastPhase)) {
                    out.printf("  phase %s%n", s.phase().text());
                    out.flush();
                }
                lastPhase = s.phase().text();
                try {
                    upgrade.completion().get(100, TimeUnit.MILLISECONDS); // the next refresh, or the end at once
                } catch (java.util.concurrent.TimeoutException e) {
                    // refresh the bar
                }
            }
            UpgradeSnapshot end = upgrade.completion().get(1, TimeUnit.MINUTES);
            if (bar != null) {
                bar.stepTo(end.outcome() == UpgradeSnapshot.Outcome.SUCCEEDED ? 100 : bar.getCurrent());
            }
            return end;
        } finally {
            if (bar != null) {
                bar.close();
            }
        }
    }

    /** A state as the AP's log names it: {@code Image Data}, {@code DTLS Setup}. */
    private static String stateName(CapwapWtpStateMachine.State state) {
        StringBuilder b = new StringBuilder();
        for (String word : state.name().split("_")) {
            b.append(b.length() == 0 ? "" : " ").append(word.equals("DTLS") ? word : word.charAt(0) + word.substring(1).toLowerCase(Locale.ROOT));
        }
        return b.toString();
    }

    private void verifyImages(UpgradeSnapshot end, Path apsDir, Path bundleDir) throws IOException {
        for (ApImageRow r : end.rows()) {
            if (r.status() == PredownloadStatus.COMPLETE) {
                String type = r.imageType().orElseThrow().name();
                if (Files.mismatch(bundleDir.resolve(type), apsDir.resolve(r.name()).resolve(type)) != -1) {
                    throw new IOException("AP " + r.name() + " holds an image that differs from the bundle's " + type);
                }
            }
        }
    }

    private List<JoinedAp> network() {
        List<JoinedAp> aps = new ArrayList<>();
        for (int i = 0; i < apCount; i++) {
            String model = MODELS[i % MODELS.length];
            java.util.regex.Matcher number = java.util.regex.Pattern.compile("\\d{4}").matcher(model);
            String name = String.format("AP-%s-%02d", number.find() ? number.group() : "X", i + 1);
            // One AP of each dozen already runs the target: it needs nothing.
            String primary = i % MODELS.length == 10 ? "17.9.4.27" : "17.3.3.26";
            aps.add(JoinedAp.of(name, model, primary, "8.10.130.0"));
        }
        return aps;
    }

    private static char[] randomPassword() {
        SecureRandom r = new SecureRandom();
        char[] c = new char[20];
        String alphabet = "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
        for (int i = 0; i < c.length; i++) {
            c[i] = alphabet.charAt(r.nextInt(alphabet.length()));
        }
        return c;
    }
}

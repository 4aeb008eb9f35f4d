package dev.apimage.examples;

import dev.apimage.image.ApModelCatalog;
import dev.apimage.image.ImageBundle;
import dev.apimage.image.ImageType;
import dev.apimage.image.ImageVersion;
import dev.apimage.profile.ImageDownloadProfile;
import dev.apimage.transfer.BlockSink;
import dev.apimage.transfer.FailureReason;
import dev.apimage.transfer.TransferException;
import dev.apimage.transfer.TransferOptions;
import dev.apimage.transfer.TransferSession;
import dev.apimage.transfer.Transports;
import dev.apimage.transfer.UriRedaction;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine;

/**
 * {@code apimage preflight}: before a maintenance window, checks the image server a profile names
 * the way the controller will use it, and prints the line the controller would log for each problem.
 */
@Command(name = "preflight", mixinStandardHelpOptions = true,
        description = {"Checks a real image server named by a profile in the controller's CLI form: server reachable,",
                "path present, version.info readable, and every image type the listed models need present, readable",
                "and of plausible size. Reads only the start of each image. Exit 0 only when the upgrade would find everything."})
final class PreflightCommand implements java.util.concurrent.Callable<Integer> {

    /** Below this an image cannot be a release image of any AP; above, Image Information cannot carry it. */
    static final long MIN_PLAUSIBLE = 1024;
    static final long MAX_PLAUSIBLE = 0xFFFF_FFFFL;
    private static final Pattern VERSION = Pattern.compile("\\d+(\\.\\d+){2,3}");

    @Option(names = "--profile", required = true, paramLabel = "FILE", description = "image download profile, controller CLI form")
    Path profileFile;

    @Option(names = "--models", split = ",", paramLabel = "MODEL",
            description = "AP models of the network, for example C9105AXI,C9120AXI (default: every image type of the catalog)")
    List<String> models;

    @Option(names = "--timeout", defaultValue = "10", paramLabel = "S", description = "seconds without an answer before a check fails (default ${DEFAULT-VALUE})")
    long timeout;

    @CommandLine.Mixin
    HostKeyOptions hostKeys;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    private record Check(String what, boolean ok, String detail, Optional<String> controllerLine) {
    }

    @Override
    public Integer call() throws Exception {
        ImageDownloadProfile profile = ControllerCommand.readProfile(spec, profileFile);
        PrintWriter out = spec.commandLine().getOut();
        if (!profile.mode().usesImageServer()) {
            spec.commandLine().getErr().printf("preflight: profile %s uses image-download-mode %s, which fetches from no image server;"
                    + " nothing to check%n", profile.name(), profile.mode().keyword());
            return ApImageCli.FAILED;
        }
        ApModelCatalog catalog = ApModelCatalog.defaults();
        Set<ImageType> types = new TreeSet<>();
        List<Check> checks = new ArrayList<>();
        if (models == null || models.isEmpty()) {
            types.addAll(catalog.imageTypes());
        } else {
            for (String m : models) {
                Optional<ImageType> t = catalog.imageTypeOf(m.trim());
                if (t.isPresent()) {
                    types.add(t.get());
                } else {
                    checks.add(new Check("model " + m.trim(), false, "Not Supported: no image type for this model", Optional.empty()));
                }
            }
        }
        TransferOptions.Builder o = profile.transferOptions()
                .set(TransferOptions.CONNECT_TIMEOUT, Duration.ofSeconds(timeout)).set(TransferOptions.IDLE_TIMEOUT, Duration.ofSeconds(timeout));
        hostKeys.applyTo(o);
        TransferOptions options = o.build();

        URI versionInfo = sibling(profile.imageUri(ImageType.AP1G8), ImageBundle.VERSION_INFO);
        String server = profile.server().orElseThrow().toString();
        String path = profile.imagePath().orElseThrow();
        try {
            byte[] text = readSmall(versionInfo, options);
            Matcher v = VERSION.matcher(new String(text, StandardCharsets.UTF_8));
            checks.add(0, new Check("image server " + server, true, "reachable over " + profile.mode().keyword(), Optional.empty()));
            checks.add(1, new Check("path " + path, true, "present", Optional.empty()));
            checks.add(2, v.find() ? new Check(ImageBundle.VERSION_INFO, true, "AP image version " + ImageVersion.parse(v.group()), Optional.empty())
                    : new Check(ImageBundle.VERSION_INFO, false, "readable but holds no version", Optional.empty()));
        } catch (TransferException e) {
            boolean reachable = e.reason() != dev.apimage.transfer.FailureReason.TIMED_OUT;
            checks.add(0, new Check("image server " + server, reachable, reachable ? "reachable over " + profile.mode().keyword()
                    : "no answer within " + timeout + " s", reachable ? Optional.empty() : Optional.of(e.getMessage())));
            if (reachable) {
                checks.add(1, new Check(ImageBundle.VERSION_INFO, false, e.reason().text(), Optional.of(e.getMessage())));
            }
        }
        boolean reachable = checks.get(0).ok();
        for (ImageType type : types) {
            if (!reachable) {
                break;
            }
            checks.add(probe(profile, type, options));
        }
        print(out, checks);
        boolean ok = checks.stream().allMatch(Check::ok) && reachable;
        out.println(ok ? "Preflight passed: the upgrade would find everything it needs." : "Preflight FAILED: fix the lines above before the maintenance window.");
        out.flush();
        return ok ? 0 : ApImageCli.FAILED;
    }

    private Check probe(ImageDownloadProfile profile, ImageType type, TransferOptions options) {
        URI uri = profile.imageUri(type);
        String what = "image " + type.name();
        try (TransferSession session = Transports.open(uri, options)) {
            AtomicLong bytes = new AtomicLong();
            CompletableFuture<Long> sized = new CompletableFuture<>();
            BlockSink sink = new BlockSink() {
                @Override
                public void write(ByteBuffer block, long offset) {
                    bytes.addAndGet(block.remaining());
                    session.size().ifPresent(sized::complete);
                }

                @Override
                public void expectSize(long size) {
                    // Readable is proven by the first block; the size alone is not enough.
                }
            };
            CompletableFuture<?> done = session.start(sink);
            CompletableFuture.anyOf(sized, done).get(timeout * 3, TimeUnit.SECONDS);
            if (done.isCompletedExceptionally()) {
                done.get();
            }
            OptionalLong size = session.size();
            if (!done.isDone()) {
                session.cancel(); // the start of the image proves it readable; the rest is the upgrade's
            }
            long n = size.isPresent() ? size.getAsLong() : bytes.get();
            if (n < MIN_PLAUSIBLE || n > MAX_PLAUSIBLE) {
                return new Check(what, false, String.format("%,d bytes: not a plausible AP image", n), Optional.empty());
            }
            return new Check(what, true, String.format("present and readable, %,d bytes", n), Optional.empty());
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof TransferException te) {
                return new Check(what, false, te.reason().text(), Optional.of(te.getMessage()));
            }
            return new Check(what, false, String.valueOf(c.getMessage()), Optional.empty());
        } catch (java.util.concurrent.TimeoutException e) {
            return new Check(what, false, "Timed out",
                    Optional.of(new TransferException(FailureReason.TIMED_OUT, UriRedaction.redact(uri)).getMessage()));
        } catch (TransferException e) {
            return new Check(what, false, e.reason().text(), Optional.of(e.getMessage()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Check(what, false, "interrupted", Optional.empty());
        }
    }

    private byte[] readSmall(URI uri, TransferOptions options) throws TransferException, InterruptedException {
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        try (TransferSession session = Transports.open(uri, options)) {
            session.start((block, offset) -> {
                if (buffer.size() + block.remaining() > 64 * 1024) {
                    throw new IOException("version.info larger than 64 KiB");
                }
                byte[] b = new byte[block.remaining()];
                block.get(b);
                buffer.write(b, 0, b.length);
            }).get(timeout * 3, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof TransferException te) {
                throw te;
            }
            throw new TransferException(dev.apimage.transfer.FailureReason.IO_ERROR, UriRedaction.redact(uri),
                    String.valueOf(e.getCause().getMessage()), e.getCause());
        } catch (java.util.concurrent.TimeoutException e) {
            throw new TransferException(dev.apimage.transfer.FailureReason.TIMED_OUT, UriRedaction.redact(uri));
        }
        return buffer.toByteArray();
    }

    static URI sibling(URI image, String name) {
        String p = image.getPath();
        try {
            return new URI(image.getScheme(), image.getUserInfo(), image.getHost(), image.getPort(),
                    p.substring(0, p.lastIndexOf('/') + 1) + name, null, null);
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void print(PrintWriter out, List<Check> checks) {
        int w = checks.stream().mapToInt(c -> c.what().length()).max().orElse(5);
        out.printf("%-" + w + "s  %-6s  %s%n", "Check", "Result", "Detail");
        for (Check c : checks) {
            out.printf("%-" + w + "s  %-6s  %s%n", c.what(), c.ok() ? "OK" : "FAILED", c.detail());
        }
        List<String> lines = checks.stream().flatMap(c -> c.controllerLine().stream()).toList();
        if (!lines.isEmpty()) {
            out.println();
            out.println("The controller would log:");
            lines.forEach(l -> out.println("  " + l));
        }
    }
}

package dev.apimage.examples;

import dev.apimage.image.ApModelCatalog;
import dev.apimage.image.BundleFinding;
import dev.apimage.image.BundleImage;
import dev.apimage.image.ImageBundle;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code apimage bundle DIR|ARCHIVE}: versions, images with size and SHA-256, validation findings. */
@Command(name = "bundle", mixinStandardHelpOptions = true,
        description = {"Inspects an AP image bundle.",
                "Prints the AP and controller versions, each image with its type, size and SHA-256,",
                "and what is wrong with the bundle. Exit status 1 when the bundle is invalid."})
final class BundleCommand implements Callable<Integer> {

    @Parameters(paramLabel = "DIR|ARCHIVE", description = "an extracted bundle directory, or a .zip, .tar or .tar.gz bundle")
    Path source;

    @Option(names = "--models", paramLabel = "FILE",
            description = "extra AP model catalog entries (model=imagetype per line)")
    Path models;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        ApModelCatalog catalog = ApModelCatalog.defaults();
        if (models != null) {
            catalog = catalog.withEntriesFrom(models);
        }
        if (!Files.exists(source)) {
            throw new IOException("no such file or directory: " + source);
        }
        Path extracted = null;
        try {
            ImageBundle bundle;
            if (Files.isDirectory(source)) {
                bundle = ImageBundle.open(source, catalog);
            } else {
                extracted = Files.createTempDirectory("apimage-bundle-");
                ImageBundle.extract(source, extracted.resolve("bundle"));
                bundle = ImageBundle.open(resolveBundleDir(extracted.resolve("bundle")), catalog);
            }
            return print(bundle, out);
        } finally {
            if (extracted != null) {
                deleteTree(extracted);
            }
        }
    }

    private static Path resolveBundleDir(Path target) throws IOException {
        try (Stream<Path> s = Files.list(target)) {
            List<Path> top = s.toList();
            return top.size() == 1 && Files.isDirectory(top.get(0)) ? top.get(0) : target;
        }
    }

    private int print(ImageBundle bundle, PrintWriter out) throws IOException {
        out.printf("Bundle              : %s%n", source);
        out.printf("AP image version    : %s%n", bundle.apVersion().map(Object::toString).orElse("unknown"));
        out.printf("Controller version  : %s%n", bundle.controllerVersion().map(Object::toString).orElse("unknown"));
        out.printf("Controller image    : %s%n", bundle.controllerImage()
                .map(p -> p.getFileName() + " (" + String.format("%,d", size(p)) + " bytes)").orElse("none"));
        out.printf("%nImage type  %15s  %s%n", "Size (bytes)", "SHA-256");
        for (BundleImage image : bundle.images().values()) {
            String sha;
            try {
                sha = image.digests().sha256();
            } catch (IOException e) {
                sha = "unreadable";
            }
            out.printf("%-10s  %,15d  %s%n", image.type(), image.size(), sha);
        }
        List<BundleFinding> findings = bundle.validate();
        out.println();
        if (findings.isEmpty()) {
            out.println("Findings            : none");
        } else {
            out.println("Findings:");
            for (BundleFinding f : findings) {
                out.println("  " + f);
            }
        }
        boolean valid = findings.stream().noneMatch(f -> f.severity() == BundleFinding.Severity.ERROR);
        out.println("Bundle is " + (valid ? "valid" : "INVALID"));
        out.flush();
        return valid ? 0 : ApImageCli.FAILED;
    }

    private static long size(Path p) {
        try {
            return Files.size(p);
        } catch (IOException e) {
            return -1;
        }
    }

    private static void deleteTree(Path root) {
        try (Stream<Path> s = Files.walk(root)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // temporary directory; the OS cleans it eventually
        }
    }
}

package dev.apimage.image;

import dev.apimage.internal.LogText;
import dev.apimage.image.BundleFinding.Severity;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * An extracted AP image bundle: one image per AP image type, the controller's own image,
 * {@code version.info} (the AP image version), {@code controller_version.info} and
 * {@code readme.txt}.
 *
 * <pre>
 * ap1g4 ap1g5 ap1g6 ap1g6a ap1g7 ap1g8 ap3g3   one image per AP image type
 * C9800-AP-iosxe-wlc.bin                       the controller's own image
 * version.info                                 AP image version, e.g. 17.9.4.27
 * controller_version.info                      controller version, e.g. 17.09.04a.0.6
 * readme.txt
 * </pre>
 *
 * <p>Opening reads the directory listing and the two small version files; image digests are
 * computed lazily, one streaming pass per image. {@link #extract(Path, Path)} unpacks a
 * {@code .zip}, {@code .tar} or {@code .tar.gz} bundle safely (see there). Opening never fails for
 * a bundle's content: {@link #validate()} lists what is wrong.
 */
public final class ImageBundle {

    /** Name of the file holding the AP image version. */
    public static final String VERSION_INFO = "version.info";
    /** Name of the file holding the controller version. */
    public static final String CONTROLLER_VERSION_INFO = "controller_version.info";
    /** Name of the bundle's readme. */
    public static final String README = "readme.txt";

    private static final Pattern AP_IMAGE_NAME = Pattern.compile("ap[0-9]+g[0-9]+[a-z]?");
    private static final long MAX_VERSION_FILE = 4096;

    private final Path directory;
    private final Map<ImageType, BundleImage> images;
    private final Optional<Path> controllerImage;
    private final VersionFile apVersion;
    private final VersionFile controllerVersion;
    private final List<BundleFinding> openFindings;

    private ImageBundle(Path directory, Map<ImageType, BundleImage> images, Optional<Path> controllerImage,
            VersionFile apVersion, VersionFile controllerVersion, List<BundleFinding> openFindings) {
        this.directory = directory;
        this.images = Collections.unmodifiableMap(images);
        this.controllerImage = controllerImage;
        this.apVersion = apVersion;
        this.controllerVersion = controllerVersion;
        this.openFindings = List.copyOf(openFindings);
    }

    /**
     * Opens an extracted bundle with the {@linkplain ApModelCatalog#defaults() default catalog}.
     *
     * @param directory the bundle directory
     * @return the bundle
     * @throws IOException when the directory cannot be listed
     */
    public static ImageBundle open(Path directory) throws IOException {
        return open(directory, ApModelCatalog.defaults());
    }

    /**
     * Opens an extracted bundle. A file counts as an AP image when its name is an image type of
     * the catalog, or looks like one ({@code ap<n>g<n>[letter]}).
     *
     * @param directory the bundle directory
     * @param catalog the AP model catalog that says which image types exist
     * @return the bundle
     * @throws IOException when the directory does not exist or cannot be listed
     */
    public static ImageBundle open(Path directory, ApModelCatalog catalog) throws IOException {
        Objects.requireNonNull(directory, "directory");
        Objects.requireNonNull(catalog, "catalog");
        if (!Files.isDirectory(directory)) {
            throw new BundleException("not a bundle directory: " + directory + " (no such directory)");
        }
        Map<ImageType, BundleImage> images = new TreeMap<>();
        List<BundleFinding> findings = new ArrayList<>();
        Path controllerImage = null;
        VersionFile ap = VersionFile.missing();
        VersionFile controller = VersionFile.missing();
        List<Path> entries = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(directory)) {
            ds.forEach(entries::add);
        }
        Collections.sort(entries);
        for (Path p : entries) {
            String name = p.getFileName().toString();
            BasicFileAttributes attrs = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            if (attrs.isSymbolicLink()) {
                findings.add(new BundleFinding(Severity.WARNING, name, "symbolic link ignored"));
                continue;
            }
            if (attrs.isDirectory()) {
                findings.add(new BundleFinding(Severity.WARNING, name, "unexpected directory in the bundle"));
                continue;
            }
            if (!attrs.isRegularFile()) {
                findings.add(new BundleFinding(Severity.WARNING, name, "not a regular file"));
                continue;
            }
            switch (name) {
                case VERSION_INFO -> ap = VersionFile.read(p);
                case CONTROLLER_VERSION_INFO -> controller = VersionFile.read(p);
                case README -> { }
                default -> {
                    if (ImageType.isValidName(name)
                            && (catalog.imageTypes().contains(ImageType.of(name)) || AP_IMAGE_NAME.matcher(name).matches())) {
                        ImageType type = ImageType.of(name);
                        images.put(type, new BundleImage(type, p, attrs.size()));
                        if (!catalog.imageTypes().contains(type)) {
                            findings.add(new BundleFinding(Severity.WARNING, name,
                                    "image type not in the AP model catalog: no known AP model takes it"));
                        }
                    } else if (name.endsWith(".bin") && controllerImage == null) {
                        controllerImage = p;
                    } else {
                        findings.add(new BundleFinding(Severity.WARNING, LogText.printable(name, 64),
                                "unknown file name: neither an AP image type nor a bundle file"));
                    }
                }
            }
        }
        return new ImageBundle(directory, images, Optional.ofNullable(controllerImage), ap, controller, findings);
    }

    /**
     * Extracts a bundle archive ({@code .zip}, {@code .tar}, {@code .tar.gz}/{@code .tgz}; the
     * format is recognised by content) into {@code target} and opens it.
     *
     * <p>Safety: every entry name is normalised ({@code \} counts as a separator) and must stay
     * inside {@code target}; absolute names, drive letters, {@code ..} escapes, NUL characters,
     * links and device entries are refused, and so is an archive that expands past
     * {@link BundleArchives#MAX_TOTAL_BYTES}. Extraction goes to a hidden sibling directory that is
     * renamed to {@code target} only when every entry is written; on any failure nothing is left
     * behind. When the archive holds a single top-level directory, that directory is the bundle.
     *
     * @param archive the archive file
     * @param target a directory that must not exist yet, or be empty
     * @return the extracted bundle
     * @throws BundleException naming the entry, when the archive is unsafe or not an archive
     * @throws IOException when reading or writing fails
     */
    public static ImageBundle extract(Path archive, Path target) throws IOException {
        return open(BundleArchives.extract(archive, target));
    }

    /**
     * The bundle directory.
     *
     * @return the directory this bundle was opened from
     */
    public Path directory() {
        return directory;
    }

    /**
     * The AP image version from {@code version.info}.
     *
     * @return the version, or empty when the file is missing or does not hold a version
     *     ({@link #validate()} says which)
     */
    public Optional<ImageVersion> apVersion() {
        return apVersion.version();
    }

    /**
     * The controller version from {@code controller_version.info}.
     *
     * @return the version, or empty when the file is missing or does not hold a version
     */
    public Optional<ImageVersion> controllerVersion() {
        return controllerVersion.version();
    }

    /**
     * The AP images by type.
     *
     * @return an unmodifiable map sorted by type
     */
    public Map<ImageType, BundleImage> images() {
        return images;
    }

    /**
     * One AP image.
     *
     * @param type the image type
     * @return the image, or empty when the bundle has none of that type
     */
    public Optional<BundleImage> image(ImageType type) {
        return Optional.ofNullable(images.get(type));
    }

    /**
     * The controller's own image (the bundle's {@code .bin} file).
     *
     * @return its path, or empty when the bundle has none
     */
    public Optional<Path> controllerImage() {
        return controllerImage;
    }

    /**
     * Checks the bundle and lists every problem in plain words: missing or unreadable version
     * files, no AP image at all, empty or unreadable images, unknown file names. Reads each
     * image's first byte to prove it readable, not the whole file.
     *
     * @return the findings, errors first; empty when the bundle is fine
     */
    public List<BundleFinding> validate() {
        List<BundleFinding> out = new ArrayList<>();
        apVersion.check(VERSION_INFO, true, out);
        controllerVersion.check(CONTROLLER_VERSION_INFO, false, out);
        if (images.isEmpty()) {
            out.add(new BundleFinding(Severity.ERROR, "", "no AP image in the bundle"));
        }
        for (BundleImage image : images.values()) {
            String name = image.type().name();
            if (image.size() == 0) {
                out.add(new BundleFinding(Severity.ERROR, name, "empty image (0 bytes)"));
            } else if (!readable(image.file())) {
                out.add(new BundleFinding(Severity.ERROR, name, "unreadable file"));
            }
        }
        out.addAll(openFindings);
        out.sort((a, b) -> a.severity().compareTo(b.severity()));
        return List.copyOf(out);
    }

    /**
     * Tells whether {@link #validate()} finds no error (warnings allowed).
     *
     * @return true when the bundle can be used
     */
    public boolean isValid() {
        return validate().stream().noneMatch(f -> f.severity() == Severity.ERROR);
    }

    private static boolean readable(Path file) {
        try (var ch = java.nio.channels.FileChannel.open(file)) {
            ch.read(java.nio.ByteBuffer.allocate(1));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    @Override
    public String toString() {
        return "ImageBundle[" + directory + ", AP " + apVersion.text() + ", controller "
                + controllerVersion.text() + ", images " + images.keySet() + "]";
    }

    /** Result of reading a version file: present and parsed, present and broken, or missing. */
    private record VersionFile(boolean present, Optional<ImageVersion> version, String problem) {

        static VersionFile missing() {
            return new VersionFile(false, Optional.empty(), "missing");
        }

        static VersionFile read(Path p) {
            try {
                if (Files.size(p) > MAX_VERSION_FILE) {
                    return new VersionFile(true, Optional.empty(), "too large for a version file");
                }
                String text = new String(Files.readAllBytes(p), StandardCharsets.UTF_8);
                try {
                    return new VersionFile(true, Optional.of(ImageVersion.parse(text)), "");
                } catch (IllegalArgumentException e) {
                    return new VersionFile(true, Optional.empty(), "does not hold a version: " + e.getMessage());
                }
            } catch (IOException | UncheckedIOException e) {
                return new VersionFile(true, Optional.empty(), "unreadable file");
            }
        }

        void check(String name, boolean required, List<BundleFinding> out) {
            if (!present) {
                out.add(new BundleFinding(required ? Severity.ERROR : Severity.WARNING, name,
                        "missing " + name + (required ? ": the AP image version is unknown"
                                : ": the controller version is unknown")));
            } else if (version.isEmpty()) {
                out.add(new BundleFinding(Severity.ERROR, name, problem));
            }
        }

        String text() {
            return version.map(ImageVersion::toString).orElse(present ? "unreadable" : "missing");
        }
    }
}

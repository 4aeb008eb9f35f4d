package dev.apimage.image;

import dev.apimage.internal.LogText;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.Enumeration;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Which AP model takes which {@link ImageType}: a C9105AXI takes {@code ap1g8}, a C9120AXI
 * {@code ap1g7}, an AIR-AP3802I {@code ap3g3}.
 *
 * <p>Entries map a model-number prefix to an image type; a lookup uses the longest prefix that
 * matches the model (case-insensitive), so one entry {@code C9120AX} covers C9120AXI-B,
 * C9120AXE-E and so on. The catalog is data: {@link #defaults()} reads the built-in resource and
 * then every {@code META-INF/apimage/ap-models.properties} on the class path (later entries
 * override earlier ones), and {@link #withEntriesFrom(Path)} overlays a file of the same
 * {@code model=imagetype} form. Instances are immutable.
 */
public final class ApModelCatalog {

    /** Class-path location where users add or override entries without code. */
    public static final String EXTENSION_RESOURCE = "META-INF/apimage/ap-models.properties";
    private static final String BUILT_IN = "ap-models.properties";

    private final Map<String, ImageType> byPrefix;

    private ApModelCatalog(Map<String, ImageType> byPrefix) {
        this.byPrefix = Collections.unmodifiableMap(new TreeMap<>(byPrefix));
    }

    /**
     * The built-in catalog plus every class-path extension file.
     *
     * @return the catalog
     * @throws UncheckedIOException when a catalog resource cannot be read
     * @throws IllegalArgumentException when a resource holds an invalid entry
     */
    public static ApModelCatalog defaults() {
        ClassLoader loader = ApModelCatalog.class.getClassLoader();
        Map<String, ImageType> entries = new TreeMap<>();
        try {
            // Through the class, not its loader: in a named module the package's resources are
            // encapsulated, and only the module's own classes may read them.
            URL builtIn = ApModelCatalog.class.getResource(BUILT_IN);
            if (builtIn == null) {
                throw new IllegalStateException("built-in AP model catalog " + BUILT_IN + " is missing");
            }
            read(builtIn, entries);
            Enumeration<URL> extensions = loader.getResources(EXTENSION_RESOURCE);
            while (extensions.hasMoreElements()) {
                read(extensions.nextElement(), entries);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the AP model catalog: " + e.getMessage(), e);
        }
        return new ApModelCatalog(entries);
    }

    /**
     * A catalog holding exactly the given entries.
     *
     * @param entries model prefix to image type
     * @return the catalog
     */
    public static ApModelCatalog of(Map<String, ImageType> entries) {
        Map<String, ImageType> normalised = new TreeMap<>();
        entries.forEach((model, type) -> normalised.put(normaliseModel(model), Objects.requireNonNull(type)));
        return new ApModelCatalog(normalised);
    }

    /**
     * This catalog with the entries of a properties file ({@code model=imagetype} per line) added;
     * entries of the file override entries of this catalog.
     *
     * @param file the file
     * @return a new catalog
     * @throws IOException when the file cannot be read
     * @throws IllegalArgumentException naming the entry when one is invalid
     */
    public ApModelCatalog withEntriesFrom(Path file) throws IOException {
        Map<String, ImageType> entries = new TreeMap<>(byPrefix);
        try (InputStream in = Files.newInputStream(file)) {
            read(in, file.toString(), entries);
        }
        return new ApModelCatalog(entries);
    }

    /**
     * This catalog with one entry added or replaced.
     *
     * @param modelPrefix the model-number prefix, for example {@code C9105AX}
     * @param type the image type such models take
     * @return a new catalog
     */
    public ApModelCatalog with(String modelPrefix, ImageType type) {
        Map<String, ImageType> entries = new TreeMap<>(byPrefix);
        entries.put(normaliseModel(modelPrefix), Objects.requireNonNull(type, "type"));
        return new ApModelCatalog(entries);
    }

    /**
     * The image type an AP model takes.
     *
     * @param model the AP's model number, for example {@code C9105AXI-B}
     * @return the image type of the longest matching prefix, or empty when the model is not
     *     supported by this catalog
     */
    public Optional<ImageType> imageTypeOf(String model) {
        if (model == null || model.isBlank()) {
            return Optional.empty();
        }
        String m = model.strip().toUpperCase(Locale.ROOT);
        for (int len = m.length(); len > 0; len--) {
            ImageType t = byPrefix.get(m.substring(0, len));
            if (t != null) {
                return Optional.of(t);
            }
        }
        return Optional.empty();
    }

    /**
     * Every image type some model of this catalog takes.
     *
     * @return the types, sorted
     */
    public Set<ImageType> imageTypes() {
        return Collections.unmodifiableSet(new TreeSet<>(byPrefix.values()));
    }

    /**
     * The catalog's entries.
     *
     * @return model prefix to image type, sorted by prefix
     */
    public Map<String, ImageType> entries() {
        return byPrefix;
    }

    private static void read(URL url, Map<String, ImageType> into) throws IOException {
        try (InputStream in = url.openStream()) {
            read(in, url.toString(), into);
        }
    }

    private static void read(InputStream in, String source, Map<String, ImageType> into) throws IOException {
        Properties p = new Properties();
        try (Reader r = new InputStreamReader(in, StandardCharsets.UTF_8)) {
            p.load(r);
        }
        for (String model : p.stringPropertyNames()) {
            String value = p.getProperty(model).strip();
            if (!ImageType.isValidName(value)) {
                throw new IllegalArgumentException(source + ": entry '" + LogText.printable(model, 64)
                        + "' maps to an invalid image type '" + LogText.printable(value, 64) + "'");
            }
            into.put(normaliseModel(model), ImageType.of(value));
        }
    }

    private static String normaliseModel(String model) {
        String m = Objects.requireNonNull(model, "model").strip().toUpperCase(Locale.ROOT);
        if (m.isEmpty()) {
            throw new IllegalArgumentException("empty AP model in catalog");
        }
        return m;
    }

    @Override
    public String toString() {
        return "ApModelCatalog[" + byPrefix.size() + " models, types " + imageTypes() + "]";
    }
}

package dev.apimage.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.lang.module.Configuration;
import java.lang.module.ModuleFinder;
import java.lang.module.ResolvedModule;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The SDK's modules on the module path, as a modular application sees them: they resolve from
 * their descriptors alone, the transports are found as services, the resources of a module are
 * read from inside it, and only the API packages are exported.
 */
class ModulePathTest {

    private static final List<String> PRODUCT = List.of("dev.apimage.core", "dev.apimage.tftp", "dev.apimage.sftp",
            "dev.apimage.capwap", "dev.apimage.simulator");

    /** The SDK's modules and their libraries, from this test's class path (directories or jars). */
    private static ModuleLayer layer() {
        Path[] entries = Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
                .map(Path::of)
                .filter(Files::exists)
                .filter(p -> {
                    String s = p.toString();
                    return s.contains("apimage-") || s.endsWith(File.separator + "classes") && !s.contains("examples")
                            || s.contains("netty-") || s.contains("slf4j-api") || s.contains("commons-compress")
                            || s.contains("commons-io") || s.contains("commons-codec") || s.contains("commons-lang3")
                            || s.contains("jsch") || s.contains("bouncycastle");
                })
                .filter(p -> !p.toString().contains("-tests.jar") && !p.toString().contains("test-classes"))
                .toArray(Path[]::new);
        ModuleFinder finder = ModuleFinder.of(entries);
        Configuration cf = ModuleLayer.boot().configuration().resolveAndBind(finder, ModuleFinder.of(), PRODUCT);
        return ModuleLayer.boot().defineModulesWithOneLoader(cf, ClassLoader.getPlatformClassLoader());
    }

    @Test
    void theModulesResolveAndTheTransportsAreServices() throws Exception {
        ModuleLayer layer = layer();
        Set<String> names = layer.configuration().modules().stream().map(ResolvedModule::name).collect(Collectors.toCollection(TreeSet::new));
        assertTrue(names.containsAll(PRODUCT), names.toString());
        Class<?> spi = layer.findLoader("dev.apimage.core").loadClass("dev.apimage.transfer.spi.TransportProvider");
        Set<String> schemes = new TreeSet<>();
        for (Object provider : ServiceLoader.load(layer, spi)) {
            schemes.add((String) spi.getMethod("scheme").invoke(provider));
        }
        assertEquals(Set.of("file", "sftp", "tftp"), schemes, "every transport through the descriptors' provides clauses");
    }

    @Test
    void aModuleReadsItsOwnResources() throws Exception {
        ModuleLayer layer = layer();
        Class<?> catalog = layer.findLoader("dev.apimage.core").loadClass("dev.apimage.image.ApModelCatalog");
        Object defaults = catalog.getMethod("defaults").invoke(null);
        Object type = catalog.getMethod("imageTypeOf", String.class).invoke(defaults, "C9105AXI-B");
        assertEquals("Optional[ap1g8]", type.toString(), "the built-in catalog, read from inside the module");
    }

    @Test
    void onlyTheApiIsExportedAndTheHelpersOnlyToTheSdksModules() {
        ModuleLayer layer = layer();
        Module core = layer.findModule("dev.apimage.core").orElseThrow();
        assertEquals(Set.of("dev.apimage.cache", "dev.apimage.image", "dev.apimage.profile", "dev.apimage.staging",
                "dev.apimage.time", "dev.apimage.transfer", "dev.apimage.transfer.spi", "dev.apimage.upgrade"),
                core.getDescriptor().exports().stream().filter(e -> !e.isQualified()).map(e -> e.source()).collect(Collectors.toSet()));
        Module tftp = layer.findModule("dev.apimage.tftp").orElseThrow();
        Module simulator = layer.findModule("dev.apimage.simulator").orElseThrow();
        assertTrue(core.isExported("dev.apimage.internal", tftp), "the helpers reach the SDK's own modules");
        assertFalse(core.isExported("dev.apimage.internal"), "but nobody else");
        assertFalse(core.isExported("dev.apimage.upgrade.internal", simulator));
        Module capwap = layer.findModule("dev.apimage.capwap").orElseThrow();
        assertFalse(capwap.isExported("dev.apimage.capwap.internal"));
        assertTrue(capwap.isExported("dev.apimage.capwap.wire"));
        assertEquals(Set.of("dev.apimage.tftp"), tftp.getDescriptor().exports().stream().map(e -> e.source()).collect(Collectors.toSet()));
    }
}

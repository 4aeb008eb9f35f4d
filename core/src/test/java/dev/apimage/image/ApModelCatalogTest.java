package dev.apimage.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ApModelCatalogTest {

    private final ApModelCatalog catalog = ApModelCatalog.defaults();

    @ParameterizedTest
    @CsvSource({
        "C9105AXI, ap1g8", "C9105AXI-B, ap1g8", "C9105AXW-E, ap1g8",
        "C9120AXI, ap1g7", "C9120AXI-E, ap1g7", "C9115AXI-B, ap1g7",
        "AIR-AP3802I-E-K9, ap3g3", "AIR-AP2802E-B-K9, ap3g3",
        "AIR-AP1852I-E-K9, ap1g4", "AIR-AP1562E-E-K9, ap1g5",
        "C9130AXI-B, ap1g6a", "c9124axi-b, ap1g6a"})
    void mapsFieldModelsToImageTypes(String model, String type) {
        assertEquals(Optional.of(ImageType.of(type)), catalog.imageTypeOf(model));
    }

    @Test
    void unknownModelHasNoImageType() {
        assertEquals(Optional.empty(), catalog.imageTypeOf("AIR-CAP702I-E-K9"));
        assertEquals(Optional.empty(), catalog.imageTypeOf(""));
        assertEquals(Optional.empty(), catalog.imageTypeOf(null));
    }

    @Test
    void classPathExtensionAddsAndOverridesEntries() {
        // src/test/resources/META-INF/apimage/ap-models.properties
        assertEquals(Optional.of(ImageType.AP1G8), catalog.imageTypeOf("TEST-AP9"));
        assertEquals(Optional.of(ImageType.AP1G6), catalog.imageTypeOf("C9117AXI-B"));
    }

    @Test
    void fileOverlayOverridesWithoutCode(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("models.properties");
        Files.writeString(f, "# lab\nC9105AX=ap9g9\nC9999AX=ap1g7\n");
        ApModelCatalog c = catalog.withEntriesFrom(f);
        assertEquals(Optional.of(ImageType.of("ap9g9")), c.imageTypeOf("C9105AXI"));
        assertEquals(Optional.of(ImageType.AP1G7), c.imageTypeOf("C9999AXI"));
        assertEquals(Optional.of(ImageType.AP1G8), catalog.imageTypeOf("C9105AXI"), "original unchanged");
    }

    @Test
    void invalidOverlayEntryIsNamed(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("models.properties");
        Files.writeString(f, "C9105AX=AP 1G8\n");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> catalog.withEntriesFrom(f));
        assertTrue(e.getMessage().contains("C9105AX"), e.getMessage());
    }

    @Test
    void longestPrefixWins() {
        ApModelCatalog c = ApModelCatalog.of(Map.of("C91", ImageType.AP1G4, "C9105", ImageType.AP1G8));
        assertEquals(Optional.of(ImageType.AP1G8), c.imageTypeOf("C9105AXI"));
        assertEquals(Optional.of(ImageType.AP1G4), c.imageTypeOf("C9120AXI"));
    }

    @Test
    void imageTypeNamesAreValidated() {
        assertEquals("ap1g6a", ImageType.of("ap1g6a").name());
        for (String bad : new String[] {"", "a", "AP1G8", "ap1g8/", "../ap1g8", "ap 1g8", "1ap"}) {
            assertThrows(IllegalArgumentException.class, () -> ImageType.of(bad), bad);
        }
        assertTrue(catalog.imageTypes().contains(ImageType.AP3G3));
    }
}

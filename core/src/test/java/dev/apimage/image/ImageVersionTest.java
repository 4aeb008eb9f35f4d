package dev.apimage.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;

import dev.apimage.testing.CoreGenerators;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ImageVersionTest {

    @ParameterizedTest
    @ValueSource(strings = {"17.9.4.27", "17.12.1.5", "8.10.130.0", "17.09.04a.0.6", "17.3.3.26"})
    void parsesEveryFormOfTheFieldDocument(String text) {
        ImageVersion v = ImageVersion.parse(text);
        assertEquals(text, v.toString());
        assertEquals(text.split("\\.").length, v.componentCount());
    }

    @Test
    void readsVersionInfoWithTrailingNewline() {
        assertEquals("17.9.4.27", ImageVersion.parse("17.9.4.27\n").toString());
    }

    @Test
    void ordersNumericallyNotAlphabetically() {
        List<ImageVersion> sorted = new ArrayList<>(List.of(
                ImageVersion.parse("17.12.1.5"), ImageVersion.parse("8.10.130.0"),
                ImageVersion.parse("17.9.4.27"), ImageVersion.parse("17.3.3.26")));
        Collections.sort(sorted);
        assertEquals(List.of("8.10.130.0", "17.3.3.26", "17.9.4.27", "17.12.1.5"),
                sorted.stream().map(ImageVersion::toString).toList());
    }

    @Test
    void letterSuffixOrdersAfterThePlainNumber() {
        assertTrue(ImageVersion.parse("17.09.04.0.6").compareTo(ImageVersion.parse("17.09.04a.0.6")) < 0);
        assertTrue(ImageVersion.parse("17.09.04a.0.6").compareTo(ImageVersion.parse("17.09.04b.0.6")) < 0);
        assertTrue(ImageVersion.parse("17.9.4").compareTo(ImageVersion.parse("17.9.4.0")) < 0);
    }

    @Test
    void equalityDecidesVersionDoesNotMatch() {
        ImageVersion ap = ImageVersion.parse("17.3.3.26");
        ImageVersion controller = ImageVersion.parse("17.9.4.27");
        assertTrue(ap.differsFrom(controller));
        assertFalse(controller.differsFrom(ImageVersion.parse("17.9.4.27")));
        // Leading zeros do not make a different version.
        assertEquals(ImageVersion.parse("17.09.04a.0.6"), ImageVersion.parse("17.9.4a.0.6"));
        assertEquals(ImageVersion.parse("17.09.04a.0.6").hashCode(), ImageVersion.parse("17.9.4a.0.6").hashCode());
        assertNotEquals(ImageVersion.parse("17.9.4"), ImageVersion.parse("17.9.4.0"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", " ", "17", "17.", ".17", "17..9", "17.9.x", "17.9.4-27", "17.9.4.27a1", "v17.9",
            "1234567890.1", "17.9.4.27 beta", "17.A.3"})
    void rejectsWhatIsNotAVersion(String text) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ImageVersion.parse(text));
        assertFalse(e.getMessage().isBlank());
    }

    @Test
    void formatIsTheInverseOfParse() {
        qt().withFixedSeed(0x17_09_04L).forAll(CoreGenerators.versionTexts()).checkAssert(text -> {
            ImageVersion v = ImageVersion.parse(text);
            assertEquals(text, v.toString());
            assertEquals(v, ImageVersion.parse(v.toString()));
            assertEquals(0, v.compareTo(ImageVersion.parse(v.toString())));
        });
    }

    @Test
    void orderIsTotalAndAgreesWithEquals() {
        qt().withFixedSeed(42).withExamples(2000)
                .forAll(CoreGenerators.versionTexts(), CoreGenerators.versionTexts(), CoreGenerators.versionTexts())
                .checkAssert((ta, tb, tc) -> {
                    ImageVersion a = ImageVersion.parse(ta);
                    ImageVersion b = ImageVersion.parse(tb);
                    ImageVersion c = ImageVersion.parse(tc);
                    assertEquals(Integer.signum(a.compareTo(b)), -Integer.signum(b.compareTo(a)), "antisymmetric");
                    assertEquals(a.compareTo(b) == 0, a.equals(b), "consistent with equals");
                    if (a.compareTo(b) <= 0 && b.compareTo(c) <= 0) {
                        assertTrue(a.compareTo(c) <= 0, "transitive");
                    }
                    if (a.equals(b)) {
                        assertEquals(a.hashCode(), b.hashCode());
                    }
                });
    }
}

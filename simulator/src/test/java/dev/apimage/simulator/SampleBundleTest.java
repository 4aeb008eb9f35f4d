package dev.apimage.simulator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.apimage.image.BundleFinding.Severity;
import dev.apimage.image.BundleFinding;
import dev.apimage.image.BundleImage;
import dev.apimage.image.ImageBundle;
import dev.apimage.image.ImageDigests;
import dev.apimage.image.ImageType;
import dev.apimage.image.ImageVersion;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SampleBundleTest {

    @Test
    void opensAFieldSizedBundleMadeOfSparseFiles(@TempDir Path dir) throws IOException {
        SampleBundle.write(dir, 1, true);
        ImageBundle bundle = ImageBundle.open(dir);
        assertEquals(Optional.of(ImageVersion.parse("17.9.4.27")), bundle.apVersion());
        assertEquals(Optional.of(ImageVersion.parse("17.09.04a.0.6")), bundle.controllerVersion());
        assertEquals(10, Files.size(dir.resolve("version.info")), "as in the field listing");
        assertEquals(13, Files.size(dir.resolve("controller_version.info")), "as in the field listing");
        assertEquals(SampleBundle.FIELD_SIZES.keySet(), bundle.images().keySet());
        for (Map.Entry<ImageType, Long> e : SampleBundle.FIELD_SIZES.entrySet()) {
            assertEquals(e.getValue(), bundle.image(e.getKey()).orElseThrow().size(), e.getKey().name());
        }
        assertEquals(70_512_640L, bundle.image(ImageType.AP1G8).orElseThrow().size());
        assertEquals(Optional.of(dir.resolve("C9800-AP-iosxe-wlc.bin")), bundle.controllerImage());
        assertEquals(301_257_756L, Files.size(bundle.controllerImage().orElseThrow()));
        assertEquals(List.of(), bundle.validate());
        assertTrue(bundle.isValid());
    }

    @Test
    void digestsAreStreamedAndMatchAWholeFileDigest(@TempDir Path dir) throws Exception {
        SampleBundle.write(dir, 997, false);
        BundleImage image = ImageBundle.open(dir).image(ImageType.AP3G3).orElseThrow();
        byte[] bytes = Files.readAllBytes(image.file());
        HexFormat hex = HexFormat.of();
        assertEquals(hex.formatHex(MessageDigest.getInstance("SHA-256").digest(bytes)), image.digests().sha256());
        assertEquals(hex.formatHex(MessageDigest.getInstance("MD5").digest(bytes)), image.digests().md5());
        assertTrue(image.digests() == image.digests(), "computed once");
    }

    @Test
    void digestOfTheFieldSizedAp1g8(@TempDir Path dir) throws IOException {
        SampleBundle.writeImage(dir.resolve("ap1g8"), 70_512_640L, true, 0);
        // Sparse: 70,512,640 zero bytes, digested through a 1 MiB window.
        ImageDigests d = ImageDigests.of(dir.resolve("ap1g8"));
        assertEquals(64, d.sha256().length());
        assertEquals(16, d.md5Bytes().length);
    }

    @Test
    void validateListsEveryProblemInPlainWords(@TempDir Path dir) throws IOException {
        SampleBundle.write(dir, 1000, false);
        Files.delete(dir.resolve("version.info"));
        Files.write(dir.resolve("ap1g5"), new byte[0]);
        Files.writeString(dir.resolve("controller_version.info"), "seventeen");
        Files.writeString(dir.resolve("notes.docx"), "x");
        Files.createDirectory(dir.resolve("old"));
        ImageBundle bundle = ImageBundle.open(dir);
        List<BundleFinding> findings = bundle.validate();
        assertFalse(bundle.isValid());
        assertTrue(findings.contains(new BundleFinding(Severity.ERROR, "version.info",
                "missing version.info: the AP image version is unknown")), findings.toString());
        assertTrue(findings.contains(new BundleFinding(Severity.ERROR, "ap1g5", "empty image (0 bytes)")), findings.toString());
        assertTrue(findings.stream().anyMatch(f -> f.file().equals("controller_version.info")
                && f.severity() == Severity.ERROR && f.message().startsWith("does not hold a version")), findings.toString());
        assertTrue(findings.contains(new BundleFinding(Severity.WARNING, "notes.docx",
                "unknown file name: neither an AP image type nor a bundle file")), findings.toString());
        assertTrue(findings.contains(new BundleFinding(Severity.WARNING, "old", "unexpected directory in the bundle")));
        assertEquals(Severity.ERROR, findings.get(0).severity(), "errors first");
        assertEquals(Optional.empty(), bundle.apVersion());
    }

    @Test
    void anEmptyDirectoryIsNoBundle(@TempDir Path dir) throws IOException {
        List<BundleFinding> findings = ImageBundle.open(dir).validate();
        assertTrue(findings.contains(new BundleFinding(Severity.ERROR, "", "no AP image in the bundle")));
    }

    @Test
    void unreadableImageIsReported(@TempDir Path dir) throws IOException {
        SampleBundle.write(dir, 1000, false);
        Path image = dir.resolve("ap1g7");
        // Root reads through permissions; a directory where the image should be is read-proof for anyone,
        // but counts as a directory. So take the image away between open and validate instead.
        ImageBundle bundle = ImageBundle.open(dir);
        Files.delete(image);
        assertTrue(bundle.validate().contains(new BundleFinding(Severity.ERROR, "ap1g7", "unreadable file")));
    }

    @Test
    void imageTypeUnknownToTheCatalogIsAWarning(@TempDir Path dir) throws IOException {
        SampleBundle.write(dir, 1000, false);
        Files.writeString(dir.resolve("ap2g9"), "future");
        ImageBundle bundle = ImageBundle.open(dir);
        assertTrue(bundle.images().containsKey(ImageType.of("ap2g9")));
        assertTrue(bundle.isValid());
        assertTrue(bundle.validate().stream().anyMatch(f -> f.file().equals("ap2g9") && f.severity() == Severity.WARNING));
    }
}

package dev.apimage.profile;

import dev.apimage.transfer.Secret;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;

import dev.apimage.image.ImageType;
import dev.apimage.testing.CoreGenerators;
import java.net.URI;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ImageDownloadProfileTest {

    private static final String FIELD_TFTP = """
            wireless profile image-download default
             image-download-mode tftp
             tftp-image-server 172.16.5.27
             tftp-image-path /EWC/17_9_4a
            """;

    private static final String FIELD_SFTP = """
            wireless profile image-download default
             image-download-mode sftp
             sftp-image-server 172.16.5.62
             sftp-image-path /Documents/sftp_files/EWC_17_9_4a
             sftp-username calo
             sftp-password 0 Cisco123!
            """;

    @Test
    void parsesAndRendersTheFieldTftpBlockExactly() throws ProfileParseException {
        ImageDownloadProfile p = ImageDownloadProfile.parseCli(FIELD_TFTP);
        assertEquals(DownloadMode.TFTP, p.mode());
        assertEquals(Optional.of(ImageServer.of("172.16.5.27")), p.server());
        assertEquals(Optional.of("/EWC/17_9_4a"), p.imagePath());
        assertFalse(p.parallelMode());
        assertEquals(FIELD_TFTP, p.renderCli());
        assertEquals(URI.create("tftp://172.16.5.27/EWC/17_9_4a/ap1g8"), p.imageUri(ImageType.AP1G8));
        assertEquals("tftp://172.16.5.27/EWC/17_9_4a/ap1g8", p.redactedImageUri(ImageType.AP1G8));
    }

    @Test
    void parsesTheFieldSftpBlockAndMasksTheUser() throws ProfileParseException {
        ImageDownloadProfile p = ImageDownloadProfile.parseCli(FIELD_SFTP);
        assertEquals(DownloadMode.SFTP, p.mode());
        assertEquals(Optional.of("calo"), p.username());
        assertEquals(Optional.of(Secret.of("Cisco123!")), p.password());
        assertEquals(FIELD_SFTP, p.renderCliWithSecrets());
        assertEquals(FIELD_SFTP.replace("Cisco123!", "*****"), p.renderCli());
        assertEquals(URI.create("sftp://calo@172.16.5.62/Documents/sftp_files/EWC_17_9_4a/ap3g3"),
                p.imageUri(ImageType.AP3G3));
        assertEquals("sftp://*****@172.16.5.62/Documents/sftp_files/EWC_17_9_4a/ap3g3",
                p.redactedImageUri(ImageType.AP3G3));
    }

    @Test
    void acceptsTheBlockAsTypedAtTheControllerPrompt() throws ProfileParseException {
        String session = """
                9120-EWC(config)#wireless profile image-download default
                9120-EWC(config-wireless-image-download-profile)#image-download-mode sftp
                9120-EWC(config-wireless-image-download-profile-sftp)#sftp-image-server 172.16.5.62
                9120-EWC(config-wireless-image-download-profile-sftp)#sftp-image-path /Documents/sftp_files/EWC_17_9_4a
                9120-EWC(config-wireless-image-download-profile-sftp)#sftp-username calo
                9120-EWC(config-wireless-image-download-profile-sftp)#sftp-password 0 Cisco123!
                9120-EWC(config-wireless-image-download-profile-sftp)#end
                """;
        assertEquals(ImageDownloadProfile.parseCli(FIELD_SFTP), ImageDownloadProfile.parseCli(session));
    }

    @Test
    void serverWithPortAndIpv6FormProperUris() throws ProfileParseException {
        ImageDownloadProfile p = ImageDownloadProfile.parseCli(FIELD_TFTP.replace("172.16.5.27", "[::1]:6969"));
        assertEquals(URI.create("tftp://[::1]:6969/EWC/17_9_4a/ap1g7"), p.imageUri(ImageType.AP1G7));
        ImageDownloadProfile q = ImageDownloadProfile.parseCli(FIELD_TFTP.replace("172.16.5.27", "2001:db8::5"));
        assertEquals("tftp://[2001:db8::5]/EWC/17_9_4a/ap1g7", q.redactedImageUri(ImageType.AP1G7));
    }

    @Test
    void pathWithSpacesIsEncodedInTheUriAndShownPlainInLogs() {
        ImageDownloadProfile p = ImageDownloadProfile.builder().mode(DownloadMode.TFTP).server("127.0.0.1")
                .imagePath("/AP images/17 9").build();
        assertEquals("/AP%20images/17%209/ap1g8", p.imageUri(ImageType.AP1G8).getRawPath());
        assertEquals("tftp://127.0.0.1/AP images/17 9/ap1g8", p.redactedImageUri(ImageType.AP1G8));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "image-download-mode tftp|1|expected 'wireless profile image-download default'",
        "wireless profile image-download default\\n image-download-mode ftp|2|unknown image-download-mode 'ftp'",
        "wireless profile image-download default\\n image-download-mode tftp\\n tftp-image-server 300.1.1.1\\n tftp-image-path /x|3|not a host name",
        "wireless profile image-download default\\n image-download-mode tftp\\n tftp-image-server 10.0.0.1\\n tftp-image-path /x\\n sftp-username calo|5|does not apply to image-download-mode tftp",
        "wireless profile image-download default\\n image-download-mode tftp\\n bogus 1|3|unknown command 'bogus'",
        "wireless profile image-download default\\n image-download-mode tftp\\n image-download-mode sftp|3|given twice (first on line 2)",
        "wireless profile image-download default\\n image-download-mode sftp\\n sftp-password 8 abcdef|3|encryption type 8",
        "wireless profile image-download default\\n image-download-mode sftp\\n sftp-password 0 *****|3|masked",
        "wireless profile image-download default\\n image-download-mode tftp\\n tftp-image-server|3|needs a value",
        "wireless profile image-download default\\n image-download-mode tftp\\n tftp-image-server 10.0.0.1|0|needs 'tftp-image-path'",
        "wireless profile image-download default|0|missing 'image-download-mode'",
    })
    void badInputGetsALineNumberedError(String text, int line, String expected) {
        ProfileParseException e = assertThrows(ProfileParseException.class,
                () -> ImageDownloadProfile.parseCli(text.replace("\\n", "\n")));
        assertEquals(line, e.line(), e.getMessage());
        assertTrue(e.getMessage().contains(expected), e.getMessage());
        if (line > 0) {
            assertTrue(e.getMessage().startsWith("line " + line + ": "), e.getMessage());
        }
    }

    @Test
    void builderRefusesValuesThatDoNotFitTheMode() {
        assertThrows(IllegalStateException.class, () -> ImageDownloadProfile.builder().mode(DownloadMode.SFTP)
                .server("10.0.0.1").imagePath("/x").username("calo").build());
        assertThrows(IllegalStateException.class, () -> ImageDownloadProfile.builder().mode(DownloadMode.CCO)
                .server("10.0.0.1").build());
        assertThrows(IllegalStateException.class, () -> ImageDownloadProfile.builder().mode(DownloadMode.HTTP).build()
                .imageUri(ImageType.AP1G8));
        assertThrows(IllegalArgumentException.class, () -> ImageDownloadProfile.builder().password(Secret.of(" pw")));
        assertThrows(IllegalArgumentException.class, () -> ImageDownloadProfile.builder().password(Secret.of("a\nb")));
    }

    @Test
    void parallelModeAndOtherModesRoundTrip() throws ProfileParseException {
        for (DownloadMode m : new DownloadMode[] {DownloadMode.HTTP, DownloadMode.CCO}) {
            ImageDownloadProfile p = ImageDownloadProfile.builder().mode(m).parallelMode(true).build();
            assertEquals(p, ImageDownloadProfile.parseCli(p.renderCli()));
            assertTrue(p.renderCli().contains(" parallel-mode\n"));
        }
    }

    @Test
    void parseIsTheInverseOfRender() {
        qt().withFixedSeed(1727).withExamples(500).forAll(CoreGenerators.profiles()).checkAssert(p -> {
            try {
                ImageDownloadProfile back = ImageDownloadProfile.parseCli(p.renderCliWithSecrets());
                assertEquals(p, back);
                assertEquals(p.renderCliWithSecrets(), back.renderCliWithSecrets());
            } catch (ProfileParseException e) {
                throw new AssertionError(p.renderCli() + " -> " + e.getMessage(), e);
            }
        });
    }

    @Test
    void noRenderingOrErrorRevealsThePassword() {
        qt().withFixedSeed(99).withExamples(400)
                .forAll(CoreGenerators.passwords(), CoreGenerators.imageTypes())
                .checkAssert((pw, type) -> {
                    ImageDownloadProfile p = ImageDownloadProfile.builder().mode(DownloadMode.SFTP)
                            .server("172.16.5.62").imagePath("/Documents/Wrong-Path").username("calo")
                            .password(Secret.of(pw)).build();
                    assertHidden(pw, p.toString());
                    assertHidden(pw, p.renderCli());
                    assertHidden(pw, p.redactedImageUri(type));
                    assertHidden(pw, p.password().orElseThrow().toString());
                    assertHidden(pw, p.toBuilder().build().toString());
                    // A bad line after the password: the error names the line, never the password.
                    String broken = p.renderCliWithSecrets() + " sftp-password 0 " + pw + "\n";
                    ProfileParseException e = assertThrows(ProfileParseException.class,
                            () -> ImageDownloadProfile.parseCli(broken));
                    assertHidden(pw, e.getMessage());
                    String badType = p.renderCliWithSecrets().replace("sftp-password 0 ", "sftp-password 5 ");
                    assertHidden(pw, assertThrows(ProfileParseException.class,
                            () -> ImageDownloadProfile.parseCli(badType)).getMessage());
                });
    }

    static void assertHidden(String secret, String text) {
        assertFalse(text.contains(secret), () -> "secret leaked into: " + text);
    }
}

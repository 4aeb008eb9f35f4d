package dev.apimage.capwap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.apimage.transfer.Secret;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Key files of DTLS PSK mode: both forms read, malformed lines named by number, keys never shown. */
class PskKeysTest {

    private static final String KEY = "00112233445566778899aabbccddeeff";

    @TempDir
    Path dir;

    @Test
    void aFileOfOneKeyIsSharedAndAFileOfIdentitiesIsPerIdentity() throws Exception {
        Path shared = Files.writeString(dir.resolve("shared.psk"), "# the lab's key\n" + KEY + "\n");
        PskKeys s = PskKeys.read(shared);
        assertTrue(s.isShared());
        assertEquals(Optional.of(Secret.of(KEY)), s.keyFor("any AP"));

        Path each = Files.writeString(dir.resolve("each.psk"), "AP-1 = " + KEY + "\n\nAP-2=ffeeddccbbaa99887766554433221100\n");
        PskKeys e = PskKeys.read(each);
        assertFalse(e.isShared());
        assertEquals(Optional.of(Secret.of(KEY)), e.keyFor("AP-1"));
        assertEquals(Optional.empty(), e.keyFor("AP-3"));
        assertEquals("PskKeys[2 identities]", e.toString());
        assertEquals(0x11, PskKeys.bytes(Secret.of(KEY))[1]);
    }

    @Test
    void badFilesSayWhichLineAndNeverShowAKey() throws Exception {
        String secretish = "zz112233445566778899aabbccddeeff";
        for (String content : new String[] {"AP-1 = " + secretish + "\n", "AP-1 = 0011\n", KEY + "\nAP-2 = " + KEY + "\n", "# none\n",
            "AP-1 = " + KEY + "\nAP-1 = " + KEY + "\n", " = " + KEY + "\n"}) {
            Path f = Files.writeString(dir.resolve("bad.psk"), content);
            IllegalArgumentException x = assertThrows(IllegalArgumentException.class, () -> PskKeys.read(f), content);
            assertFalse(x.getMessage().contains(secretish) || x.getMessage().contains(KEY), x.getMessage());
            assertTrue(x.getMessage().startsWith("bad.psk"), x.getMessage());
        }
    }

    @Test
    void settingsNeverShowTheKey() {
        DtlsSettings ap = DtlsSettings.pskIdentity("AP-1", Secret.of(KEY));
        DtlsSettings ac = DtlsSettings.psk(PskKeys.of(Map.of("AP-1", Secret.of(KEY))));
        assertFalse(ap.toString().contains(KEY), ap.toString());
        assertFalse(ac.toString().contains(KEY), ac.toString());
        assertThrows(IllegalArgumentException.class, () -> DtlsSettings.pskIdentity("AP-1", Secret.of("0011")));
        assertThrows(IllegalArgumentException.class, () -> ac.limits(java.time.Duration.ZERO, 1, 1, java.time.Duration.ofSeconds(1)));
    }
}

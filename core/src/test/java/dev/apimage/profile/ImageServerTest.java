package dev.apimage.profile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.quicktheories.QuickTheory.qt;

import dev.apimage.testing.CoreGenerators;
import java.util.OptionalInt;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class ImageServerTest {

    @ParameterizedTest
    @CsvSource({
        "172.16.5.27, 172.16.5.27, -1",
        "172.16.5.27:6969, 172.16.5.27, 6969",
        "tftp.example.net, tftp.example.net, -1",
        "tftp.example.net:69, tftp.example.net, 69",
        "2001:db8::5, 2001:db8::5, -1",
        "[2001:db8::5], 2001:db8::5, -1",
        "[::1]:6969, ::1, 6969",
        "::ffff:172.16.5.27, ::ffff:172.16.5.27, -1",
    })
    void parsesEveryForm(String text, String host, int port) {
        ImageServer s = ImageServer.parse(text);
        assertEquals(host, s.host());
        assertEquals(port < 0 ? OptionalInt.empty() : OptionalInt.of(port), s.port());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "300.1.1.1", "172.16.5", "1.2.3.4:0", "1.2.3.4:70000", "host name", "[::1", "[::1]x",
            "a..b", "-host", "1:2:3", "12345::1::2", "host:port", "172.16.5.27/24"})
    void rejectsWhatIsNotAServer(String text) {
        assertThrows(IllegalArgumentException.class, () -> ImageServer.parse(text));
    }

    @Test
    void textFormRoundTrips() {
        qt().withFixedSeed(7).forAll(CoreGenerators.servers())
                .checkAssert(s -> assertEquals(s, ImageServer.parse(s.toString())));
    }
}

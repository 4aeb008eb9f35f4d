package dev.apimage.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;

import dev.apimage.image.BundleException;
import dev.apimage.testing.CoreGenerators;
import dev.apimage.transfer.FailureReason;
import dev.apimage.transfer.TransferException;
import org.junit.jupiter.api.Test;

/** Peer text never reaches a log line, a terminal or an exception message with a character that could forge or paint. */
class LogTextTest {

    @Test
    void printableTextHasNoControlFormatOrSeparatorCharacter() {
        qt().withExamples(2000).forAll(CoreGenerators.peerText()).checkAssert(s -> {
            String p = LogText.printable(s, 64);
            assertEquals(-1, CoreGenerators.firstUnsafe(p), () -> "unsafe char in " + hex(p));
            assertTrue(p.length() <= 67, p);
        });
    }

    @Test
    void exceptionsCarryingPeerTextAreEscaped() {
        qt().withExamples(1000).forAll(CoreGenerators.peerText(), CoreGenerators.peerText()).checkAssert((detail, uri) -> {
            TransferException e = new TransferException(FailureReason.PROTOCOL_ERROR, "tftp://127.0.0.1/" + uri, "server said: " + detail, null);
            assertEquals(-1, CoreGenerators.firstUnsafe(e.getMessage()), () -> hex(e.getMessage()));
            assertEquals(-1, CoreGenerators.firstUnsafe(e.redactedUri()), () -> hex(e.redactedUri()));
            BundleException b = new BundleException("archive entry " + detail);
            assertEquals(-1, CoreGenerators.firstUnsafe(b.getMessage()), () -> hex(b.getMessage()));
        });
    }

    @Test
    void plainTextIsKept() {
        assertEquals("AP image version 17.3.3.26 backup 8.10.130.0, Zoë's ap1g8 \uD83D\uDCE1",
                LogText.printable("AP image version 17.3.3.26 backup 8.10.130.0, Zoë's ap1g8 \uD83D\uDCE1", 200));
        assertEquals("ap1g8?INFO fake", LogText.printable("ap1g8\nINFO fake", 200));
        assertEquals("??31m", LogText.printable("\u001b\u009b31m", 200));
        assertEquals("?evil?", LogText.printable("\u202eevil\u202c", 200));
    }

    private static String hex(String s) {
        StringBuilder b = new StringBuilder();
        s.codePoints().forEach(cp -> b.append(String.format("U+%04X ", cp)));
        return s + " = " + b;
    }
}

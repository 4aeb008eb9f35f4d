package dev.apimage.capwap.wire;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

class CapwapHeaderTest {

    @Test
    void writesTheRfc5415BitsForAnIeee80211ControlHeader() throws CapwapDecodeException {
        ByteBuf b = Unpooled.buffer();
        CapwapHeader.write(b, 0, CapwapHeader.WBID_IEEE_80211);
        // Preamble 0x00, HLEN 2 (5 bits), RID 0 (5 bits), WBID 1 (5 bits), no flags; fragment fields 0.
        assertArrayEquals(new byte[] {0x00, 0x10, 0x02, 0x00, 0, 0, 0, 0}, ByteBufUtil.getBytes(b));
        CapwapHeader h = new CapwapHeader().wrap(b, 0).validate(b.writerIndex());
        assertEquals(8, h.headerLength());
        assertEquals(0, h.radioId());
        assertEquals(1, h.wirelessBindingId());
        assertFalse(h.fragment() || h.lastFragment() || h.radioMacPresent() || h.wirelessInfoPresent() || h.keepAlive()
                || h.nativeFormat());
        b.release();
    }

    @Test
    void decodesFlagsFragmentsAndOptionalFieldsByHlen() throws CapwapDecodeException {
        // HLEN 4 (radio MAC present: 8 more bytes), RID 3, WBID 1, F L M set, fragment id 0x1234, offset 5.
        int word = (4 << 19) | (3 << 14) | (1 << 9) | (1 << 7) | (1 << 6) | (1 << 4);
        ByteBuf b = Unpooled.buffer().writeInt(word).writeShort(0x1234).writeShort(5 << 3)
                .writeBytes(new byte[] {6, 0x00, 0x1a, 0x2b, 0x3c, 0x4d, 0x5e, 0});
        CapwapHeader h = new CapwapHeader().wrap(b, 0).validate(b.writerIndex());
        assertEquals(16, h.headerLength());
        assertEquals(3, h.radioId());
        assertTrue(h.fragment() && h.lastFragment() && h.radioMacPresent());
        assertEquals(0x1234, h.fragmentId());
        assertEquals(5, h.fragmentOffset());
        b.release();
    }

    @Test
    void rejectsWhatIsNotACleartextCapwapHeaderNamingFieldAndOffset() {
        assertEquals("CAPWAP header at offset 0: needs 8 bytes, datagram has 3",
                assertThrows(CapwapDecodeException.class, () -> decode(new byte[] {0, 0x10, 2})).getMessage());
        assertEquals("preamble type at offset 0: is 1 (DTLS), expected 0 (cleartext)",
                assertThrows(CapwapDecodeException.class, () -> decode(new byte[] {1, 0x10, 2, 0, 0, 0, 0, 0})).getMessage());
        assertTrue(assertThrows(CapwapDecodeException.class, () -> decode(new byte[] {0x10, 0x10, 2, 0, 0, 0, 0, 0}))
                .getMessage().startsWith("preamble version"));
        assertTrue(assertThrows(CapwapDecodeException.class, () -> decode(new byte[] {0, 0x08, 2, 0, 0, 0, 0, 0}))
                .getMessage().startsWith("HLEN at offset 1: is 1 words"));
        assertTrue(assertThrows(CapwapDecodeException.class, () -> decode(new byte[] {0, 0x20, 2, 0, 0, 0, 0, 0}))
                .getMessage().startsWith("HLEN at offset 1: says 16 bytes"));
    }

    private static void decode(byte[] bytes) throws CapwapDecodeException {
        ByteBuf b = Unpooled.wrappedBuffer(bytes);
        new CapwapHeader().wrap(b, 0).validate(b.writerIndex());
    }

    @Test
    void arbitraryBytesNeverThrowAnythingButTheDecodeError() {
        qt().withFixedSeed(5415).withExamples(2000).forAll(lists().of(integers().between(0, 255)).ofSizeBetween(0, 40))
                .checkAssert(list -> {
                    byte[] bytes = new byte[list.size()];
                    for (int i = 0; i < bytes.length; i++) {
                        bytes[i] = (byte) (int) list.get(i);
                    }
                    try {
                        decode(bytes);
                        assertTrue(bytes.length >= 8 && (bytes[0] == 0));
                    } catch (CapwapDecodeException expected) {
                        assertTrue(expected.offset() >= 0 && expected.offset() <= 1);
                    }
                });
    }
}

package dev.apimage.capwap.wire;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;
import static org.quicktheories.generators.SourceDSL.longs;
import static org.quicktheories.generators.SourceDSL.strings;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;

class CapwapMessageTest {

    private final CapwapMessageWriter writer = new CapwapMessageWriter();
    private final CapwapMessage message = new CapwapMessage();

    private static Gen<byte[]> bytes(int min, int max) {
        return lists().of(integers().between(0, 255)).ofSizeBetween(min, max).map(CapwapMessageTest::toBytes);
    }

    private static byte[] toBytes(List<Integer> list) {
        byte[] b = new byte[list.size()];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) (int) list.get(i);
        }
        return b;
    }

    private CapwapMessage decode(ByteBuf b) throws CapwapDecodeException {
        return message.wrap(b, b.readerIndex(), b.writerIndex());
    }

    @Test
    void imageDataRequestFromTheControllerRoundTripsEveryDataTypeAndLength() {
        qt().withFixedSeed(15).withExamples(300)
                .forAll(integers().between(0, 255), integers().from(0).upToAndIncluding(2).map(i -> new int[] {1, 2, 5}[i]),
                        bytes(0, 1024))
                .checkAssert((seq, dataType, data) -> {
                    ByteBuf b = Unpooled.buffer();
                    ByteBuf src = Unpooled.wrappedBuffer(data);
                    int len = writer.begin(b, CapwapMessage.IMAGE_DATA_REQUEST, seq)
                            .imageData(dataType, src, 0, data.length).finish();
                    assertEquals(b.readableBytes(), len);
                    assertEquals(8 + 8 + 4 + 1 + data.length, len);
                    try {
                        CapwapMessage m = decode(b);
                        assertEquals(CapwapMessage.IMAGE_DATA_REQUEST, m.messageType());
                        assertTrue(m.isRequest());
                        assertEquals(seq, m.sequenceNumber());
                        assertTrue(m.hasImageData());
                        assertFalse(m.hasResultCode() || m.hasImageIdentifier() || m.hasImageInformation() || m.hasInitiateDownload());
                        assertEquals(dataType, m.imageDataType());
                        assertEquals(data.length, m.imageDataLength());
                        byte[] back = new byte[data.length];
                        b.getBytes(m.imageDataIndex(), back);
                        assertArrayEquals(data, back);
                        ByteBuffer view = m.imageDataView();
                        assertEquals(data.length, view.remaining());
                    } catch (CapwapDecodeException e) {
                        throw new AssertionError(e);
                    }
                });
    }

    @Test
    void imageDataRequestFromTheApRoundTripsIdentifierAndInitiateDownload() {
        qt().withFixedSeed(25).withExamples(300)
                .forAll(integers().between(0, 255), longs().between(0, 0xFFFF_FFFFL),
                        strings().betweenCodePoints(0x20, 0xD7FF).ofLengthBetween(1, 200))
                .checkAssert((seq, vendor, name) -> {
                    ByteBuf b = Unpooled.buffer();
                    writer.begin(b, CapwapMessage.IMAGE_DATA_REQUEST, seq).imageIdentifier(vendor, name).initiateDownload().finish();
                    try {
                        CapwapMessage m = decode(b);
                        assertEquals(seq, m.sequenceNumber());
                        assertEquals((long) vendor, m.imageVendorId());
                        assertEquals(name, m.imageName());
                        assertTrue(m.hasInitiateDownload());
                        assertFalse(m.hasImageData());
                    } catch (CapwapDecodeException e) {
                        throw new AssertionError(e);
                    }
                });
    }

    @Test
    void imageDataResponseRoundTripsResultCodeAndImageInformation() {
        qt().withFixedSeed(26).withExamples(300)
                .forAll(integers().between(0, 255), longs().between(0, 0xFFFF_FFFFL), longs().between(0, 0xFFFF_FFFFL),
                        bytes(16, 16))
                .checkAssert((seq, result, size, md5) -> {
                    ByteBuf b = Unpooled.buffer();
                    writer.begin(b, CapwapMessage.IMAGE_DATA_RESPONSE, seq).resultCode(result).imageInformation(size, md5).finish();
                    try {
                        CapwapMessage m = decode(b);
                        assertEquals(CapwapMessage.IMAGE_DATA_RESPONSE, m.messageType());
                        assertFalse(m.isRequest());
                        assertEquals(seq, m.sequenceNumber());
                        assertEquals((long) result, m.resultCode());
                        assertEquals((long) size, m.imageFileSize());
                        assertArrayEquals(md5, m.imageMd5(new byte[16]));
                    } catch (CapwapDecodeException e) {
                        throw new AssertionError(e);
                    }
                });
    }

    @Test
    void vendorSpecificPayloadsArePassedThroughAndUnknownElementsSkipped() {
        qt().withFixedSeed(37).withExamples(200)
                .forAll(longs().between(0, 0xFFFF_FFFFL), integers().between(0, 65535), bytes(0, 300), integers().between(38, 65535))
                .checkAssert((vendor, id, data, unknownType) -> {
                    ByteBuf b = Unpooled.buffer();
                    writer.begin(b, CapwapMessage.ECHO_REQUEST, 7)
                            .vendorSpecific(vendor, id, Unpooled.wrappedBuffer(data), 0, data.length);
                    b.writeShort(unknownType).writeShort(3).writeBytes(new byte[] {1, 2, 3});
                    writer.resultCode(ResultCode.SUCCESS).finish();
                    try {
                        CapwapMessage m = decode(b);
                        assertEquals(1, m.vendorSpecificCount());
                        assertEquals((long) vendor, m.vendorSpecificVendorId(0));
                        assertEquals((int) id, m.vendorSpecificElementId(0));
                        assertEquals(data.length, m.vendorSpecificDataLength(0));
                        byte[] back = new byte[data.length];
                        b.getBytes(m.vendorSpecificDataIndex(0), back);
                        assertArrayEquals(data, back);
                        assertEquals(1, m.unknownElements());
                        assertEquals(0, m.resultCode());
                    } catch (CapwapDecodeException e) {
                        throw new AssertionError(e);
                    }
                });
    }

    @Test
    void resetAndEchoMessagesCarryTheirElements() throws CapwapDecodeException {
        ByteBuf b = Unpooled.buffer();
        writer.begin(b, CapwapMessage.RESET_REQUEST, 3).imageIdentifier(14179, "ap1g8").finish();
        assertEquals("ap1g8", decode(b).imageName());
        assertEquals(14179, message.imageVendorId());
        b.clear();
        writer.begin(b, CapwapMessage.RESET_RESPONSE, 3).resultCode(ResultCode.RESET_FAILURE_UNABLE_TO_RESET).finish();
        assertEquals(10, decode(b).resultCode());
        b.clear();
        writer.begin(b, CapwapMessage.ECHO_REQUEST, 9).finish();
        assertEquals(16, b.readableBytes());
        assertEquals(CapwapMessage.ECHO_REQUEST, decode(b).messageType());
    }

    @Test
    void writesTheExactRfc5415BytesOfAnImageDataRequest() {
        ByteBuf b = Unpooled.buffer();
        writer.begin(b, CapwapMessage.IMAGE_DATA_REQUEST, 0x2a).imageIdentifier(14179, "ap1g8").initiateDownload().finish();
        String hex = ByteBufUtil.hexDump(b);
        assertEquals("0010020000000000" // header: preamble 0, HLEN 2, RID 0, WBID 1, no flags, no fragment
                + "0000000f" + "2a" + "0014" + "00" // type 15, seq 42, element length 3 + (4 + 9) + (4 + 0) = 20
                + "0019" + "0009" + "00003763" + "6170316738" // Image Identifier: vendor 14179, "ap1g8"
                + "001b" + "0000", hex); // Initiate Download, empty
    }

    @Test
    void aBlockCanTravelAsACompositeComponentWithoutBeingCopied() throws CapwapDecodeException {
        ByteBuf block = Unpooled.wrappedBuffer("firmware".getBytes(StandardCharsets.US_ASCII));
        ByteBuf head = Unpooled.buffer();
        int len = writer.begin(head, CapwapMessage.IMAGE_DATA_REQUEST, 1).imageDataHeader(CapwapMessage.DATA_TYPE_EOF, 8).finish();
        CompositeByteBuf datagram = Unpooled.compositeBuffer().addComponents(true, head, block);
        assertEquals(len, datagram.readableBytes());
        CapwapMessage m = decode(datagram);
        assertEquals(CapwapMessage.DATA_TYPE_EOF, m.imageDataType());
        assertEquals("firmware", datagram.toString(m.imageDataIndex(), m.imageDataLength(), StandardCharsets.US_ASCII));
        assertEquals("firmware", StandardCharsets.US_ASCII.decode(m.imageDataView()).toString());
        datagram.release();
    }

    @Test
    void malformedMessagesNameTheFieldAndOffset() {
        assertEquals("Msg Element Length at offset 13: says the message ends at 29, the datagram ends at 16",
                error(hex("0010020000000000" + "0000000f" + "01" + "0010" + "00")));
        assertEquals("Msg Element Length at offset 13: is 2, less than 3",
                error(hex("0010020000000000" + "0000000f" + "01" + "0002" + "00")));
        assertEquals("control header at offset 8: needs 8 bytes, 4 left", error(hex("0010020000000000" + "0000000f")));
        assertEquals("element 24 length at offset 18: is 9, only 2 bytes left",
                error(hex("0010020000000000" + "0000000f" + "01" + "0009" + "00" + "0018" + "0009" + "0101")));
        assertEquals("Image Data type at offset 20: is 3, expected 1, 2 or 5",
                error(hex("0010020000000000" + "0000000f" + "01" + "0008" + "00" + "0018" + "0001" + "03")));
        assertEquals("Image Information length at offset 18: is 4, expected 20",
                error(hex("0010020000000000" + "00000010" + "01" + "000b" + "00" + "001a" + "0004" + "00000000")));
        assertEquals("Result Code at offset 24: appears twice",
                error(hex("0010020000000000" + "00000010" + "01" + "0013" + "00" + "00210004" + "00000000" + "00210004" + "00000000")));
        assertEquals("message element header at offset 16: needs 4 bytes, 2 left",
                error(hex("0010020000000000" + "00000010" + "01" + "0005" + "00" + "0021")));
        assertEquals("Image Identifier length at offset 18: is 4, expected 5 to 1028",
                error(hex("0010020000000000" + "0000000f" + "01" + "000b" + "00" + "00190004" + "00003763")));
        assertEquals("F flag at offset 2: fragmented control messages are not supported",
                error(hex("0010028000000000" + "0000000f" + "01" + "0003" + "00")));
    }

    private static ByteBuf hex(String hex) {
        return Unpooled.wrappedBuffer(ByteBufUtil.decodeHexDump(hex));
    }

    private String error(ByteBuf b) {
        return assertThrows(CapwapDecodeException.class, () -> decode(b)).getMessage();
    }

    @Test
    void arbitraryBytesAndMutatedMessagesRaiseNothingButTheDecodeError() {
        qt().withFixedSeed(5415).withExamples(3000).forAll(bytes(0, 64)).checkAssert(bytes -> {
            try {
                decode(Unpooled.wrappedBuffer(bytes));
            } catch (CapwapDecodeException expected) {
                assertTrue(expected.offset() >= 0 && expected.offset() <= bytes.length);
            }
        });
        ByteBuf valid = Unpooled.buffer();
        writer.begin(valid, CapwapMessage.IMAGE_DATA_RESPONSE, 1).resultCode(0).imageInformation(70_512_640, new byte[16])
                .vendorSpecific(14179, 1, Unpooled.wrappedBuffer(new byte[] {1, 2}), 0, 2).finish();
        byte[] template = ByteBufUtil.getBytes(valid);
        qt().withFixedSeed(5416).withExamples(3000)
                .forAll(integers().between(0, template.length - 1), integers().between(0, 255), integers().between(0, template.length))
                .checkAssert((at, value, cut) -> {
                    byte[] mutated = template.clone();
                    mutated[at] = (byte) (int) value;
                    try {
                        decode(Unpooled.wrappedBuffer(mutated, 0, cut));
                        // Whatever decoded is internally consistent: reading the elements stays in bounds.
                        if (message.hasImageInformation()) {
                            message.imageMd5(new byte[16]);
                        }
                        for (int i = 0; i < message.vendorSpecificCount(); i++) {
                            assertTrue(message.vendorSpecificDataIndex(i) + message.vendorSpecificDataLength(i) <= cut);
                        }
                    } catch (CapwapDecodeException expected) {
                        assertTrue(expected.offset() >= 0 && expected.offset() <= cut);
                    }
                });
    }

    @Test
    void resultCodeTableHasEveryRfcValueWithItsName() {
        assertEquals(23, ResultCode.defined().length);
        for (ResultCode rc : ResultCode.defined()) {
            assertSame(rc, ResultCode.valueOf(rc.code()));
            assertTrue(rc.isDefined());
        }
        assertEquals("14 Image Data Error (Invalid Checksum)", ResultCode.describe(14));
        assertEquals("19 Message Unexpected (Unrecognized Request)", ResultCode.describe(19));
        assertEquals("23 (unknown)", ResultCode.describe(23));
        ResultCode unknown = ResultCode.valueOf(4_000_000_000L);
        assertEquals(4_000_000_000L, unknown.code(), "an unknown value is kept, not lost");
        assertFalse(unknown.isDefined() || unknown.isSuccess());
        assertEquals("Unknown", unknown.rfcName());
        assertEquals(ResultCode.valueOf(4_000_000_000L), unknown, "equal by value");
        assertEquals("4000000000 (unknown)", unknown.toString());
        assertTrue(ResultCode.SUCCESS.isSuccess() && ResultCode.SUCCESS_NAT_DETECTED.isSuccess());
        assertFalse(ResultCode.IMAGE_DATA_ALREADY_PRESENT.isSuccess());
    }
}

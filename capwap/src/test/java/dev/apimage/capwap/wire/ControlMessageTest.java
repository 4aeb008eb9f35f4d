package dev.apimage.capwap.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

import dev.apimage.capwap.wire.MessageElement.AcDescriptor;
import dev.apimage.capwap.wire.MessageElement.AcName;
import dev.apimage.capwap.wire.MessageElement.CapwapTimers;
import dev.apimage.capwap.wire.MessageElement.ControlIpv4Address;
import dev.apimage.capwap.wire.MessageElement.DiscoveryType;
import dev.apimage.capwap.wire.MessageElement.EcnSupport;
import dev.apimage.capwap.wire.MessageElement.IdleTimeout;
import dev.apimage.capwap.wire.MessageElement.ImageIdentifier;
import dev.apimage.capwap.wire.MessageElement.LocalIpv4Address;
import dev.apimage.capwap.wire.MessageElement.LocationData;
import dev.apimage.capwap.wire.MessageElement.MaximumMessageLength;
import dev.apimage.capwap.wire.MessageElement.RadioAdministrativeState;
import dev.apimage.capwap.wire.MessageElement.Result;
import dev.apimage.capwap.wire.MessageElement.SessionId;
import dev.apimage.capwap.wire.MessageElement.Unknown;
import dev.apimage.capwap.wire.MessageElement.VendorSpecific;
import dev.apimage.capwap.wire.MessageElement.WtpBoardData;
import dev.apimage.capwap.wire.MessageElement.WtpDescriptor;
import dev.apimage.capwap.wire.MessageElement.WtpFallback;
import dev.apimage.capwap.wire.MessageElement.WtpFrameTunnelMode;
import dev.apimage.capwap.wire.MessageElement.WtpMacType;
import dev.apimage.capwap.wire.MessageElement.WtpName;
import dev.apimage.capwap.wire.MessageElement.WtpRadioInformation;
import dev.apimage.capwap.wire.MessageElement.WtpRebootStatistics;
import dev.apimage.image.ImageVersion;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The control-session codec: every element round-trips, the field's facts read exactly, and malformed input fails clearly. */
public class ControlMessageTest {

    private static final long CISCO = 4232704;

    public static Inet4Address ipv4(int a, int b, int c, int d) {
        try {
            return (Inet4Address) InetAddress.getByAddress(new byte[] {(byte) a, (byte) b, (byte) c, (byte) d});
        } catch (java.net.UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    /** The field's AP: a C9105 at 17.3.3.26 with 8.10.130.0 as its backup. */
    public static ControlMessage fieldJoinRequest() {
        return ControlMessage.of(ControlMessage.JOIN_REQUEST, 7,
                new LocationData("default location"),
                WtpBoardData.of(CISCO, "C9105AXI-B", "FJC2433M0XY", Octets.hex("6c:41:0e:16:e7:9c")),
                WtpDescriptor.of(CISCO, 2, "1.0", ImageVersion.parse("17.3.3.26"), ImageVersion.parse("17.3.3.26"),
                        Optional.of(ImageVersion.parse("8.10.130.0"))),
                new WtpName("9105-emorenoa"),
                new SessionId(Octets.hex("00112233445566778899aabbccddeeff")),
                new WtpFrameTunnelMode(0x04), new WtpMacType(1),
                new WtpRadioInformation(1, 0x0D), new WtpRadioInformation(2, 0x0A),
                new EcnSupport(0), new LocalIpv4Address(ipv4(172, 16, 5, 80)), new MaximumMessageLength(1485),
                new WtpRebootStatistics(3, 1, 0, 0, 0, 0, 2, 0),
                new VendorSpecific(14179, 207, Octets.of((byte) 1, (byte) 2)));
    }

    private static ByteBuf bytes(ControlMessage m) {
        ByteBuf b = Unpooled.buffer();
        m.writeTo(b);
        return b;
    }

    private static ControlMessage roundTrip(ControlMessage m) throws CapwapDecodeException {
        ByteBuf b = bytes(m);
        try {
            return ControlMessage.read(b, 0, b.writerIndex());
        } finally {
            b.release();
        }
    }

    @Test
    void theFieldsJoinRequestReadsBackWithItsFacts() throws Exception {
        ControlMessage m = roundTrip(fieldJoinRequest());
        assertEquals(fieldJoinRequest(), m);
        WtpBoardData board = m.find(WtpBoardData.class).orElseThrow();
        assertEquals(Optional.of("C9105AXI-B"), board.modelNumber());
        assertEquals(Optional.of("FJC2433M0XY"), board.serialNumber());
        assertEquals("6c:41:0e:16:e7:9c", board.baseMac().orElseThrow().mac());
        WtpDescriptor d = m.find(WtpDescriptor.class).orElseThrow();
        assertEquals(Optional.of(ImageVersion.parse("17.3.3.26")), d.activeSoftwareVersion());
        assertEquals(Optional.of(ImageVersion.parse("8.10.130.0")), d.otherSoftwareVersion());
        assertEquals(2, m.all(WtpRadioInformation.class).size());
        assertTrue(m.isRequest());
    }

    @Test
    void ciscoVersionsAreFourBytesOthersText() {
        assertEquals("1103031a", SoftwareVersions.binary(ImageVersion.parse("17.3.3.26")).toString(), "17.3.3.26 = 11 03 03 1A");
        assertEquals(Optional.of(ImageVersion.parse("17.3.3.26")), SoftwareVersions.decode(Octets.hex("1103031a")));
        assertEquals(Optional.of(ImageVersion.parse("8.10.130.0")), SoftwareVersions.decode(Octets.hex("080a8200")));
        assertEquals(Optional.of(ImageVersion.parse("17.9.4.27")), SoftwareVersions.decode(Octets.utf8("17.9.4.27")));
        assertEquals(Optional.of(ImageVersion.parse("17.09.04a.0.6")), SoftwareVersions.decode(Octets.utf8("17.09.04a.0.6")));
        assertEquals(Optional.empty(), SoftwareVersions.decode(Octets.utf8("not a version")));
        assertTrue(!SoftwareVersions.hasBinaryForm(ImageVersion.parse("17.09.04a.0.6")));
        WtpDescriptor text = WtpDescriptor.of(0, 1, "hw", ImageVersion.parse("17.09.04a.0.6"), ImageVersion.parse("1.2"), Optional.empty());
        assertEquals(Optional.of(ImageVersion.parse("17.09.04a.0.6")), text.activeSoftwareVersion(), "no four-byte form: text");
    }

    @Test
    void theWireBytesAreRfc5415s() {
        ControlMessage m = ControlMessage.of(ControlMessage.DISCOVERY_REQUEST, 1, new DiscoveryType(DiscoveryType.STATIC));
        ByteBuf b = bytes(m);
        // header: preamble 0, HLEN 2, RID 0, WBID 1, no flags, no fragment; type 1, seq 1,
        // Msg Element Length 3 + 5, flags 0; element 20, length 1, value 1.
        assertEquals("00100200" + "00000000" + "00000001" + "01" + "0008" + "00" + "0014" + "0001" + "01", ByteBufUtil.hexDump(b));
        b.release();
    }

    @Test
    void unknownAndReservedElementsAreKeptAndWrittenBackUnchanged() throws Exception {
        ControlMessage m = ControlMessage.of(ControlMessage.JOIN_REQUEST, 1, new Unknown(42, Octets.hex("0102")),
                new Unknown(60000, Octets.of()), new WtpName("AP"));
        ControlMessage back = roundTrip(m);
        assertEquals(m, back);
        assertEquals(new Unknown(42, Octets.hex("0102")), back.elements().get(0));
    }

    @Test
    void wbidZeroFromAPeerIsAccepted() throws Exception {
        ByteBuf b = bytes(ControlMessage.of(ControlMessage.ECHO_REQUEST, 9));
        b.setShort(2, b.getUnsignedShort(2) & ~(0x1F << 9)); // WBID bits of the first word
        ControlMessage m = ControlMessage.read(b, 0, b.writerIndex());
        assertEquals(ControlMessage.ECHO_REQUEST, m.type());
        b.release();
    }

    @Test
    void logNamesFollowTheApsLog() {
        assertEquals("CAPWAP_WTP_EVENT_REQUEST(type 9)", ControlMessage.logName(ControlMessage.WTP_EVENT_REQUEST));
        assertEquals("CAPWAP_JOIN_RESPONSE(type 4)", ControlMessage.logName(4));
        assertEquals("CAPWAP_UNKNOWN(type 99)", ControlMessage.logName(99));
    }

    /** Any element this codec reads, from a seed. */
    static MessageElement element(Random r) {
        return switch (r.nextInt(28)) {
            case 0 -> new AcDescriptor(r.nextInt(65536), r.nextInt(65536), r.nextInt(65536), r.nextInt(65536), r.nextInt(256),
                    r.nextInt(256), r.nextInt(256), List.of(new AcDescriptor.Information(0, 4, octets(r, 0, 20)),
                            new AcDescriptor.Information(r.nextInt(Integer.MAX_VALUE), 5, octets(r, 0, 20))));
            case 1 -> new AcName(text(r, 1, 40));
            case 2 -> new ControlIpv4Address(ipv4(r.nextInt(256), r.nextInt(256), r.nextInt(256), r.nextInt(256)), r.nextInt(65536));
            case 3 -> new CapwapTimers(r.nextInt(256), r.nextInt(256));
            case 4 -> new DiscoveryType(r.nextInt(256));
            case 5 -> new IdleTimeout(r.nextLong() & 0xFFFF_FFFFL);
            case 6 -> new ImageIdentifier(r.nextLong() & 0xFFFF_FFFFL, text(r, 1, 30));
            case 7 -> new LocationData(text(r, 1, 60));
            case 8 -> new MaximumMessageLength(r.nextInt(65536));
            case 9 -> new LocalIpv4Address(ipv4(r.nextInt(256), r.nextInt(256), r.nextInt(256), r.nextInt(256)));
            case 10 -> new RadioAdministrativeState(r.nextInt(256), r.nextInt(256));
            case 11 -> new Result(ResultCode.valueOf(r.nextInt(40)));
            case 12 -> new SessionId(octets(r, 16, 16));
            case 13 -> new VendorSpecific(r.nextLong() & 0xFFFF_FFFFL, r.nextInt(65536), octets(r, 0, 30));
            case 14 -> {
                List<WtpBoardData.Item> items = new ArrayList<>();
                for (int i = r.nextInt(6); i > 0; i--) {
                    items.add(new WtpBoardData.Item(r.nextInt(8), octets(r, 0, 24)));
                }
                yield new WtpBoardData(r.nextLong() & 0xFFFF_FFFFL, items);
            }
            case 15 -> {
                List<WtpDescriptor.Encryption> enc = new ArrayList<>();
                for (int i = 1 + r.nextInt(3); i > 0; i--) {
                    enc.add(new WtpDescriptor.Encryption(r.nextInt(32), r.nextInt(65536)));
                }
                List<WtpDescriptor.Descriptor> ds = new ArrayList<>();
                for (int i = r.nextInt(5); i > 0; i--) {
                    ds.add(new WtpDescriptor.Descriptor(r.nextLong() & 0xFFFF_FFFFL, r.nextInt(5), octets(r, 0, 12)));
                }
                yield new WtpDescriptor(r.nextInt(256), r.nextInt(256), enc, ds);
            }
            case 16 -> new WtpFallback(r.nextInt(256));
            case 17 -> new WtpFrameTunnelMode(r.nextInt(256));
            case 18 -> new WtpMacType(r.nextInt(256));
            case 19 -> new WtpName(text(r, 1, 40));
            case 20 -> new WtpRebootStatistics(r.nextInt(65536), r.nextInt(65536), r.nextInt(65536), r.nextInt(65536), r.nextInt(65536),
                    r.nextInt(65536), r.nextInt(65536), r.nextInt(256));
            case 21 -> new EcnSupport(r.nextInt(256));
            case 22 -> new WtpRadioInformation(r.nextInt(256), r.nextLong() & 0xFFFF_FFFFL);
            case 23 -> new MessageElement.AcIpv4List(List.of(ipv4(r.nextInt(256), 0, 0, 1), ipv4(10, r.nextInt(256), 0, 2)));
            case 24 -> new MessageElement.DecryptionErrorReportPeriod(r.nextInt(256), r.nextInt(65536));
            case 25 -> new MessageElement.RadioOperationalState(r.nextInt(256), r.nextInt(256), r.nextInt(256));
            case 26 -> new MessageElement.StatisticsTimer(r.nextInt(65536));
            default -> new Unknown(100 + r.nextInt(900), octets(r, 0, 20));
        };
    }

    private static Octets octets(Random r, int min, int max) {
        byte[] b = new byte[min + r.nextInt(max - min + 1)];
        r.nextBytes(b);
        return Octets.of(b);
    }

    /** Text of 1 to n code points, some of them beyond ASCII, never NUL. */
    private static String text(Random r, int min, int max) {
        StringBuilder s = new StringBuilder();
        int n = min + r.nextInt(max - min + 1);
        String alphabet = "abcXYZ019 -_./:äöüßé€漢字";
        for (int i = 0; i < n; i++) {
            s.append(alphabet.charAt(r.nextInt(alphabet.length())));
        }
        return s.toString();
    }

    static ControlMessage message(long seed) {
        Random r = new Random(seed);
        List<MessageElement> elements = new ArrayList<>();
        for (int i = r.nextInt(12); i > 0; i--) {
            elements.add(element(r));
        }
        return new ControlMessage(1 + r.nextInt(18), r.nextInt(256), elements);
    }

    @Test
    void everyMessageRoundTrips() {
        qt().withFixedSeed(5415).withExamples(2000).forAll(longs().all()).checkAssert(seed -> {
            ControlMessage m = message(seed);
            try {
                assertEquals(m, roundTrip(m));
            } catch (CapwapDecodeException e) {
                throw new AssertionError(m + ": " + e.getMessage(), e);
            }
        });
    }

    @Test
    void aTruncatedMessageFailsWithItsOffsetNeverAnotherException() {
        qt().withFixedSeed(5416).withExamples(400).forAll(longs().all(), integers().between(0, 10_000)).checkAssert((seed, cutAt) -> {
            ByteBuf b = bytes(message(seed));
            int cut = cutAt % b.writerIndex();
            try {
                ControlMessage.read(b, 0, cut);
                throw new AssertionError("a message cut at " + cut + " of " + b.writerIndex() + " decoded");
            } catch (CapwapDecodeException expected) {
                assertTrue(expected.offset() >= 0 && expected.offset() <= b.writerIndex(), expected.getMessage());
            } finally {
                b.release();
            }
        });
    }

    @Test
    void corruptedBytesDecodeOrFailCleanly() {
        qt().withFixedSeed(5417).withExamples(3000).forAll(longs().all(), integers().between(0, 100_000), integers().between(0, 255))
                .checkAssert((seed, where, value) -> {
                    ByteBuf b = bytes(message(seed));
                    b.setByte(where % b.writerIndex(), value);
                    try {
                        ControlMessage m = ControlMessage.read(b, 0, b.writerIndex());
                        // If it still decodes, it must write back to a message that decodes to itself.
                        assertEquals(m, roundTrip(m));
                    } catch (CapwapDecodeException expected) {
                        assertTrue(expected.offset() >= 0 && expected.offset() <= b.writerIndex(), expected.getMessage());
                    } finally {
                        b.release();
                    }
                });
    }

    @Test
    void lengthsAndCountsAreCheckedAgainstTheRfc() {
        // A WTP Descriptor that says 3 Encryption sub-elements but carries one.
        ByteBuf b = Unpooled.buffer();
        CapwapHeader.write(b, 0, 1);
        b.writeInt(3).writeByte(1).writeShort(3 + 4 + 6).writeByte(0);
        b.writeShort(39).writeShort(6).writeByte(2).writeByte(2).writeByte(3).writeByte(1).writeShort(0);
        CapwapDecodeException e = assertThrows(CapwapDecodeException.class, () -> ControlMessage.read(b, 0, b.writerIndex()));
        assertTrue(e.getMessage().contains("Encryption sub-elements"), e.getMessage());
        // An AC Name of 513 bytes, and one with invalid UTF-8.
        assertThrows(IllegalArgumentException.class, () -> new AcName("x".repeat(513)));
        ByteBuf bad = Unpooled.buffer();
        CapwapHeader.write(bad, 0, 1);
        bad.writeInt(2).writeByte(1).writeShort(3 + 4 + 2).writeByte(0);
        bad.writeShort(4).writeShort(2).writeByte(0xC3).writeByte(0x28);
        CapwapDecodeException utf8 = assertThrows(CapwapDecodeException.class, () -> ControlMessage.read(bad, 0, bad.writerIndex()));
        assertTrue(utf8.getMessage().contains("not UTF-8"), utf8.getMessage());
        // A fragment is not a message: reassemble first.
        ByteBuf frag = bytes(ControlMessage.of(ControlMessage.ECHO_REQUEST, 1));
        frag.setByte(3, frag.getByte(3) | 0x80);
        assertThrows(CapwapDecodeException.class, () -> ControlMessage.read(frag, 0, frag.writerIndex()));
    }
}

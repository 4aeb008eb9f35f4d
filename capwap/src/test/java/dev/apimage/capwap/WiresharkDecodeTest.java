package dev.apimage.capwap;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.apimage.capwap.wire.CapwapMessage;
import dev.apimage.capwap.wire.CapwapMessageWriter;
import dev.apimage.capwap.wire.ControlMessage;
import dev.apimage.capwap.wire.ControlMessageTest;
import dev.apimage.capwap.wire.MessageElement;
import dev.apimage.capwap.wire.Octets;
import dev.apimage.capwap.wire.ResultCode;
import dev.apimage.image.ImageVersion;
import dev.apimage.internal.Pcap;
import dev.apimage.testing.Tshark;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Wireshark's CAPWAP dissector (tshark) reads every message this codec writes without a warning:
 * the project's bytes are RFC 5415's bytes as a standard analyser sees them. The messages are put
 * into a capture file (no traffic is sent), with the controller on UDP port 5246.
 */
class WiresharkDecodeTest {

    @TempDir
    Path dir;

    @Test
    void tsharkDecodesEveryImageDownloadMessageWithoutWarnings() throws Exception {
        CapwapMessageWriter w = new CapwapMessageWriter();
        List<byte[]> fromAp = new ArrayList<>();
        List<byte[]> fromController = new ArrayList<>();
        ByteBuf b = Unpooled.buffer();
        ByteBuf block = Unpooled.wrappedBuffer(new byte[1024]);
        byte[] md5 = ByteBufUtil.decodeHexDump("0123456789abcdef0123456789abcdef");
        fromAp.add(message(b, () -> w.begin(b, CapwapMessage.IMAGE_DATA_REQUEST, 1).imageIdentifier(14179, "ap1g8").initiateDownload().finish()));
        fromController.add(message(b, () -> w.begin(b, CapwapMessage.IMAGE_DATA_RESPONSE, 1).resultCode(0).imageInformation(70_512_640, md5).finish()));
        fromController.add(message(b, () -> w.begin(b, CapwapMessage.IMAGE_DATA_REQUEST, 2).imageData(1, block, 0, 1024).finish()));
        fromAp.add(message(b, () -> w.begin(b, CapwapMessage.IMAGE_DATA_RESPONSE, 2).resultCode(0).finish()));
        fromController.add(message(b, () -> w.begin(b, CapwapMessage.IMAGE_DATA_REQUEST, 3).imageData(2, block, 0, 601).finish()));
        fromController.add(message(b, () -> w.begin(b, CapwapMessage.IMAGE_DATA_REQUEST, 4).imageData(2, block, 0, 0).finish()));
        fromController.add(message(b, () -> w.begin(b, CapwapMessage.IMAGE_DATA_REQUEST, 5).imageData(5, block, 0, 0).finish()));
        fromAp.add(message(b, () -> w.begin(b, CapwapMessage.IMAGE_DATA_RESPONSE, 5).resultCode(ResultCode.IMAGE_DATA_INVALID_CHECKSUM).finish()));
        fromAp.add(message(b, () -> w.begin(b, CapwapMessage.ECHO_REQUEST, 6).finish()));
        fromController.add(message(b, () -> w.begin(b, CapwapMessage.ECHO_RESPONSE, 6).finish()));
        fromController.add(message(b, () -> w.begin(b, CapwapMessage.RESET_REQUEST, 7).imageIdentifier(14179, "ap1g8").finish()));
        fromAp.add(message(b, () -> w.begin(b, CapwapMessage.RESET_RESPONSE, 7).resultCode(0).finish()));
        fromAp.add(message(b, () -> w.begin(b, 31, 8).vendorSpecific(14179, 1, block, 0, 8).finish()));
        fromController.add(message(b, () -> w.begin(b, 32, 8).resultCode(ResultCode.MESSAGE_UNEXPECTED_UNRECOGNIZED_REQUEST).finish()));

        Path pcap = dir.resolve("capwap.pcap");
        Files.write(pcap, pcap(fromAp, fromController));
        List<String[]> decoded = Tshark.capwap(pcap, 0, "capwap.control.header.message_type", "capwap.control.header.sequence_number",
                "capwap.control.header.message_element_length", "capwap.message_element.type", "capwap.message_element.length");
        assertEquals(fromAp.size() + fromController.size(), decoded.size());
        List<String> rows = new ArrayList<>();
        for (String[] f : decoded) {
            rows.add(f[0] + " " + f[2] + " " + f[3] + " " + f[4]);
        }
        // Type, Msg Element Length, element types and lengths as the dissector read them, in capture order.
        assertEquals(List.of("15 20 25,27 9,0", "16 35 33,26 4,20", "16 11 33 4", "15 1032 24 1025", "16 11 33 4",
                "15 609 24 602", "13 3  ", "15 8 24 1", "18 11 33 4", "15 8 24 1", "31 21 37 14", "14 3  ",
                "17 16 25 9", "32 11 33 4"), rows);
    }

    @Test
    void tsharkDecodesTheControlSessionWithTheFieldsFacts() throws Exception {
        long cisco = 4232704;
        var radio = new MessageElement.WtpRadioInformation(1, 0x0D);
        var board = MessageElement.WtpBoardData.of(cisco, "C9105AXI-B", "FJC2433M0XY", Octets.hex("6c410e16e79c"));
        var descriptor = MessageElement.WtpDescriptor.of(cisco, 1, "1.0", ImageVersion.parse("17.3.3.26"),
                ImageVersion.parse("17.3.3.26"), java.util.Optional.of(ImageVersion.parse("8.10.130.0")));
        var ac = MessageElement.AcDescriptor.of(3, 100, "C9800-CL", ImageVersion.parse("17.9.4.27"));
        var acName = new MessageElement.AcName("EWC-9105");
        var control = new MessageElement.ControlIpv4Address(ControlMessageTest.ipv4(127, 0, 0, 1), 3);
        var image = new MessageElement.ImageIdentifier(14179, "17.9.4.27");
        List<ControlMessage> fromAp = List.of(
                ControlMessage.of(ControlMessage.DISCOVERY_REQUEST, 0, new MessageElement.DiscoveryType(1), board, descriptor,
                        new MessageElement.WtpFrameTunnelMode(4), new MessageElement.WtpMacType(1), radio),
                ControlMessageTest.fieldJoinRequest(),
                ControlMessage.of(ControlMessage.CONFIGURATION_STATUS_REQUEST, 8, acName, new MessageElement.RadioAdministrativeState(1, 1),
                        MessageElement.WtpRebootStatistics.none()),
                ControlMessage.of(ControlMessage.CHANGE_STATE_EVENT_REQUEST, 9, new MessageElement.Result(ResultCode.SUCCESS)),
                ControlMessage.of(ControlMessage.CONFIGURATION_UPDATE_RESPONSE, 3, new MessageElement.Result(ResultCode.SUCCESS)),
                ControlMessage.of(ControlMessage.RESET_RESPONSE, 4, new MessageElement.Result(ResultCode.SUCCESS)));
        List<ControlMessage> fromController = List.of(
                ControlMessage.of(ControlMessage.DISCOVERY_RESPONSE, 0, ac, acName, radio, control),
                ControlMessage.of(ControlMessage.JOIN_RESPONSE, 7, new MessageElement.Result(ResultCode.SUCCESS), ac, acName, radio,
                        control, image, new MessageElement.MaximumMessageLength(1485)),
                ControlMessage.of(ControlMessage.CONFIGURATION_STATUS_RESPONSE, 8, new MessageElement.CapwapTimers(30, 30),
                        new MessageElement.IdleTimeout(300), new MessageElement.WtpFallback(1)),
                ControlMessage.of(ControlMessage.CHANGE_STATE_EVENT_RESPONSE, 9),
                ControlMessage.of(ControlMessage.CONFIGURATION_UPDATE_REQUEST, 3, image),
                ControlMessage.of(ControlMessage.RESET_REQUEST, 4, image));
        Path pcap = dir.resolve("control.pcap");
        Files.write(pcap, pcap(encode(fromAp), encode(fromController)));
        List<String[]> decoded = Tshark.capwap(pcap, 0, "capwap.control.header.message_type",
                "capwap.control.message_element.wtp_board_data.wtp_model_number", "capwap.control.message_element.wtp_board_data.wtp_serial_number",
                "capwap.control.message_element.ac_name", "capwap.control.message_element.ac_information.software_version",
                "capwap.control.message_element.result_code", "capwap.control.message_element.wtp_name");
        assertEquals(fromAp.size() + fromController.size(), decoded.size());
        List<String> facts = new ArrayList<>();
        for (String[] f : decoded) {
            facts.add(String.join(" ", f).replaceAll(" +", " ").strip());
        }
        // In capture order (AP and controller alternate): what the dissector read of the field's facts.
        assertEquals(List.of("1 C9105AXI-B FJC2433M0XY", "2 EWC-9105 17.9.4.27", "3 C9105AXI-B FJC2433M0XY 9105-emorenoa",
                "4 EWC-9105 17.9.4.27 0", "5 EWC-9105", "6", "11 0", "12", "8 0", "7", "18 0", "17"), facts);
    }

    private static List<byte[]> encode(List<ControlMessage> messages) {
        List<byte[]> all = new ArrayList<>();
        for (ControlMessage m : messages) {
            ByteBuf b = Unpooled.buffer();
            m.writeTo(b);
            all.add(ByteBufUtil.getBytes(b));
            b.release();
        }
        return all;
    }

    private interface Encode {
        int run();
    }

    private static byte[] message(ByteBuf b, Encode encode) {
        b.clear();
        encode.run();
        return ByteBufUtil.getBytes(b);
    }

    /** The two directions interleaved, the AP on port 40000 and the controller on 5246, as a pcap file. */
    private static byte[] pcap(List<byte[]> fromAp, List<byte[]> fromController) {
        java.net.InetSocketAddress ap = new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 40000);
        java.net.InetSocketAddress ac = new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 5246);
        List<Pcap.Datagram> all = new ArrayList<>();
        int a = 0;
        int c = 0;
        for (int i = 0; a < fromAp.size() || c < fromController.size(); i++) {
            boolean fromTheAp = c >= fromController.size() || (a < fromAp.size() && i % 2 == 0);
            all.add(fromTheAp ? new Pcap.Datagram(ap, ac, fromAp.get(a++)) : new Pcap.Datagram(ac, ap, fromController.get(c++)));
        }
        return Pcap.of(all);
    }
}

package dev.apimage.capwap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.apimage.cache.ImageCache;
import dev.apimage.capwap.wire.CapwapMessage;
import dev.apimage.capwap.wire.CapwapMessageWriter;
import dev.apimage.capwap.wire.ControlMessage;
import dev.apimage.capwap.wire.ControlMessageTest;
import dev.apimage.capwap.wire.MessageElement;
import dev.apimage.capwap.wire.Octets;
import dev.apimage.capwap.wire.ResultCode;
import dev.apimage.image.ImageType;
import dev.apimage.image.ImageVersion;
import dev.apimage.staging.StagingArea;
import dev.apimage.time.VirtualClock;
import dev.apimage.transfer.TransferOptions;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The controller over real UDP on 127.0.0.1, with a raw socket as the AP: Discovery answered, the
 * AP learnt from its Join Request, configured and running, images only for joined APs of their own
 * type, a refused serial, a predownload order, and an AP that stops echoing removed (in virtual time).
 */
class CapwapControllerTest {

    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();
    private static final ImageVersion TARGET = ImageVersion.parse("17.9.4.27");

    @TempDir
    Path dir;

    private final VirtualClock clock = new VirtualClock();
    private final LinkedBlockingQueue<String> reports = new LinkedBlockingQueue<>();
    private CapwapController controller;
    private ImageCache cache;

    @AfterEach
    void close() {
        if (controller != null) {
            controller.close();
        }
        if (cache != null) {
            cache.close();
        }
    }

    private CapwapController start(JoinPolicy policy) throws Exception {
        Path image = Files.write(dir.resolve("ap1g8"), new byte[5000]);
        cache = new ImageCache(StagingArea.open(dir.resolve("cache")), TransferOptions.defaults());
        controller = CapwapController.builder().address(new InetSocketAddress("127.0.0.1", 0))
                .images(type -> cache.fetch(type, image.toUri(), null)).acName("EWC-9105").joinPolicy(policy)
                .image(14179, TARGET).clock(clock).plainUdpLab()
                .listener(new CapwapController.Listener() {
                    @Override
                    public void onJoined(RegisteredAp ap) {
                        reports.add("joined " + ap.name());
                    }

                    @Override
                    public void onRemoved(RegisteredAp ap, String why) {
                        reports.add("removed " + ap.name() + ": " + why);
                    }

                    @Override
                    public void onAnswer(RegisteredAp ap, long requestType, ResultCode result) {
                        reports.add("answer " + requestType + " " + result.code());
                    }
                }).start();
        return controller;
    }

    private static void send(DatagramSocket s, ControlMessage m, InetSocketAddress to) throws Exception {
        ByteBuf b = Unpooled.buffer();
        m.writeTo(b);
        byte[] bytes = ByteBufUtil.getBytes(b);
        b.release();
        s.send(new DatagramPacket(bytes, bytes.length, to));
    }

    private static ControlMessage receive(DatagramSocket s) throws Exception {
        DatagramPacket p = new DatagramPacket(new byte[4096], 4096);
        s.receive(p);
        ByteBuf b = Unpooled.wrappedBuffer(p.getData(), 0, p.getLength());
        return ControlMessage.read(b, 0, p.getLength());
    }

    private String report() throws InterruptedException {
        String r = reports.poll(10, TimeUnit.SECONDS);
        if (r == null) {
            throw new AssertionError("no report from the controller within 10 s");
        }
        return r;
    }

    /** The field's AP joins and reaches Run; returns its socket. */
    private DatagramSocket joinAndRun() throws Exception {
        DatagramSocket ap = new DatagramSocket(0, LOOPBACK);
        ap.setSoTimeout(10_000);
        InetSocketAddress ac = controller.localAddress();
        send(ap, ControlMessageTest.fieldJoinRequest(), ac);
        ControlMessage join = receive(ap);
        assertEquals(ControlMessage.JOIN_RESPONSE, join.type());
        assertEquals(Optional.of(ResultCode.SUCCESS), join.resultCode());
        assertEquals(Optional.of(new MessageElement.ImageIdentifier(14179, "17.9.4.27")), join.find(MessageElement.ImageIdentifier.class),
                "the Join Response names the image the controller wants");
        assertEquals(Optional.of(new MessageElement.AcName("EWC-9105")), join.find(MessageElement.AcName.class));
        assertEquals("joined 9105-emorenoa", report());
        send(ap, ControlMessage.of(ControlMessage.CONFIGURATION_STATUS_REQUEST, 8, new MessageElement.AcName("EWC-9105"),
                new MessageElement.RadioAdministrativeState(1, 1), new MessageElement.StatisticsTimer(120),
                MessageElement.WtpRebootStatistics.none()), ac);
        assertEquals(ControlMessage.CONFIGURATION_STATUS_RESPONSE, receive(ap).type());
        send(ap, ControlMessage.of(ControlMessage.CHANGE_STATE_EVENT_REQUEST, 9, new MessageElement.Result(ResultCode.SUCCESS)), ac);
        assertEquals(ControlMessage.CHANGE_STATE_EVENT_RESPONSE, receive(ap).type());
        return ap;
    }

    @Test
    void discoveryIsAnsweredAndNothingIsKept() throws Exception {
        start(JoinPolicy.open(10));
        try (DatagramSocket ap = new DatagramSocket(0, LOOPBACK)) {
            ap.setSoTimeout(10_000);
            // A control message whose Msg Element Length runs past the datagram: dropped, counted, unanswered.
            byte[] bad = {0, 0x10, 2, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0x20, 0};
            ap.send(new DatagramPacket(bad, bad.length, controller.localAddress()));
            send(ap, ControlMessage.of(ControlMessage.DISCOVERY_REQUEST, 0, new MessageElement.DiscoveryType(1)), controller.localAddress());
            ControlMessage r = receive(ap);
            assertEquals(ControlMessage.DISCOVERY_RESPONSE, r.type());
            assertEquals("EWC-9105", r.find(MessageElement.AcName.class).orElseThrow().name());
            assertEquals("127.0.0.1", r.find(MessageElement.ControlIpv4Address.class).orElseThrow().address().getHostAddress(),
                    "the address to join");
            assertEquals(Optional.of(TARGET), r.find(MessageElement.AcDescriptor.class).orElseThrow().softwareVersion());
            assertEquals(0, r.sequence(), "the first answer is the Discovery's: the malformed one got none");
        }
        assertEquals(1, controller.malformedControlDatagrams());
        assertEquals(List.of(), controller.registry(), "a Discovery leaves no state");
    }

    @Test
    void theControllerLearnsItsApFromTheJoinAndRunsIt() throws Exception {
        start(JoinPolicy.open(10));
        try (DatagramSocket ap = joinAndRun()) {
            RegisteredAp r = controller.registry().get(0);
            assertEquals("9105-emorenoa", r.name());
            assertEquals("C9105AXI-B", r.model());
            assertEquals(Optional.of(ImageType.AP1G8), r.imageType(), "from the model catalog");
            assertEquals("FJC2433M0XY", r.serial());
            assertEquals(Optional.of("6c:41:0e:16:e7:9c"), r.baseMac());
            assertEquals(ImageVersion.parse("17.3.3.26"), r.primaryVersion());
            assertEquals(Optional.of(ImageVersion.parse("8.10.130.0")), r.backupVersion());
            assertEquals(CapwapSessionState.RUN, r.state());
            send(ap, ControlMessage.of(ControlMessage.ECHO_REQUEST, 10), controller.localAddress());
            assertEquals(ControlMessage.ECHO_RESPONSE, receive(ap).type());
        }
    }

    private static byte[] imageDataRequest(String type) {
        ByteBuf b = Unpooled.buffer(64);
        new CapwapMessageWriter().begin(b, CapwapMessage.IMAGE_DATA_REQUEST, 1).imageIdentifier(14179, type).initiateDownload().finish();
        byte[] out = ByteBufUtil.getBytes(b);
        b.release();
        return out;
    }

    private static long imageDataResult(DatagramSocket s) throws Exception {
        DatagramPacket p = new DatagramPacket(new byte[4096], 4096);
        s.receive(p);
        CapwapMessage m = new CapwapMessage().wrap(Unpooled.wrappedBuffer(p.getData(), 0, p.getLength()), 0, p.getLength());
        assertEquals(CapwapMessage.IMAGE_DATA_RESPONSE, m.messageType());
        return m.resultCode();
    }

    @Test
    void imagesGoOnlyToJoinedApsAndOnlyOfTheirOwnType() throws Exception {
        start(JoinPolicy.open(10));
        try (DatagramSocket stranger = new DatagramSocket(0, LOOPBACK); DatagramSocket ap = joinAndRun()) {
            stranger.setSoTimeout(10_000);
            byte[] req = imageDataRequest("ap1g8");
            stranger.send(new DatagramPacket(req, req.length, controller.localAddress()));
            assertEquals(ResultCode.IMAGE_DATA_OTHER_ERROR.code(), imageDataResult(stranger), "not joined: refused");
            byte[] other = imageDataRequest("ap3g3");
            ap.send(new DatagramPacket(other, other.length, controller.localAddress()));
            assertEquals(ResultCode.IMAGE_DATA_OTHER_ERROR.code(), imageDataResult(ap), "not its type: refused");
            assertEquals(2, controller.stats().refusedUnjoined());
            assertEquals(0, controller.stats().sessions(), "no state for either");
            ap.send(new DatagramPacket(req, req.length, controller.localAddress()));
            assertEquals(0, imageDataResult(ap), "its own image: served");
        }
    }

    @Test
    void aRefusedSerialGetsUnknownSource() throws Exception {
        start(new JoinPolicy(10, Set.of("FOC0000X000")));
        try (DatagramSocket ap = new DatagramSocket(0, LOOPBACK)) {
            ap.setSoTimeout(10_000);
            send(ap, ControlMessageTest.fieldJoinRequest(), controller.localAddress());
            ControlMessage r = receive(ap);
            assertEquals(Optional.of(ResultCode.JOIN_FAILURE_UNKNOWN_SOURCE), r.resultCode());
            assertEquals(1, r.elements().size(), "a refusal carries its Result Code only");
        }
        assertEquals(List.of(), controller.registry());
    }

    @Test
    void aJoinWithoutBoardDataIsRefusedAsMissingAMandatoryElement() throws Exception {
        start(JoinPolicy.open(10));
        try (DatagramSocket ap = new DatagramSocket(0, LOOPBACK)) {
            ap.setSoTimeout(10_000);
            send(ap, ControlMessage.of(ControlMessage.JOIN_REQUEST, 1, new MessageElement.WtpName("x"),
                    new MessageElement.SessionId(Octets.of(new byte[16]))), controller.localAddress());
            assertEquals(Optional.of(ResultCode.FAILURE_MISSING_MANDATORY_ELEMENT), receive(ap).resultCode());
        }
    }

    @Test
    void aPredownloadOrderIsAConfigurationUpdateWithTheImage() throws Exception {
        start(JoinPolicy.open(10));
        try (DatagramSocket ap = joinAndRun()) {
            assertEquals(1, controller.predownload(a -> a.model().startsWith("C9105")));
            ControlMessage update = receive(ap);
            assertEquals(ControlMessage.CONFIGURATION_UPDATE_REQUEST, update.type());
            assertEquals(Optional.of(new MessageElement.ImageIdentifier(14179, "17.9.4.27")), update.find(MessageElement.ImageIdentifier.class));
            send(ap, ControlMessage.of(ControlMessage.CONFIGURATION_UPDATE_RESPONSE, update.sequence(),
                    new MessageElement.Result(ResultCode.SUCCESS)), controller.localAddress());
            assertEquals("answer 7 0", report());
        }
    }

    @Test
    void anApThatStopsEchoingIsRemovedAndReported() throws Exception {
        start(JoinPolicy.open(10));
        try (DatagramSocket ap = joinAndRun()) {
            clock.advance(Duration.ofSeconds(219)); // EchoInterval plus the retransmission time, in virtual time
            String removed = report();
            assertTrue(removed.startsWith("removed 9105-emorenoa: nothing from the WTP"), removed);
            assertEquals(List.of(), controller.registry());
        }
    }

    @Test
    void aDiscoveryFloodIsAnsweredOnlyWithinTheBudget() throws Exception {
        Path image = Files.write(dir.resolve("ap1g8"), new byte[100]);
        cache = new ImageCache(StagingArea.open(dir.resolve("cache")), TransferOptions.defaults());
        controller = CapwapController.builder().address(new InetSocketAddress("127.0.0.1", 0))
                .images(type -> cache.fetch(type, image.toUri(), null)).discoveriesPerSecond(5).clock(clock).plainUdpLab().start();
        try (DatagramSocket s = new DatagramSocket(0, LOOPBACK)) {
            s.setSoTimeout(10_000);
            for (int i = 0; i < 20; i++) {
                send(s, ControlMessage.of(ControlMessage.DISCOVERY_REQUEST, i), controller.localAddress());
            }
            // A request whose answer comes after the controller has read the 20 (one socket, in order).
            send(s, ControlMessage.of(ControlMessage.JOIN_REQUEST, 50), controller.localAddress());
            for (int i = 0; i < 5; i++) {
                assertEquals(ControlMessage.DISCOVERY_RESPONSE, receive(s).type());
            }
            assertEquals(ControlMessage.JOIN_RESPONSE, receive(s).type(), "nothing but the budget's 5 Discovery Responses before it");
            assertEquals(15, controller.discoveriesUnanswered(), "past the budget: no answer to amplify");
            clock.advance(Duration.ofSeconds(1));
            send(s, ControlMessage.of(ControlMessage.DISCOVERY_REQUEST, 99), controller.localAddress());
            assertEquals(99, receive(s).sequence(), "a new second, a new budget");
        }
    }

    @Test
    void plainUdpMustBeAskedFor() {
        assertThrows(IllegalStateException.class, () -> CapwapController.builder().images(t -> null).start());
    }
}

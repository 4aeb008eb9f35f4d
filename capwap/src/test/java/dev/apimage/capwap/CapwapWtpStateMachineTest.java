package dev.apimage.capwap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.apimage.capwap.CapwapWtpStateMachine.State;
import dev.apimage.capwap.wire.ControlMessage;
import dev.apimage.capwap.wire.MessageElement;
import dev.apimage.capwap.wire.ResultCode;
import dev.apimage.image.ImageType;
import dev.apimage.image.ImageVersion;
import dev.apimage.staging.StagingArea;
import dev.apimage.testing.CapturedLogs;
import dev.apimage.time.VirtualClock;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The AP's CAPWAP state machine, driven by a scripted controller in virtual time. */
class CapwapWtpStateMachineTest {

    private static final ImageVersion OLD = ImageVersion.parse("17.3.3.26");
    private static final ImageVersion TARGET = ImageVersion.parse("17.9.4.27");

    @TempDir
    Path dir;

    private final VirtualClock clock = new VirtualClock();
    private final List<ControlMessage> sent = new ArrayList<>();
    private final List<String> states = new ArrayList<>();
    private final List<String> resets = new ArrayList<>();
    private CapwapWtpStateMachine wtp;

    private void create(WtpSettings s) throws Exception {
        create(s, CapwapWtpStateMachine.Security.NONE);
    }

    private void create(WtpSettings s, CapwapWtpStateMachine.Security security) throws Exception {
        CapwapImageStateMachine.Port port = new CapwapImageStateMachine.Port() {
            @Override
            public ByteBuf buffer() {
                return Unpooled.buffer();
            }

            @Override
            public void send(ByteBuf datagram) {
                try {
                    sent.add(ControlMessage.read(datagram, datagram.readerIndex(), datagram.writerIndex()));
                } catch (dev.apimage.capwap.wire.CapwapDecodeException e) {
                    throw new AssertionError(e);
                } finally {
                    datagram.release();
                }
            }

            @Override
            public String peer() {
                return "127.0.0.1:5246";
            }
        };
        wtp = new CapwapWtpStateMachine(s, StagingArea.open(dir.resolve("staging")), port, clock, new CapwapWtpStateMachine.Listener() {
            @Override
            public void onState(State from, State to) {
                states.add(to.name());
            }

            @Override
            public void onReset(ImageVersion running, Optional<ImageVersion> backup, Optional<dev.apimage.staging.CommittedImage> image) {
                resets.add(running + " backup " + backup.map(Object::toString).orElse("none"));
            }
        }, security);
        wtp.start();
    }

    private WtpSettings ap() {
        return WtpSettings.of("9105-emorenoa", "C9105AXI-B", ImageType.AP1G8, OLD);
    }

    private ControlMessage last() {
        return sent.get(sent.size() - 1);
    }

    private void deliver(ControlMessage m) {
        ByteBuf b = Unpooled.buffer();
        m.writeTo(b);
        wtp.onDatagram(b);
        b.release();
    }

    private void answer(long type, MessageElement... elements) {
        deliver(ControlMessage.of(type, last().sequence(), elements));
    }

    private void joinWith(MessageElement... elements) {
        deliver(ControlMessage.of(ControlMessage.DISCOVERY_RESPONSE, last().sequence(), new MessageElement.AcName("EWC")));
        assertEquals(ControlMessage.JOIN_REQUEST, last().type());
        answer(ControlMessage.JOIN_RESPONSE, elements);
    }

    private void toRun() throws Exception {
        create(ap());
        joinWith(new MessageElement.Result(ResultCode.SUCCESS));
        assertEquals(ControlMessage.CONFIGURATION_STATUS_REQUEST, last().type());
        answer(ControlMessage.CONFIGURATION_STATUS_RESPONSE);
        assertEquals(ControlMessage.CHANGE_STATE_EVENT_REQUEST, last().type());
        answer(ControlMessage.CHANGE_STATE_EVENT_RESPONSE);
        assertEquals(State.RUN, wtp.state());
        sent.clear();
    }

    @Test
    void discoveryRepeatsThenSulksThenTriesAgain() throws Exception {
        create(ap());
        assertEquals(ControlMessage.DISCOVERY_REQUEST, last().type());
        clock.advance(Duration.ofSeconds(5 * 9));
        assertEquals(10, sent.size(), "MaxDiscoveries Discovery Requests, DiscoveryInterval apart");
        clock.advance(Duration.ofSeconds(5));
        assertEquals(State.SULKING, wtp.state());
        clock.advance(Duration.ofSeconds(30));
        assertEquals(State.DISCOVERY, wtp.state(), "after SilentInterval");
        assertEquals(11, sent.size());
    }

    @Test
    void aDiscoveryResponseIsAnsweredAtOnceWithAJoinCarryingTheApsFacts() throws Exception {
        create(ap());
        deliver(ControlMessage.of(ControlMessage.DISCOVERY_RESPONSE, 0));
        ControlMessage join = last();
        assertEquals(ControlMessage.JOIN_REQUEST, join.type());
        assertEquals(Optional.of("C9105AXI-B"), join.find(MessageElement.WtpBoardData.class).orElseThrow().modelNumber());
        assertEquals(Optional.of(OLD), join.find(MessageElement.WtpDescriptor.class).orElseThrow().activeSoftwareVersion());
        assertEquals("9105-emorenoa", join.find(MessageElement.WtpName.class).orElseThrow().name());
        assertEquals(List.of("DISCOVERY", "DTLS_SETUP", "JOIN"), states);
    }

    /**
     * A DTLS handshake that goes nowhere (no answer, no failure from the DTLS layer) ends at
     * WaitDTLS (RFC 5415, 4.7.15), the configured one: DTLS Teardown, then Discovery again after
     * the retransmission interval; the old handshake's late success is ignored.
     */
    @Test
    void aHandshakeThatGoesNowhereEndsAtWaitDtlsAndTheApStartsOver() throws Exception {
        List<java.util.function.Consumer<String>> established = new ArrayList<>();
        List<String> teardowns = new ArrayList<>();
        create(ap().withWaitJoin(Duration.ofSeconds(20)), new CapwapWtpStateMachine.Security() {
            @Override
            public void setup(java.util.function.Consumer<String> done, java.util.function.Consumer<String> ended) {
                established.add(done); // never called back: the handshake hangs
            }

            @Override
            public void teardown() {
                teardowns.add("teardown");
            }
        });
        deliver(ControlMessage.of(ControlMessage.DISCOVERY_RESPONSE, 0));
        assertEquals(State.DTLS_SETUP, wtp.state());
        clock.advance(Duration.ofSeconds(19));
        assertEquals(State.DTLS_SETUP, wtp.state(), "before WaitDTLS");
        clock.advance(Duration.ofSeconds(1));
        assertEquals(State.DTLS_TEARDOWN, wtp.state(), "at WaitDTLS the session is torn down");
        assertEquals(List.of("teardown"), teardowns);
        clock.advance(ap().retransmitInterval());
        assertEquals(State.DISCOVERY, wtp.state(), "and the AP starts over");
        assertEquals(1, established.size());
        established.get(0).accept("TLS_PSK_WITH_AES_128_CBC_SHA"); // the old handshake, too late
        assertEquals(State.DISCOVERY, wtp.state(), "a stale handshake does not revive the session");
        deliver(ControlMessage.of(ControlMessage.DISCOVERY_RESPONSE, 0));
        assertEquals(2, established.size(), "a new handshake");
        established.get(1).accept("TLS_PSK_WITH_AES_128_CBC_SHA");
        assertEquals(State.JOIN, wtp.state());
    }

    @Test
    void aRefusedJoinSulks() throws Exception {
        create(ap());
        joinWith(new MessageElement.Result(ResultCode.JOIN_FAILURE_UNKNOWN_SOURCE));
        assertEquals(State.SULKING, wtp.state());
    }

    @Test
    void aJoinWithoutAnswerIsRepeatedThenTheSessionRestarts() throws Exception {
        create(ap());
        deliver(ControlMessage.of(ControlMessage.DISCOVERY_RESPONSE, 0));
        int joins = 0;
        for (int i = 0; i < 200 && wtp.state() == State.JOIN; i++) {
            clock.advance(Duration.ofSeconds(1));
        }
        for (ControlMessage m : sent) {
            joins += m.type() == ControlMessage.JOIN_REQUEST ? 1 : 0;
        }
        assertEquals(State.DTLS_TEARDOWN, wtp.state());
        assertTrue(joins >= 5, "repeated: " + joins);
        clock.advance(Duration.ofSeconds(3));
        assertEquals(State.DISCOVERY, wtp.state(), "Restarting CAPWAP State Machine.");
    }

    @Test
    void sameVersionConfiguresAndRunsAndEchoes() throws Exception {
        toRun();
        clock.advance(Duration.ofSeconds(30));
        assertEquals(ControlMessage.ECHO_REQUEST, last().type(), "EchoInterval");
        answer(ControlMessage.ECHO_RESPONSE);
        assertEquals(State.RUN, wtp.state());
    }

    @Test
    void anUnansweredEchoTearsTheSessionDown() throws Exception {
        toRun();
        clock.advance(Duration.ofSeconds(30 + 3 + 6 + 12 + 24 + 48 + 96));
        assertTrue(wtp.state() == State.DTLS_TEARDOWN || wtp.state() == State.DISCOVERY, wtp.state().toString());
    }

    @Test
    void figure7TheBackupIsTheImageResetWithoutDownload() throws Exception {
        create(ap().withBackupVersion(TARGET));
        joinWith(new MessageElement.Result(ResultCode.SUCCESS), new MessageElement.ImageIdentifier(14179, "17.9.4.27"));
        assertEquals(State.RESET, wtp.state());
        assertEquals(List.of("17.9.4.27 backup 17.3.3.26"), resets);
    }

    @Test
    void figure6ANewImageEntersImageDataAndAsksForItByType() throws Exception {
        create(ap());
        joinWith(new MessageElement.Result(ResultCode.SUCCESS), new MessageElement.ImageIdentifier(14179, "17.9.4.27"));
        assertEquals(State.IMAGE_DATA, wtp.state());
        // The Image Data Request goes through the image state machine: decoded here as a control message.
        ControlMessage request = last();
        assertEquals(ControlMessage.IMAGE_DATA_REQUEST, request.type());
        assertEquals("ap1g8", request.find(MessageElement.ImageIdentifier.class).orElseThrow().name(), "fileName [ap1g8]");
        CapturedLogs.clear();
        deliver(ControlMessage.of(ControlMessage.WTP_EVENT_REQUEST, 40));
        assertTrue(CapturedLogs.lines().stream().anyMatch(l -> l.contains("Discarding msg CAPWAP_WTP_EVENT_REQUEST(type 9) in CAPWAP state: Image Data")),
                CapturedLogs.lines().toString());
        clock.advance(Duration.ofSeconds(30)); // ImageDataStartTimer: nothing came
        assertTrue(CapturedLogs.lines().stream().anyMatch(l -> l.contains("Going to restart CAPWAP (reason : image download cannot start)")));
        assertTrue(CapturedLogs.lines().stream().anyMatch(l -> l.contains("CAPWAP State: DTLS Teardown")));
        assertTrue(CapturedLogs.lines().stream().anyMatch(l -> l.contains("Aborting image download(0x0): Dtls cleanup, ap1g8")));
        assertTrue(CapturedLogs.lines().stream().anyMatch(l -> l.contains("Restarting CAPWAP State Machine.")));
    }

    @Test
    void figure9AConfigurationUpdateForAnImageItHoldsIsAlreadyPresent() throws Exception {
        toRun();
        deliver(ControlMessage.of(ControlMessage.CONFIGURATION_UPDATE_REQUEST, 60, new MessageElement.ImageIdentifier(14179, "17.3.3.26")));
        assertEquals(ControlMessage.CONFIGURATION_UPDATE_RESPONSE, last().type());
        assertEquals(Optional.of(ResultCode.IMAGE_DATA_ALREADY_PRESENT), last().resultCode());
    }

    @Test
    void figure8AConfigurationUpdateStartsAPredownloadAndTheApKeepsRunning() throws Exception {
        toRun();
        deliver(ControlMessage.of(ControlMessage.CONFIGURATION_UPDATE_REQUEST, 61, new MessageElement.ImageIdentifier(14179, "17.9.4.27")));
        assertEquals(Optional.of(ResultCode.SUCCESS), sent.get(0).resultCode());
        assertEquals(ControlMessage.IMAGE_DATA_REQUEST, last().type(), "Initiate Download");
        assertEquals(State.RUN, wtp.state());
        deliver(ControlMessage.of(ControlMessage.RESET_REQUEST, 62, new MessageElement.ImageIdentifier(14179, "17.9.4.27")));
        assertEquals(Optional.of(ResultCode.RESET_FAILURE_UNABLE_TO_RESET), last().resultCode(), "not stored yet: no reset");
        assertEquals(State.RUN, wtp.state());
    }

    @Test
    void aRepeatedRequestGetsTheCachedAnswer() throws Exception {
        toRun();
        deliver(ControlMessage.of(ControlMessage.CONFIGURATION_UPDATE_REQUEST, 70, new MessageElement.ImageIdentifier(14179, "17.3.3.26")));
        deliver(ControlMessage.of(ControlMessage.CONFIGURATION_UPDATE_REQUEST, 70, new MessageElement.ImageIdentifier(14179, "17.3.3.26")));
        assertEquals(2, sent.size());
        assertEquals(sent.get(0), sent.get(1));
    }

    @Test
    void anUnrecognizedRequestGetsResult19() throws Exception {
        toRun();
        deliver(ControlMessage.of(99, 80));
        assertEquals(100, last().type());
        assertEquals(Optional.of(ResultCode.MESSAGE_UNEXPECTED_UNRECOGNIZED_REQUEST), last().resultCode());
    }

    @Test
    void aRequestInFragmentsIsReassembledAndAnswered() throws Exception {
        toRun();
        ControlMessage update = ControlMessage.of(ControlMessage.CONFIGURATION_UPDATE_REQUEST, 90,
                new MessageElement.VendorSpecific(14179, 5, dev.apimage.capwap.wire.Octets.of(new byte[900])),
                new MessageElement.ImageIdentifier(14179, "17.3.3.26"));
        ByteBuf whole = Unpooled.buffer();
        update.writeTo(whole);
        List<ByteBuf> parts = dev.apimage.capwap.wire.Fragments.split(whole, 200, 3, io.netty.buffer.ByteBufAllocator.DEFAULT);
        whole.release();
        assertTrue(parts.size() > 3, "in fragments: " + parts.size());
        java.util.Collections.reverse(parts);
        for (ByteBuf p : parts) {
            wtp.onDatagram(p);
            p.release();
        }
        assertEquals(1, sent.size(), "one answer, once the last fragment is in");
        assertEquals(Optional.of(ResultCode.IMAGE_DATA_ALREADY_PRESENT), last().resultCode());
    }
}

package dev.apimage.capwap.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.apimage.capwap.CapwapSessionState;
import dev.apimage.capwap.wire.ControlMessage;
import dev.apimage.capwap.wire.ControlMessageTest;
import dev.apimage.capwap.wire.MessageElement;
import dev.apimage.capwap.wire.ResultCode;
import dev.apimage.time.VirtualClock;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The controller's control session against each event of each state, in virtual time. */
class ControlSessionTest {

    private static final MessageElement.ImageIdentifier IMAGE = new MessageElement.ImageIdentifier(14179, "17.9.4.27");
    private static final List<MessageElement> JOIN_ELEMENTS = List.of(new MessageElement.AcName("EWC"));
    private static final List<MessageElement> STATUS = List.of(new MessageElement.CapwapTimers(20, 30), new MessageElement.IdleTimeout(300),
            new MessageElement.WtpFallback(1));

    private final VirtualClock clock = new VirtualClock();
    private final List<String> sent = new ArrayList<>();
    private final List<String> states = new ArrayList<>();
    private final List<String> answers = new ArrayList<>();
    private final ControlSession session = new ControlSession(new InetSocketAddress("127.0.0.1", 40000),
            ControlSession.Settings.defaults(STATUS), clock, new ControlSession.Port() {
                @Override
                public void send(ControlMessage m) {
                    sent.add(m.type() + m.resultCode().map(r -> ":" + r.code()).orElse("") + "#" + m.sequence());
                }

                @Override
                public void onState(ControlSession s, CapwapSessionState from, CapwapSessionState to, String why) {
                    states.add(to.name());
                }

                @Override
                public void onAnswer(ControlSession s, long requestType, ResultCode result) {
                    answers.add(requestType + ":" + result.code());
                }
            });

    private static ControlMessage request(int type, int seq) {
        return ControlMessage.of(type, seq);
    }

    private void join() {
        session.onJoinRequest(ControlMessageTest.fieldJoinRequest(), ResultCode.SUCCESS, JOIN_ELEMENTS);
    }

    private void toRun() {
        join();
        session.onRequest(request(ControlMessage.CONFIGURATION_STATUS_REQUEST, 8));
        session.onRequest(request(ControlMessage.CHANGE_STATE_EVENT_REQUEST, 9));
        assertEquals(CapwapSessionState.RUN, session.state());
        sent.clear();
    }

    @Test
    void joinAdmittedAnswersWithTheAcsElementsAndConfigures() {
        join();
        assertEquals(List.of("4:0#7"), sent);
        assertEquals(CapwapSessionState.CONFIGURE, session.state());
    }

    @Test
    void joinRefusedAnswersWithTheRefusalOnlyAndEnds() {
        session.onJoinRequest(ControlMessageTest.fieldJoinRequest(), ResultCode.JOIN_FAILURE_UNKNOWN_SOURCE, JOIN_ELEMENTS);
        assertEquals(List.of("4:5#7"), sent);
        assertEquals(CapwapSessionState.DEAD, session.state());
    }

    @Test
    void noJoinWithinWaitJoinEndsTheSession() {
        clock.advance(Duration.ofSeconds(59));
        assertEquals(CapwapSessionState.JOIN, session.state());
        clock.advance(Duration.ofSeconds(1));
        assertEquals(CapwapSessionState.DEAD, session.state());
        assertEquals(List.of(), sent);
    }

    @Test
    void beforeTheJoinOtherRequestsAreUnexpected() {
        session.onRequest(request(ControlMessage.CONFIGURATION_STATUS_REQUEST, 1));
        session.onRequest(request(ControlMessage.ECHO_REQUEST, 2));
        assertEquals(List.of("6:18#1", "14:18#2"), sent);
        assertEquals(CapwapSessionState.JOIN, session.state());
    }

    @Test
    void configureThenDataCheckThenRun() {
        join();
        session.onRequest(request(ControlMessage.CONFIGURATION_STATUS_REQUEST, 8));
        assertEquals(CapwapSessionState.DATA_CHECK, session.state());
        session.onRequest(request(ControlMessage.CHANGE_STATE_EVENT_REQUEST, 9));
        assertEquals(CapwapSessionState.RUN, session.state());
        assertEquals(List.of("4:0#7", "6#8", "12#9"), sent);
        assertEquals(List.of("CONFIGURE", "DATA_CHECK", "RUN"), states);
    }

    @Test
    void noChangeStateEventWithinItsTimerEndsTheSession() {
        join();
        session.onRequest(request(ControlMessage.CONFIGURATION_STATUS_REQUEST, 8));
        clock.advance(Duration.ofSeconds(25));
        assertEquals(CapwapSessionState.DEAD, session.state());
    }

    @Test
    void imageDataBeforeConfigurationEndsInReset() {
        join();
        session.onImageDataRequest();
        assertEquals(CapwapSessionState.IMAGE_DATA, session.state());
        session.onRequest(request(ControlMessage.ECHO_REQUEST, 20));
        assertEquals("14#20", sent.get(sent.size() - 1), "Echo answered during the download");
        session.onImageDataEnded(true);
        assertEquals(CapwapSessionState.RESET, session.state());
    }

    @Test
    void inRunEchoAndWtpEventsAreAnsweredAndConfigurationIsUnexpected() {
        toRun();
        session.onRequest(request(ControlMessage.ECHO_REQUEST, 30));
        session.onRequest(request(ControlMessage.WTP_EVENT_REQUEST, 31));
        session.onRequest(request(ControlMessage.CONFIGURATION_STATUS_REQUEST, 32));
        session.onRequest(request(99, 33));
        assertEquals(List.of("14#30", "10#31", "6:18#32", "100:19#33"), sent);
        assertEquals(CapwapSessionState.RUN, session.state());
    }

    @Test
    void aRepeatedRequestGetsTheSameResponseAndNothingIsRedone() {
        join();
        session.onJoinRequest(ControlMessageTest.fieldJoinRequest(), ResultCode.SUCCESS, JOIN_ELEMENTS);
        assertEquals(List.of("4:0#7", "4:0#7"), sent);
        assertEquals(List.of("CONFIGURE"), states, "joined once");
    }

    @Test
    void predownloadIsAConfigurationUpdateAndItsAnswerIsReported() {
        toRun();
        session.predownload(IMAGE);
        assertEquals(List.of("7#0"), sent);
        session.onResponse(ControlMessage.of(ControlMessage.CONFIGURATION_UPDATE_RESPONSE, 0, new MessageElement.Result(ResultCode.SUCCESS)));
        assertEquals(List.of("7:0"), answers);
        session.onResponse(ControlMessage.of(ControlMessage.CONFIGURATION_UPDATE_RESPONSE, 0, new MessageElement.Result(ResultCode.SUCCESS)));
        assertEquals(List.of("7:0"), answers, "a late copy changes nothing");
    }

    @Test
    void ordersWaitForRunAndGoOneAtATime() {
        join();
        session.predownload(IMAGE);
        session.reset(IMAGE);
        assertEquals(List.of("4:0#7"), sent, "nothing before Run");
        session.onRequest(request(ControlMessage.CONFIGURATION_STATUS_REQUEST, 8));
        session.onRequest(request(ControlMessage.CHANGE_STATE_EVENT_REQUEST, 9));
        assertEquals("7#0", sent.get(sent.size() - 1));
        session.onResponse(ControlMessage.of(ControlMessage.CONFIGURATION_UPDATE_RESPONSE, 0));
        assertEquals("17#1", sent.get(sent.size() - 1), "the reset after the predownload's answer");
        session.onResponse(ControlMessage.of(ControlMessage.RESET_RESPONSE, 1, new MessageElement.Result(ResultCode.SUCCESS)));
        assertEquals(CapwapSessionState.RESET, session.state());
    }

    @Test
    void anUnansweredRequestIsRepeatedDoublingThenTheSessionEnds() {
        toRun();
        session.predownload(IMAGE);
        long[] waits = {3, 6, 12, 24, 48};
        for (long w : waits) {
            int before = sent.size();
            clock.advance(Duration.ofSeconds(w));
            assertEquals(before + 1, sent.size(), "repeated after " + w + " s");
            session.onRequest(request(ControlMessage.ECHO_REQUEST, (int) w)); // the WTP is alive, just not answering
        }
        assertEquals(6, sent.stream().filter(s -> s.equals("7#0")).count(), "byte-identical repeats");
        clock.advance(Duration.ofSeconds(96));
        assertEquals(CapwapSessionState.DEAD, session.state());
    }

    @Test
    void aWtpThatStopsEchoingIsDead() {
        toRun();
        for (int i = 0; i < 10; i++) {
            clock.advance(Duration.ofSeconds(30));
            session.onRequest(request(ControlMessage.ECHO_REQUEST, i));
        }
        assertEquals(CapwapSessionState.RUN, session.state(), "echoing every 30 s keeps it");
        clock.advance(Duration.ofSeconds(218));
        assertEquals(CapwapSessionState.RUN, session.state());
        clock.advance(Duration.ofSeconds(1));
        assertEquals(CapwapSessionState.DEAD, session.state(), "EchoInterval plus the retransmission time without a word");
    }

    @Test
    void finalStatesIgnoreEverything() {
        session.onJoinRequest(ControlMessageTest.fieldJoinRequest(), ResultCode.JOIN_FAILURE_RESOURCE_DEPLETION, JOIN_ELEMENTS);
        sent.clear();
        session.onRequest(request(ControlMessage.ECHO_REQUEST, 50));
        session.predownload(IMAGE);
        clock.advance(Duration.ofHours(1));
        assertEquals(List.of(), sent);
        assertTrue(session.state().isFinal());
        assertEquals(0, clock.pending(), "no timer left behind");
    }
}

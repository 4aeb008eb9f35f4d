package dev.apimage.capwap;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.apimage.capwap.CapwapImageStateMachine.State;
import dev.apimage.capwap.wire.CapwapDecodeException;
import dev.apimage.capwap.wire.CapwapMessage;
import dev.apimage.capwap.wire.CapwapMessageWriter;
import dev.apimage.capwap.wire.ResultCode;
import dev.apimage.image.ImageType;
import dev.apimage.image.ImageVersion;
import dev.apimage.staging.StagingArea;
import dev.apimage.testing.CapturedLogs;
import dev.apimage.time.VirtualClock;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every state of the AP's state machine against every event, in virtual time: the next state,
 * the answer it sends (message type and Result Code, or nothing), and what is left in staging.
 */
class CapwapImageStateMachineTest {

    private static final ImageVersion AP = ImageVersion.parse("17.3.3.26");
    private static final ImageVersion CONTROLLER = ImageVersion.parse("17.9.4.27");
    private static final int SIZE = 2500;

    @TempDir
    Path dir;

    private final byte[] image = new byte[SIZE];
    private byte[] md5;
    private VirtualClock timers;
    private final List<byte[]> sent = new ArrayList<>();
    private final List<String> transitions = new ArrayList<>();
    private StagingArea area;
    private CapwapImageStateMachine sm;
    private final CapwapMessageWriter w = new CapwapMessageWriter();
    private final CapwapMessage decoded = new CapwapMessage();

    @BeforeEach
    void image() throws Exception {
        new Random(5415).nextBytes(image);
        md5 = MessageDigest.getInstance("MD5").digest(image);
    }

    private void create(ApImageSettings settings, long capacity) throws IOException {
        timers = new VirtualClock();
        area = StagingArea.open(dir.resolve("staging"), capacity);
        sent.clear();
        transitions.clear();
        CapwapImageStateMachine.Port port = new CapwapImageStateMachine.Port() {
            @Override
            public ByteBuf buffer() {
                return Unpooled.buffer();
            }

            @Override
            public void send(ByteBuf datagram) {
                sent.add(ByteBufUtil.getBytes(datagram));
                datagram.release();
            }

            @Override
            public String peer() {
                return "127.0.0.1:5246";
            }
        };
        sm = new CapwapImageStateMachine(settings, area, port, timers, new CapwapImageStateMachine.Listener() {
            @Override
            public void onTransition(State from, State to) {
                transitions.add(from + ">" + to);
            }
        });
    }

    private static ApImageSettings settings() {
        return ApImageSettings.of("AP0001", ImageType.AP1G8, AP).withControllerVersion(CONTROLLER);
    }

    // ---- what the controller sends ----

    private void deliver(Encoder e) {
        ByteBuf b = Unpooled.buffer();
        e.encode(b);
        sm.onDatagram(b);
        b.release();
    }

    private interface Encoder {
        void encode(ByteBuf b);
    }

    private void response(int seq, long result) {
        deliver(b -> {
            w.begin(b, CapwapMessage.IMAGE_DATA_RESPONSE, seq).resultCode(result);
            if (result == 0) {
                w.imageInformation(SIZE, md5);
            }
            w.finish();
        });
    }

    private void block(int seq, int type, int from, int length, byte[] source) {
        deliver(b -> w.begin(b, CapwapMessage.IMAGE_DATA_REQUEST, seq)
                .imageData(type, Unpooled.wrappedBuffer(source), from, length).finish());
    }

    private void block(int seq, int type, int from, int length) {
        block(seq, type, from, length, image);
    }

    // ---- driving to each state ----

    private void driveTo(State s) throws IOException {
        switch (s) {
            case IDLE -> create(settings(), Long.MAX_VALUE);
            case REQUESTING -> {
                create(settings(), Long.MAX_VALUE);
                sm.start();
            }
            case AWAITING_DATA -> {
                driveTo(State.REQUESTING);
                response(0, 0);
            }
            case RECEIVING -> {
                driveTo(State.AWAITING_DATA);
                block(10, 1, 0, 1024);
            }
            case COMPLETE -> {
                driveTo(State.RECEIVING);
                block(11, 1, 1024, 1024);
                block(12, 2, 2048, SIZE - 2048);
            }
            case UP_TO_DATE -> {
                create(ApImageSettings.of("AP0001", ImageType.AP1G8, AP).withControllerVersion(AP), Long.MAX_VALUE);
                sm.start();
            }
            case ABORTED -> {
                driveTo(State.RECEIVING);
                sm.abort("operator cancelled");
            }
            default -> throw new IllegalArgumentException("transient state " + s);
        }
        assertEquals(s, sm.state());
        sent.clear();
    }

    /** Applies one event; the state machine's received bytes tell where the next block starts. */
    private void apply(String event) throws IOException {
        int at = (int) Math.min(sm.receivedBytes(), SIZE - 1024);
        switch (event) {
            case "START" -> sm.start();
            case "RESPONSE_OK" -> response(0, 0);
            case "RESPONSE_ERROR" -> response(0, ResultCode.IMAGE_DATA_OTHER_ERROR.code());
            case "BLOCK" -> block(20, 1, at, 1024);
            case "LAST_BLOCK" -> block(20, 2, at, SIZE - at);
            case "CORRUPT_LAST_BLOCK" -> {
                byte[] bad = image.clone();
                bad[SIZE - 1] ^= 1;
                block(20, 2, at, SIZE - at, bad);
            }
            case "SHORT_LAST_BLOCK" -> block(20, 2, at, 10);
            case "TOO_LONG_BLOCK" -> block(20, 1, 0, SIZE, new byte[SIZE * 2]);
            case "ERROR_BLOCK" -> block(20, 5, 0, 0);
            case "NO_DATA_ELEMENT" -> deliver(b -> w.begin(b, CapwapMessage.IMAGE_DATA_REQUEST, 20).resultCode(0).finish());
            case "RETRANSMIT_TIMER" -> timers.advance(Duration.ofSeconds(3));
            case "START_TIMER" -> timers.advance(Duration.ofSeconds(30));
            case "ABORT" -> sm.abort("operator cancelled");
            case "ECHO_REQUEST" -> deliver(b -> w.begin(b, CapwapMessage.ECHO_REQUEST, 30).finish());
            case "RESET_REQUEST" -> deliver(b -> w.begin(b, CapwapMessage.RESET_REQUEST, 31).imageIdentifier(14179, "ap1g8").finish());
            case "UNKNOWN_REQUEST" -> deliver(b -> w.begin(b, 31, 32).finish());
            case "MALFORMED" -> deliver(b -> b.writeBytes(new byte[] {0, 0x10, 2, 0, 0, 0, 0, 0, 0, 0, 0, 15, 1, 0, 9, 0}));
            default -> throw new IllegalArgumentException(event);
        }
    }

    private String answers() {
        List<String> out = new ArrayList<>();
        for (byte[] d : sent) {
            try {
                decoded.wrap(Unpooled.wrappedBuffer(d), 0, d.length);
            } catch (CapwapDecodeException e) {
                throw new AssertionError("the state machine sent a malformed message", e);
            }
            out.add(decoded.messageType() + (decoded.hasResultCode() ? ":" + decoded.resultCode() : "")
                    + (decoded.hasImageIdentifier() ? ":" + decoded.imageName() : ""));
        }
        return out.isEmpty() ? "-" : String.join(",", out);
    }

    /**
     * The table: state, event, next state, answers ("type:result", "-" for none, "!" when the
     * call is refused with IllegalStateException).
     */
    static Stream<String> transitions() {
        return Stream.of(
                "IDLE START REQUESTING 15:ap1g8",
                "IDLE RESPONSE_OK IDLE -",
                "IDLE BLOCK IDLE 16:18",
                "IDLE RETRANSMIT_TIMER IDLE -",
                "IDLE START_TIMER IDLE -",
                "IDLE ABORT ABORTED -",
                "IDLE ECHO_REQUEST IDLE 14",
                "IDLE RESET_REQUEST IDLE 18:10",
                "IDLE UNKNOWN_REQUEST IDLE 32:19",
                "IDLE MALFORMED IDLE -",

                "REQUESTING START REQUESTING !",
                "REQUESTING RESPONSE_OK AWAITING_DATA -",
                "REQUESTING RESPONSE_ERROR ABORTED -",
                "REQUESTING BLOCK REQUESTING -",
                "REQUESTING RETRANSMIT_TIMER REQUESTING 15:ap1g8",
                "REQUESTING START_TIMER ABORTED 15:ap1g8,15:ap1g8,15:ap1g8",
                "REQUESTING ABORT ABORTED -",
                "REQUESTING ECHO_REQUEST REQUESTING 14",
                "REQUESTING RESET_REQUEST REQUESTING 18:10",
                "REQUESTING UNKNOWN_REQUEST REQUESTING 32:19",
                "REQUESTING MALFORMED REQUESTING -",

                "AWAITING_DATA START AWAITING_DATA !",
                "AWAITING_DATA RESPONSE_OK AWAITING_DATA -",
                "AWAITING_DATA RESPONSE_ERROR AWAITING_DATA -",
                "AWAITING_DATA BLOCK RECEIVING 16:0",
                "AWAITING_DATA LAST_BLOCK COMPLETE 16:0",
                "AWAITING_DATA ERROR_BLOCK ABORTED 16:0",
                "AWAITING_DATA NO_DATA_ELEMENT AWAITING_DATA 16:20",
                "AWAITING_DATA RETRANSMIT_TIMER AWAITING_DATA -",
                "AWAITING_DATA START_TIMER ABORTED -",
                "AWAITING_DATA ABORT ABORTED -",
                "AWAITING_DATA ECHO_REQUEST AWAITING_DATA 14",
                "AWAITING_DATA RESET_REQUEST AWAITING_DATA 18:10",
                "AWAITING_DATA UNKNOWN_REQUEST AWAITING_DATA 32:19",
                "AWAITING_DATA MALFORMED AWAITING_DATA -",

                "RECEIVING START RECEIVING !",
                "RECEIVING RESPONSE_OK RECEIVING -",
                "RECEIVING BLOCK RECEIVING 16:0",
                "RECEIVING LAST_BLOCK COMPLETE 16:0",
                "RECEIVING CORRUPT_LAST_BLOCK ABORTED 16:14",
                "RECEIVING SHORT_LAST_BLOCK ABORTED 16:15",
                "RECEIVING TOO_LONG_BLOCK ABORTED 16:15",
                "RECEIVING ERROR_BLOCK ABORTED 16:0",
                "RECEIVING NO_DATA_ELEMENT RECEIVING 16:20",
                "RECEIVING RETRANSMIT_TIMER RECEIVING -",
                "RECEIVING START_TIMER ABORTED -",
                "RECEIVING ABORT ABORTED -",
                "RECEIVING ECHO_REQUEST RECEIVING 14",
                "RECEIVING RESET_REQUEST RECEIVING 18:10",
                "RECEIVING UNKNOWN_REQUEST RECEIVING 32:19",
                "RECEIVING MALFORMED RECEIVING -",

                "COMPLETE START COMPLETE !",
                "COMPLETE RESPONSE_OK COMPLETE -",
                "COMPLETE BLOCK COMPLETE 16:17",
                "COMPLETE START_TIMER COMPLETE -",
                "COMPLETE ABORT COMPLETE -",
                "COMPLETE ECHO_REQUEST COMPLETE 14",
                "COMPLETE RESET_REQUEST COMPLETE 18:0",
                "COMPLETE UNKNOWN_REQUEST COMPLETE 32:19",

                "UP_TO_DATE START UP_TO_DATE !",
                "UP_TO_DATE BLOCK UP_TO_DATE 16:18",
                "UP_TO_DATE START_TIMER UP_TO_DATE -",
                "UP_TO_DATE ABORT UP_TO_DATE -",
                "UP_TO_DATE RESET_REQUEST UP_TO_DATE 18:0",
                "UP_TO_DATE UNKNOWN_REQUEST UP_TO_DATE 32:19",

                "ABORTED START ABORTED !",
                "ABORTED RESPONSE_OK ABORTED -",
                "ABORTED BLOCK ABORTED 16:16",
                "ABORTED START_TIMER ABORTED -",
                "ABORTED ABORT ABORTED -",
                "ABORTED ECHO_REQUEST ABORTED 14",
                "ABORTED RESET_REQUEST ABORTED 18:10",
                "ABORTED UNKNOWN_REQUEST ABORTED 32:19",
                "ABORTED MALFORMED ABORTED -");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("transitions")
    void everyStateAgainstEveryEvent(String row) throws IOException {
        String[] f = row.split(" ");
        State from = State.valueOf(f[0]);
        driveTo(from);
        if (f[3].equals("!")) {
            assertThrows(IllegalStateException.class, () -> apply(f[1]));
            assertEquals(from, sm.state());
            return;
        }
        apply(f[1]);
        assertEquals(State.valueOf(f[2]), sm.state(), row);
        assertEquals(f[3], answers(), row);
        if (sm.state() == State.ABORTED) {
            assertTrue(sm.outcome().isDone());
            assertEquals(List.of(), files(), "an aborted download leaves nothing in staging");
        }
        if (sm.state() == State.COMPLETE) {
            assertArrayEquals(image, Files.readAllBytes(dir.resolve("staging/ap1g8")));
            assertTrue(sm.outcome().join().succeeded());
        }
        if (sm.state().isFinal()) {
            assertEquals(0, timers.pending(), "a final state leaves no timer behind");
        }
    }

    @Test
    void aRepeatedRequestGetsTheIdenticalAnswerInEveryStateAndChangesNothing() throws IOException {
        for (State s : new State[] {State.IDLE, State.REQUESTING, State.AWAITING_DATA, State.RECEIVING, State.COMPLETE,
                State.UP_TO_DATE, State.ABORTED}) {
            for (String event : new String[] {"BLOCK", "LAST_BLOCK", "RESET_REQUEST", "UNKNOWN_REQUEST"}) {
                driveTo(s);
                int at = (int) Math.min(sm.receivedBytes(), SIZE - 1024);
                Encoder request = switch (event) {
                    case "BLOCK" -> b -> w.begin(b, CapwapMessage.IMAGE_DATA_REQUEST, 40).imageData(1, Unpooled.wrappedBuffer(image), at, 1024).finish();
                    case "LAST_BLOCK" -> b -> w.begin(b, CapwapMessage.IMAGE_DATA_REQUEST, 40).imageData(2, Unpooled.wrappedBuffer(image), at, SIZE - at).finish();
                    case "RESET_REQUEST" -> b -> w.begin(b, CapwapMessage.RESET_REQUEST, 40).imageIdentifier(14179, "ap1g8").finish();
                    default -> b -> w.begin(b, 31, 40).finish();
                };
                deliver(request);
                State after = sm.state();
                long bytes = sm.receivedBytes();
                List<byte[]> first = new ArrayList<>(sent);
                sent.clear();
                deliver(request);
                assertEquals(after, sm.state(), s + " " + event);
                assertEquals(bytes, sm.receivedBytes(), s + " " + event);
                assertEquals(first.size(), sent.size(), s + " " + event);
                for (int i = 0; i < first.size(); i++) {
                    assertArrayEquals(first.get(i), sent.get(i), s + " " + event + ": the repeated answer differs");
                }
            }
        }
    }

    @Test
    void followsTheSeedsLogThroughATransientStateSequence() throws IOException {
        CapturedLogs.clear();
        driveTo(State.COMPLETE);
        assertEquals(List.of("IDLE>VERSION_CHECK", "VERSION_CHECK>PRECHECK", "PRECHECK>REQUESTING", "REQUESTING>AWAITING_DATA",
                "AWAITING_DATA>RECEIVING", "RECEIVING>STORING", "STORING>COMPLETE"), transitions);
        String log = String.join("\n", CapturedLogs.lines());
        assertTrue(log.contains("[AP0001] CAPWAP State: Image Data"), log);
        assertTrue(log.contains("[AP0001] AP image version 17.3.3.26 backup none, Controller 17.9.4.27"), log);
        assertTrue(log.contains("[AP0001] Version does not match."), log);
        assertTrue(log.contains("[AP0001] Image Data Request sent to 127.0.0.1:5246, fileName [ap1g8]"), log);
        assertTrue(log.contains("[AP0001] 2500 bytes, 3 msgs, 452 last"), log);
        assertTrue(log.contains("[AP0001] Last block stored"), log);
        ApImageOutcome o = sm.outcome().join();
        assertEquals(SIZE, o.bytes());
        assertEquals(3, o.messages());
        assertEquals(HexFormatMd5.hex(md5), o.image().orElseThrow().digests().md5());
    }

    @Test
    void equalVersionsDownloadNothing() throws IOException {
        driveTo(State.UP_TO_DATE);
        assertEquals(List.of("IDLE>VERSION_CHECK", "VERSION_CHECK>UP_TO_DATE"), transitions);
        assertTrue(sm.outcome().join().succeeded());
        assertEquals(List.of(), files());
    }

    @Test
    void precheckFailsBeforeAnyRequestAndAgainWhenTheAnnouncedSizeDoesNotFit() throws IOException {
        create(settings().withRequiredSpace(50_000), 10_000);
        sm.start();
        assertEquals(State.ABORTED, sm.state());
        assertEquals(List.of("IDLE>VERSION_CHECK", "VERSION_CHECK>PRECHECK", "PRECHECK>ABORTED"), transitions);
        assertEquals("-", answers(), "nothing is requested when the precheck fails");
        assertTrue(sm.outcome().join().reason().orElseThrow().startsWith("PRECHECK failed: not enough space, available 10000, required 50000"));

        create(settings(), 1000); // passes the up-front check (0 required), not the announced 2500 bytes
        sm.start();
        response(0, 0);
        assertEquals(State.ABORTED, sm.state());
        assertTrue(sm.outcome().join().reason().orElseThrow().contains("required 2500"));
        assertEquals(List.of(), files());
    }

    @Test
    void requestIsRetransmittedWithDoublingIntervalsUpToMaxRetransmit() throws IOException {
        create(settings().withTimers(Duration.ofSeconds(3), 5, Duration.ofSeconds(1000), Duration.ofSeconds(30)), Long.MAX_VALUE);
        sm.start();
        byte[] original = sent.get(0);
        long[] at = {3, 6, 12, 24, 48}; // waits before each retransmission
        for (int i = 0; i < at.length; i++) {
            timers.advance(Duration.ofSeconds(at[i]).minusMillis(1));
            assertEquals(i + 1, sent.size(), "retransmitted too early, before " + at[i] + " s");
            timers.advance(Duration.ofMillis(1));
            assertEquals(i + 2, sent.size());
            assertArrayEquals(original, sent.get(i + 1), "a retransmitted request is byte-identical");
        }
        timers.advance(Duration.ofSeconds(96));
        assertEquals(State.ABORTED, sm.state());
        assertEquals(6, sent.size());
        assertEquals("no Image Data Response after 6 requests (MaxRetransmit 5)", sm.outcome().join().reason().orElseThrow());
    }

    @Test
    void theDataTimerCountsSilenceNotTotalTime() throws IOException {
        driveTo(State.RECEIVING);
        timers.advance(Duration.ofSeconds(20));
        block(11, 1, 1024, 1024);
        timers.advance(Duration.ofSeconds(20));
        assertEquals(State.RECEIVING, sm.state(), "40 s in total but only 20 s of silence");
        timers.advance(Duration.ofSeconds(10));
        assertEquals(State.ABORTED, sm.state());
        assertEquals("no image data for 30 s after 2048 bytes", sm.outcome().join().reason().orElseThrow());
        assertEquals(List.of(), files());
    }

    @Test
    void echoRequestsKeepTheSessionAliveDuringALongDownload() throws IOException {
        driveTo(State.RECEIVING);
        for (int i = 0; i < 3; i++) {
            timers.advance(Duration.ofSeconds(15));
            block(11 + i, 1, (int) sm.receivedBytes(), 1);
        }
        assertTrue(answers().contains("13"), "an Echo Request went out after 30 s: " + answers());
    }

    private List<String> files() throws IOException {
        try (Stream<Path> s = Files.list(dir.resolve("staging"))) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    private static final class HexFormatMd5 {
        static String hex(byte[] b) {
            return java.util.HexFormat.of().formatHex(b);
        }
    }
}

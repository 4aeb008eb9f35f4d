package dev.apimage.capwap.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.apimage.capwap.ApStreamStatus.Phase;
import dev.apimage.capwap.wire.CapwapDecodeException;
import dev.apimage.capwap.wire.CapwapMessage;
import dev.apimage.capwap.wire.CapwapMessageWriter;
import dev.apimage.image.ImageType;
import dev.apimage.time.VirtualClock;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The controller's per-AP session against every event in every state, in virtual time: what it
 * sends (message type with Result Code or Image Data type) and the state it ends in.
 */
class ImageStreamSessionTest {

    private static final int SIZE = 2500; // blocks of 1024, 1024 and 452
    private static final Duration RETRANSMIT = Duration.ofSeconds(1);
    private static final StreamerSettings SETTINGS = new StreamerSettings(1024, RETRANSMIT.toNanos(), 3, 1, 10, 10,
            Duration.ofSeconds(30).toNanos(), Duration.ofSeconds(30).toNanos());
    private static final InetSocketAddress AP = new InetSocketAddress("127.0.0.1", 40000);

    @TempDir
    Path dir;

    private final VirtualClock clock = new VirtualClock();
    private final List<String> sent = new ArrayList<>();
    private final List<Phase> phases = new ArrayList<>();
    private final List<OpenImageFile> changed = new ArrayList<>();
    private final CapwapMessage decoded = new CapwapMessage();
    private Path imageFile;
    private OpenImageFile image;
    private ImageStreamSession session;
    private long progressReports;

    @BeforeEach
    void create() throws Exception {
        byte[] bytes = new byte[SIZE];
        new Random(5415).nextBytes(bytes);
        imageFile = Files.write(dir.resolve("ap1g8"), bytes);
        image = OpenImageFile.open("k", imageFile, SIZE, MessageDigest.getInstance("MD5").digest(bytes));
        session = new ImageStreamSession(AP, ImageType.AP1G8, 7, SETTINGS, new CapwapMessageWriter(), new ImageStreamSession.Port() {
            @Override
            public ByteBuf buffer(int capacity, InetSocketAddress to) {
                return Unpooled.buffer(capacity);
            }

            @Override
            public void send(ByteBuf datagram, InetSocketAddress to) {
                assertEquals(AP, to);
                sent.add(describe(datagram));
                datagram.release();
            }

            @Override
            public void onPhase(ImageStreamSession s) {
                phases.add(s.phase());
            }

            @Override
            public void onProgress(ImageStreamSession s) {
                progressReports++;
            }

            @Override
            public void onImageChanged(OpenImageFile file) {
                changed.add(file);
            }
        });
    }

    @AfterEach
    void close() {
        image.close();
    }

    /** A datagram as {@code type:result} for responses, {@code type/data-type@length} for Image Data requests. */
    private String describe(ByteBuf d) {
        try {
            decoded.wrap(d, d.readerIndex(), d.writerIndex());
        } catch (CapwapDecodeException e) {
            throw new AssertionError(e);
        }
        String s = Long.toString(decoded.messageType());
        if (decoded.hasResultCode()) {
            s += ":" + decoded.resultCode();
        }
        if (decoded.hasImageInformation()) {
            s += "+size" + decoded.imageFileSize();
        }
        if (decoded.hasImageData()) {
            s += "/" + decoded.imageDataType() + "@" + decoded.imageDataLength() + "#" + decoded.sequenceNumber();
        }
        if (!decoded.isRequest()) {
            s += "#" + decoded.sequenceNumber();
        }
        return s;
    }

    /** The sequence number of the block outstanding now. */
    private int outstanding() {
        String last = sent.get(sent.size() - 1);
        return Integer.parseInt(last.substring(last.lastIndexOf('#') + 1));
    }

    enum Start { FETCHING, STREAMING, COMPLETED, FAILED }

    enum Event { IMAGE_READY, FETCH_FAILED, REQUEST_REPEATED, RESPONSE_OK, RESPONSE_ERROR, RESPONSE_WITHOUT_RESULT,
        RESPONSE_STALE, TICK_EARLY, TICK_LATE }

    private void bringTo(Start start) {
        switch (start) {
            case FETCHING -> { }
            case STREAMING -> session.onImageReady(image, clock.nanoTime());
            case COMPLETED -> {
                session.onImageReady(image, clock.nanoTime());
                for (int i = 0; i < 3; i++) {
                    session.onResponse(outstanding(), 0, clock.nanoTime());
                }
            }
            case FAILED -> session.onFetchFailed("Failed to download file x: No such file or directory", clock.nanoTime());
        }
        assertEquals(start.name(), session.phase().name());
        sent.clear();
    }

    private void fire(Event e) {
        int seq = lastBlockSeq >= 0 ? lastBlockSeq : 1; // the outstanding block's, where there is one
        switch (e) {
            case IMAGE_READY -> session.onImageReady(image, clock.nanoTime());
            case FETCH_FAILED -> session.onFetchFailed("Failed to download file x: Timed out", clock.nanoTime());
            case REQUEST_REPEATED -> session.onRequestRepeated();
            case RESPONSE_OK -> session.onResponse(seq, 0, clock.nanoTime());
            case RESPONSE_ERROR -> session.onResponse(seq, 14, clock.nanoTime());
            case RESPONSE_WITHOUT_RESULT -> session.onResponse(seq, -1, clock.nanoTime());
            case RESPONSE_STALE -> session.onResponse((seq + 128) & 0xFF, 0, clock.nanoTime());
            case TICK_EARLY -> {
                clock.advance(RETRANSMIT.minusMillis(1));
                session.onTick(clock.nanoTime());
            }
            case TICK_LATE -> {
                clock.advance(RETRANSMIT);
                session.onTick(clock.nanoTime());
            }
        }
    }

    /** The sequence number of the block outstanding when the event fires, -1 when none is. */
    private int lastBlockSeq = -1;

    static Stream<Arguments> table() {
        // state, event, sent, next
        return Stream.of(
                Arguments.of(Start.FETCHING, Event.IMAGE_READY, "16:0+size2500#7 15/1@1024#1", Phase.STREAMING),
                Arguments.of(Start.FETCHING, Event.FETCH_FAILED, "16:16#7", Phase.FAILED),
                Arguments.of(Start.FETCHING, Event.REQUEST_REPEATED, "", Phase.FETCHING),
                Arguments.of(Start.FETCHING, Event.RESPONSE_OK, "", Phase.FETCHING),
                Arguments.of(Start.FETCHING, Event.RESPONSE_ERROR, "", Phase.FETCHING),
                Arguments.of(Start.FETCHING, Event.RESPONSE_WITHOUT_RESULT, "", Phase.FETCHING),
                Arguments.of(Start.FETCHING, Event.RESPONSE_STALE, "", Phase.FETCHING),
                Arguments.of(Start.FETCHING, Event.TICK_EARLY, "", Phase.FETCHING),
                Arguments.of(Start.FETCHING, Event.TICK_LATE, "", Phase.FETCHING),

                Arguments.of(Start.STREAMING, Event.IMAGE_READY, "", Phase.STREAMING),
                Arguments.of(Start.STREAMING, Event.FETCH_FAILED, "", Phase.STREAMING),
                Arguments.of(Start.STREAMING, Event.REQUEST_REPEATED, "16:0+size2500#7", Phase.STREAMING),
                Arguments.of(Start.STREAMING, Event.RESPONSE_OK, "15/1@1024#2", Phase.STREAMING),
                Arguments.of(Start.STREAMING, Event.RESPONSE_ERROR, "", Phase.FAILED),
                Arguments.of(Start.STREAMING, Event.RESPONSE_WITHOUT_RESULT, "", Phase.FAILED),
                Arguments.of(Start.STREAMING, Event.RESPONSE_STALE, "", Phase.STREAMING),
                Arguments.of(Start.STREAMING, Event.TICK_EARLY, "", Phase.STREAMING),
                Arguments.of(Start.STREAMING, Event.TICK_LATE, "15/1@1024#1", Phase.STREAMING),

                Arguments.of(Start.COMPLETED, Event.IMAGE_READY, "", Phase.COMPLETED),
                Arguments.of(Start.COMPLETED, Event.FETCH_FAILED, "", Phase.COMPLETED),
                Arguments.of(Start.COMPLETED, Event.REQUEST_REPEATED, "16:0+size2500#7", Phase.COMPLETED),
                Arguments.of(Start.COMPLETED, Event.RESPONSE_OK, "", Phase.COMPLETED),
                Arguments.of(Start.COMPLETED, Event.RESPONSE_ERROR, "", Phase.COMPLETED),
                Arguments.of(Start.COMPLETED, Event.RESPONSE_WITHOUT_RESULT, "", Phase.COMPLETED),
                Arguments.of(Start.COMPLETED, Event.RESPONSE_STALE, "", Phase.COMPLETED),
                Arguments.of(Start.COMPLETED, Event.TICK_EARLY, "", Phase.COMPLETED),
                Arguments.of(Start.COMPLETED, Event.TICK_LATE, "", Phase.COMPLETED),

                Arguments.of(Start.FAILED, Event.IMAGE_READY, "", Phase.FAILED),
                Arguments.of(Start.FAILED, Event.FETCH_FAILED, "", Phase.FAILED),
                Arguments.of(Start.FAILED, Event.REQUEST_REPEATED, "16:16#7", Phase.FAILED),
                Arguments.of(Start.FAILED, Event.RESPONSE_OK, "", Phase.FAILED),
                Arguments.of(Start.FAILED, Event.RESPONSE_ERROR, "", Phase.FAILED),
                Arguments.of(Start.FAILED, Event.RESPONSE_WITHOUT_RESULT, "", Phase.FAILED),
                Arguments.of(Start.FAILED, Event.RESPONSE_STALE, "", Phase.FAILED),
                Arguments.of(Start.FAILED, Event.TICK_EARLY, "", Phase.FAILED),
                Arguments.of(Start.FAILED, Event.TICK_LATE, "", Phase.FAILED));
    }

    @ParameterizedTest(name = "{0} x {1}")
    @MethodSource("table")
    void everyStateAgainstEveryEvent(Start start, Event event, String expectedSent, Phase next) {
        bringTo(start);
        lastBlockSeq = start == Start.STREAMING ? 1 : -1;
        fire(event);
        assertEquals(expectedSent, String.join(" ", sent), start + " x " + event);
        assertEquals(next, session.phase(), start + " x " + event);
    }

    @Test
    void theTableCoversEveryStateAndEvent() {
        assertEquals(Start.values().length * Event.values().length, table().count());
        assertEquals(Arrays.stream(Phase.values()).map(Enum::name).toList(),
                Arrays.stream(Start.values()).map(Enum::name).toList(), "one row group per phase the streamer reports");
    }

    @Test
    void streamsTheWholeImageAndMarksTheLastBlock() {
        session.onImageReady(image, clock.nanoTime());
        session.onResponse(1, 0, clock.nanoTime());
        session.onResponse(2, 0, clock.nanoTime());
        assertEquals(Phase.STREAMING, session.phase());
        session.onResponse(3, 0, clock.nanoTime());
        assertEquals(List.of("16:0+size2500#7", "15/1@1024#1", "15/1@1024#2", "15/2@452#3"), sent);
        assertEquals(Phase.COMPLETED, session.phase());
        assertEquals(SIZE, session.bytesAcknowledged());
        assertEquals(3, progressReports);
        assertEquals(List.of(Phase.STREAMING, Phase.COMPLETED), phases);
    }

    @Test
    void retransmitsDoublingThenGivesUpAfterMaxRetransmit() {
        session.onImageReady(image, clock.nanoTime());
        session.onResponse(1, 0, clock.nanoTime()); // the AP has answered: the full MaxRetransmit applies
        sent.clear();
        long[] waits = {1, 2, 4}; // seconds: RetransmitInterval doubling
        for (long w : waits) {
            clock.advance(Duration.ofSeconds(w).minusMillis(1));
            session.onTick(clock.nanoTime());
            int before = sent.size();
            clock.advance(Duration.ofMillis(1));
            session.onTick(clock.nanoTime());
            assertEquals(before + 1, sent.size(), "a retransmission after " + w + " s");
        }
        assertEquals(List.of("15/1@1024#2", "15/1@1024#2", "15/1@1024#2"), sent, "the same block, the same sequence number");
        clock.advance(Duration.ofSeconds(8));
        session.onTick(clock.nanoTime());
        assertEquals(Phase.FAILED, session.phase());
        assertTrue(session.status().failure().orElseThrow().contains("after 4 sends"), session.status().toString());
        assertEquals(3, session.status().retransmissions());
    }

    @Test
    void aSourceThatNeverAnsweredGetsOnlyTheHalfOpenRetransmits() {
        session.onImageReady(image, clock.nanoTime());
        clock.advance(RETRANSMIT);
        session.onTick(clock.nanoTime());
        clock.advance(RETRANSMIT.multipliedBy(2));
        session.onTick(clock.nanoTime());
        assertEquals(Phase.FAILED, session.phase(), "one half-open retransmission, then given up");
        assertEquals(List.of("16:0+size2500#7", "15/1@1024#1", "15/1@1024#1"), sent);
    }

    @Test
    void aChangedImageFileAbortsWithDataType5() throws IOException {
        session.onImageReady(image, clock.nanoTime());
        session.onResponse(1, 0, clock.nanoTime());
        Files.write(imageFile, new byte[SIZE + 1]); // a rewrite in place: another size
        session.onResponse(2, 0, clock.nanoTime()); // the last block is checked before it goes out
        assertEquals("15/5@0#3", sent.get(sent.size() - 1), "RFC 5415 4.6.24: Image Data type 5, no data");
        assertEquals(Phase.FAILED, session.phase());
        assertEquals(List.of(image), changed, "the streamer is told to stop sharing the file");
    }

    @Test
    void anEndedSessionExpiresAfterItsLinger() {
        session.onFetchFailed("Failed to download file x: Timed out", clock.nanoTime());
        assertFalse(session.expired(clock.nanoTime()));
        clock.advance(Duration.ofSeconds(30).minusNanos(1));
        assertFalse(session.expired(clock.nanoTime()));
        clock.advance(Duration.ofNanos(1));
        assertTrue(session.expired(clock.nanoTime()));
        assertEquals(Phase.FAILED, session.phase(), "expiry frees the session; its state stays");
    }

    @Test
    void aStreamingSessionNeverExpires() {
        session.onImageReady(image, clock.nanoTime());
        clock.advance(Duration.ofHours(1));
        assertFalse(session.expired(clock.nanoTime()));
    }
}

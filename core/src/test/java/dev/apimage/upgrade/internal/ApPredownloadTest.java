package dev.apimage.upgrade.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.apimage.image.ImageType;
import dev.apimage.image.ImageVersion;
import dev.apimage.time.VirtualClock;
import dev.apimage.upgrade.JoinedAp;
import dev.apimage.upgrade.PlanAction;
import dev.apimage.upgrade.PlannedAp;
import dev.apimage.upgrade.PredownloadStatus;
import dev.apimage.upgrade.UpgradeSettings;
import dev.apimage.upgrade.internal.ApPredownload.Event;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The transition table of one AP's predownload, row by row, in virtual time. */
class ApPredownloadTest {

    private static final ImageVersion TARGET = ImageVersion.parse("17.9.4.27");
    private static final Instant WALL = Instant.parse("2024-02-01T17:05:37Z");
    private static final UpgradeSettings SETTINGS = new UpgradeSettings(100, 16, Duration.ofSeconds(60), 2,
            Duration.ofSeconds(60), Clock.fixed(WALL, ZoneOffset.UTC));

    private final VirtualClock clock = new VirtualClock();

    private static ApPredownload ap(PlanAction action, boolean atJoin) {
        JoinedAp joined = JoinedAp.of("AP-POD-2-2", "AIR-AP3802I-E-K9", "17.3.3.26", "8.10.130.0");
        return new ApPredownload(new PlannedAp(joined, Optional.of(ImageType.AP3G3), action), atJoin);
    }

    /** Brings a fresh predownload into a status through the table itself. */
    private ApPredownload in(PredownloadStatus status, boolean atJoin) {
        ApPredownload p = ap(status == PredownloadStatus.NONE ? PlanAction.NONE
                : status == PredownloadStatus.NOT_SUPPORTED ? PlanAction.NOT_SUPPORTED : PlanAction.FROM_IMAGE_SERVER, atJoin);
        long now = clock.nanoTime();
        switch (status) {
            case PREDOWNLOADING, DOWNLOADING -> p.on(Event.STARTED, now, SETTINGS, TARGET, null);
            case COMPLETE, COMPLETED_DOWNLOADING -> {
                p.on(Event.STARTED, now, SETTINGS, TARGET, null);
                p.on(Event.SUCCEEDED, now, SETTINGS, TARGET, null);
            }
            case FAILED -> p.on(Event.FAILED, now, SETTINGS, TARGET, "Timed out");
            default -> { }
        }
        assertEquals(status, p.status());
        return p;
    }

    static Stream<Arguments> table() {
        PredownloadStatus I = PredownloadStatus.INITIATED;
        PredownloadStatus P = PredownloadStatus.PREDOWNLOADING;
        PredownloadStatus D = PredownloadStatus.DOWNLOADING;
        PredownloadStatus C = PredownloadStatus.COMPLETE;
        PredownloadStatus CD = PredownloadStatus.COMPLETED_DOWNLOADING;
        PredownloadStatus F = PredownloadStatus.FAILED;
        PredownloadStatus N = PredownloadStatus.NONE;
        PredownloadStatus NS = PredownloadStatus.NOT_SUPPORTED;
        return Stream.of(
                Arguments.of(I, false, Event.ARMED, N),
                Arguments.of(I, false, Event.STARTED, P),
                Arguments.of(I, false, Event.SUCCEEDED, I),
                Arguments.of(I, false, Event.FAILED, F),
                Arguments.of(I, false, Event.RETRY_DUE, I),
                Arguments.of(I, false, Event.CANCELLED, F),
                Arguments.of(P, false, Event.ARMED, P),
                Arguments.of(P, false, Event.STARTED, P),
                Arguments.of(P, false, Event.SUCCEEDED, C),
                Arguments.of(P, false, Event.FAILED, F),
                Arguments.of(P, false, Event.RETRY_DUE, P),
                Arguments.of(P, false, Event.CANCELLED, F),
                Arguments.of(D, true, Event.STARTED, D),
                Arguments.of(D, true, Event.SUCCEEDED, CD),
                Arguments.of(D, true, Event.FAILED, F),
                Arguments.of(D, true, Event.CANCELLED, F),
                Arguments.of(C, false, Event.FAILED, C),
                Arguments.of(C, false, Event.CANCELLED, C),
                Arguments.of(C, false, Event.STARTED, C),
                Arguments.of(CD, true, Event.CANCELLED, CD),
                Arguments.of(F, false, Event.RETRY_DUE, I),
                Arguments.of(F, true, Event.RETRY_DUE, D),
                Arguments.of(F, false, Event.STARTED, F),
                Arguments.of(F, false, Event.CANCELLED, F),
                Arguments.of(N, false, Event.STARTED, N),
                Arguments.of(N, false, Event.CANCELLED, N),
                Arguments.of(NS, false, Event.STARTED, NS),
                Arguments.of(NS, false, Event.FAILED, NS));
    }

    @ParameterizedTest(name = "{0} (at join {1}) x {2} -> {3}")
    @MethodSource("table")
    void eachRowOfTheTable(PredownloadStatus from, boolean atJoin, Event event, PredownloadStatus to) {
        ApPredownload p = in(from, atJoin);
        assertEquals(to, p.on(event, clock.nanoTime(), SETTINGS, TARGET, event == Event.FAILED ? "Timed out" : null));
    }

    @Test
    void successSetsTheBackupForAPredownloadAndThePrimaryAtJoin() {
        ApPredownload planned = in(PredownloadStatus.COMPLETE, false);
        assertEquals(Optional.of(TARGET), planned.backup());
        assertEquals(ImageVersion.parse("17.3.3.26"), planned.primary());
        ApPredownload joined = in(PredownloadStatus.COMPLETED_DOWNLOADING, true);
        assertEquals(TARGET, joined.primary());
    }

    @Test
    void failuresRetryAfterADoublingBackoffThenStayFailed() {
        ApPredownload p = in(PredownloadStatus.PREDOWNLOADING, false);
        long t0 = clock.nanoTime();
        p.on(Event.FAILED, t0, SETTINGS, TARGET, "Timed out");
        assertTrue(p.retryPending());
        assertFalse(p.settled());
        assertEquals(t0 + Duration.ofSeconds(60).toNanos(), p.retryAtNanos());
        assertEquals(Optional.of(WALL.plusSeconds(60)), p.retryShownAt());
        clock.advance(Duration.ofSeconds(60));
        assertEquals(PredownloadStatus.INITIATED, p.on(Event.RETRY_DUE, clock.nanoTime(), SETTINGS, TARGET, null));
        p.on(Event.STARTED, clock.nanoTime(), SETTINGS, TARGET, null);
        long t1 = clock.nanoTime();
        p.on(Event.FAILED, t1, SETTINGS, TARGET, "image verify failed: MD5 differs");
        assertEquals(t1 + Duration.ofSeconds(120).toNanos(), p.retryAtNanos(), "the backoff doubles");
        clock.advance(Duration.ofSeconds(120));
        p.on(Event.RETRY_DUE, clock.nanoTime(), SETTINGS, TARGET, null);
        p.on(Event.STARTED, clock.nanoTime(), SETTINGS, TARGET, null);
        p.on(Event.FAILED, clock.nanoTime(), SETTINGS, TARGET, "Timed out");
        assertFalse(p.retryPending(), "two retries used: failed for good");
        assertTrue(p.settled());
        assertEquals(2, p.retries());
        assertEquals(Optional.of("Timed out"), p.failure());
    }

    @Test
    void cancelDropsAPendingRetry() {
        ApPredownload p = in(PredownloadStatus.FAILED, false);
        assertTrue(p.retryPending());
        p.on(Event.CANCELLED, clock.nanoTime(), SETTINGS, TARGET, null);
        assertFalse(p.retryPending());
        assertEquals(Optional.of("Cancelled"), p.failure());
        assertTrue(p.settled());
    }
}

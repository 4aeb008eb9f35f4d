package dev.apimage.capwap;

/**
 * The counters of a controller's DTLS layer ({@link CapwapController#dtlsStats()}).
 *
 * @param sessions sessions held (handshaking or established)
 * @param established sessions established
 * @param handshaking handshakes in progress
 * @param cookiesSent HelloVerifyRequests sent to ClientHellos without a valid cookie (no state kept)
 * @param handshakesCompleted handshakes that completed
 * @param handshakesFailed handshakes that failed or timed out
 * @param refusedBusy ClientHellos with a valid cookie ignored: too many handshakes at once, or
 *     too many sessions from the address
 * @param cleartextDropped cleartext datagrams other than Discovery Requests, dropped
 * @param malformedDropped datagrams with a wrong preamble or too short, dropped
 */
public record DtlsStats(int sessions, int established, int handshaking, long cookiesSent, long handshakesCompleted, long handshakesFailed, long refusedBusy,
        long cleartextDropped, long malformedDropped) {
}

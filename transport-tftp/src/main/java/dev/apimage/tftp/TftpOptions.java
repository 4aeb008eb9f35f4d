package dev.apimage.tftp;

import dev.apimage.transfer.TransferOption;
import java.time.Duration;

/**
 * Settings of the {@code tftp} transport, used with
 * {@link dev.apimage.transfer.TransferOptions.Builder#set(TransferOption, Object)} next to the
 * common ones ({@code CONNECT_TIMEOUT} bounds how long a server that never answers is tried,
 * {@code IDLE_TIMEOUT} how long a stalled transfer is).
 */
public final class TftpOptions {

    /**
     * RFC 2348 {@code blksize} to ask for, 8..65464. Default 1468: the largest block that fits an
     * Ethernet frame without IP fragmentation, safe for embedded peers. A server that ignores
     * options gets 512.
     */
    public static final TransferOption<Integer> BLOCK_SIZE = TransferOption.inRange("tftp.blksize", 1468, 8, 65464);
    /**
     * RFC 7440 {@code windowsize} to ask for, 1..65535. Default 16. The client lowers it so that a
     * window fits half of the socket's actual receive buffer (a larger window turns into loss).
     */
    public static final TransferOption<Integer> WINDOW_SIZE = TransferOption.inRange("tftp.windowsize", 16, 1, 65535);
    /**
     * Retransmission interval. When it is a whole number of seconds (1..255) it is also sent as the
     * RFC 2349 {@code timeout} option, so the server retransmits at the same pace. Default 1 s.
     */
    public static final TransferOption<Duration> RETRANSMIT_INTERVAL =
            TransferOption.positiveDuration("tftp.retransmit", Duration.ofSeconds(1));
    /** Whether to ask for the RFC 2349 {@code tsize} option. Default true. */
    public static final TransferOption<Boolean> REQUEST_TSIZE = TransferOption.of("tftp.tsize", Boolean.class, Boolean.TRUE);
    /** Whether to send options at all; false speaks plain RFC 1350 (512-byte lockstep). Default true. */
    public static final TransferOption<Boolean> NEGOTIATE = TransferOption.of("tftp.negotiate", Boolean.class, Boolean.TRUE);

    /** Smallest block size of RFC 2348. */
    public static final int MIN_BLOCK_SIZE = 8;
    /** Largest block size of RFC 2348. */
    public static final int MAX_BLOCK_SIZE = 65464;
    /** Block size of RFC 1350. */
    public static final int DEFAULT_BLOCK_SIZE = 512;
    /** Largest window of RFC 7440. */
    public static final int MAX_WINDOW_SIZE = 65535;

    private TftpOptions() {
    }
}

package dev.apimage.sftp;

import dev.apimage.transfer.Secret;
import dev.apimage.transfer.TransferOption;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Settings of the {@code sftp} transport, next to the common ones of
 * {@link dev.apimage.transfer.TransferOptions} ({@code USERNAME}, {@code PASSWORD},
 * {@code IDENTITY_FILE}, timeouts, {@code START_OFFSET} for resuming).
 */
public final class SftpOptions {

    /** The known_hosts file that host keys are checked against. Default {@code ~/.ssh/known_hosts}. */
    public static final TransferOption<Path> KNOWN_HOSTS = TransferOption.of("sftp.known.hosts", Path.class,
            Path.of(System.getProperty("user.home"), ".ssh", "known_hosts"));
    /**
     * Trust on first use: a host whose key is not in {@link #KNOWN_HOSTS} is accepted and its key
     * recorded there. A key that differs from the recorded one is refused all the same. Default
     * false: unknown hosts are refused with "Host key rejected".
     */
    public static final TransferOption<Boolean> ACCEPT_NEW_HOST_KEY =
            TransferOption.of("sftp.accept.new.host.key", Boolean.class, Boolean.FALSE);
    /** A private key given in memory (OpenSSH or PEM text), instead of an identity file. */
    public static final TransferOption<Secret> PRIVATE_KEY = TransferOption.of("sftp.private.key", Secret.class, null);
    /** The passphrase of the private key. */
    public static final TransferOption<Secret> PASSPHRASE = TransferOption.of("sftp.passphrase", Secret.class, null);
    /** Outstanding read requests per SFTP channel (JSch's default is 16). Default 64. */
    public static final TransferOption<Integer> BULK_REQUESTS = TransferOption.inRange("sftp.bulk.requests", 64, 1, 1024);
    /**
     * SFTP channels reading ranges of one file at once, when the sink accepts any order. JSch keeps
     * at most 2 MiB in flight per channel, so one channel tops out near 2 MiB per round trip (about
     * 35 MB/s measured at 20 ms); more channels go past that. Default 4; 1 reads in order.
     */
    public static final TransferOption<Integer> PARALLEL_RANGES = TransferOption.inRange("sftp.parallel.ranges", 4, 1, 64);
    /**
     * Channels one SSH session carries at once, over all the transfers sharing it. OpenSSH refuses
     * channels past its {@code MaxSessions} (default 10); past this budget another SSH session to
     * the same server is opened. A channel the server refuses anyway only costs a range. Default 10.
     */
    public static final TransferOption<Integer> MAX_CHANNELS_PER_SESSION =
            TransferOption.inRange("sftp.max.channels.per.session", 10, 1, 1024);
    /**
     * Parallel ranges only on a path whose round trip, timed on the file's stat (the shorter of two
     * when the first is long, as it also pays for a cold client), is at least this long. Below it,
     * one channel in order keeps up (about 70 MB/s at 10 ms), and reading in order lets a staging
     * sink hash the image as it arrives instead of hashing three quarters of it after the last range
     * ends. On loopback a fresh client measures 0.8 to 2 ms against OpenSSH. Default 10 ms; zero
     * uses ranges on any path.
     */
    public static final TransferOption<Duration> RANGES_MIN_ROUND_TRIP = TransferOption.validating("sftp.ranges.min.round.trip",
            Duration.class, Duration.ofMillis(10), d -> !d.isNegative(), "not negative");
    /** Files smaller than this are read over one channel. Default 8 MiB. */
    public static final TransferOption<Long> MIN_RANGE_SIZE = TransferOption.validating("sftp.min.range.size", Long.class, 8L << 20,
            v -> v >= 1, "at least 1");
    /** Cipher preference, client to server and back. Default AES-GCM first, then AES-CTR. */
    public static final TransferOption<String> CIPHERS = TransferOption.of("sftp.ciphers", String.class,
            "aes128-gcm@openssh.com,aes256-gcm@openssh.com,aes128-ctr,aes192-ctr,aes256-ctr");
    /** SSH keep-alive interval; three unanswered keep-alives end the session. Default 5 s. */
    public static final TransferOption<Duration> KEEPALIVE = TransferOption.positiveDuration("sftp.keepalive", Duration.ofSeconds(5));
    /** Whether to apply this transport's tuning; false uses JSch's defaults (for comparison). Default true. */
    public static final TransferOption<Boolean> TUNED = TransferOption.of("sftp.tuned", Boolean.class, Boolean.TRUE);

    private SftpOptions() {
    }
}

package dev.apimage.capwap;

import dev.apimage.transfer.Secret;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * DTLS 1.2 (RFC 6347) for the CAPWAP control channel (RFC 5415, 2.4 and 12): pre-shared keys or
 * X.509 certificates, and the bounds that keep an unauthenticated host from growing state. One type
 * for both roles: a controller takes {@link #psk(PskKeys)} or {@link #certificates}, an AP
 * {@link #pskIdentity} or {@link #certificates}.
 *
 * <p>Suites, modern first: in PSK mode ECDHE_PSK with AES-GCM, (DHE_)PSK with AES-GCM and
 * ECDHE_PSK with AES-CBC-SHA256, then the mandatory
 * TLS_DHE_PSK_WITH_AES_128_CBC_SHA and TLS_PSK_WITH_AES_128_CBC_SHA (RFC 5415, 2.4.4.2); with
 * certificates ECDHE with AES-GCM, then the mandatory TLS_DHE_RSA_WITH_AES_128_CBC_SHA and
 * TLS_RSA_WITH_AES_128_CBC_SHA (2.4.4.1). A controller accepts only AP certificates with the
 * id-kp-capwapWTP or anyExtendedKeyUsage extended key usage when the extension is present, an AP
 * only controller certificates with id-kp-capwapAC (2.4.4.3). Neither {@link #toString()} nor an
 * exception shows a key.
 */
public final class DtlsSettings {

    /** How the peers authenticate. */
    public enum Mode {
        /** Pre-shared keys (RFC 5415, 2.4.4.2). */
        PSK,
        /** X.509 certificates (RFC 5415, 2.4.4.1). */
        CERTIFICATE
    }

    private final Mode mode;
    private final PskKeys keys;
    private final String identityHint;
    private final String identity;
    private final Secret identityKey;
    private final Path certificate;
    private final Path privateKey;
    private final Path trust;
    private final Set<String> allow;
    private final Duration handshakeTimeout;
    private final int maxHandshakes;
    private final int maxSessionsPerAddress;
    private final Duration idleTimeout;
    private final Path keyLog;

    private DtlsSettings(Mode mode, PskKeys keys, String identityHint, String identity, Secret identityKey, Path certificate,
            Path privateKey, Path trust, Set<String> allow, Duration handshakeTimeout, int maxHandshakes, int maxSessionsPerAddress,
            Duration idleTimeout, Path keyLog) {
        this.mode = mode;
        this.keys = keys;
        this.identityHint = identityHint;
        this.identity = identity;
        this.identityKey = identityKey;
        this.certificate = certificate;
        this.privateKey = privateKey;
        this.trust = trust;
        this.allow = Set.copyOf(allow);
        this.handshakeTimeout = handshakeTimeout;
        this.maxHandshakes = maxHandshakes;
        this.maxSessionsPerAddress = maxSessionsPerAddress;
        this.idleTimeout = idleTimeout;
        this.keyLog = keyLog;
    }

    private DtlsSettings with(Set<String> allow, String hint, Duration handshake, int handshakes, int perAddress, Duration idle, Path log) {
        return new DtlsSettings(mode, keys, hint, identity, identityKey, certificate, privateKey, trust, allow, handshake, handshakes,
                perAddress, idle, log);
    }

    /**
     * A controller in PSK mode.
     *
     * @param keys the key per identity, or one shared key
     * @return the settings
     */
    public static DtlsSettings psk(PskKeys keys) {
        return new DtlsSettings(Mode.PSK, Objects.requireNonNull(keys, "keys"), "CAPWAP", null, null, null, null, null, Set.of(),
                Duration.ofSeconds(10), 64, 4, Duration.ofMinutes(5), null);
    }

    /**
     * An AP in PSK mode.
     *
     * @param identity the PSK identity it names (1 to 128 bytes)
     * @param hexKey its key, in hexadecimal
     * @return the settings
     */
    public static DtlsSettings pskIdentity(String identity, Secret hexKey) {
        Objects.requireNonNull(identity, "identity");
        PskKeys.of(java.util.Map.of(identity, hexKey)); // checks both
        return new DtlsSettings(Mode.PSK, null, null, identity, hexKey, null, null, null, Set.of(), Duration.ofSeconds(10), 64, 4,
                Duration.ofMinutes(5), null);
    }

    /**
     * Certificate mode, for either role: this side's certificate (PEM, with its chain), its private
     * key (PEM, PKCS#8 or the traditional RSA/EC form, unencrypted) and the certificates of the
     * authorities it trusts for the peer (PEM). The files are read when the controller or AP
     * starts.
     *
     * @param certificate this side's certificate chain
     * @param privateKey this side's private key
     * @param trust the trusted authorities
     * @return the settings
     */
    public static DtlsSettings certificates(Path certificate, Path privateKey, Path trust) {
        return new DtlsSettings(Mode.CERTIFICATE, null, null, null, null, Objects.requireNonNull(certificate, "certificate"),
                Objects.requireNonNull(privateKey, "privateKey"), Objects.requireNonNull(trust, "trust"), Set.of(), Duration.ofSeconds(10),
                64, 4, Duration.ofMinutes(5), null);
    }

    /**
     * On a controller in certificate mode: only APs whose certificate subject (its RFC 2253 name,
     * or the common name alone) or MAC-address common name ({@code 01:23:45:67:89:ab}) is listed
     * complete the handshake. Empty (the default) admits every AP with a trusted certificate.
     *
     * @param subjectsOrMacs the list
     * @return new settings
     */
    public DtlsSettings allow(Set<String> subjectsOrMacs) {
        return with(subjectsOrMacs, identityHint, handshakeTimeout, maxHandshakes, maxSessionsPerAddress, idleTimeout, keyLog);
    }

    /**
     * On a controller in PSK mode: the PSK identity hint it sends (default {@code CAPWAP}).
     *
     * @param hint 1 to 128 bytes
     * @return new settings
     */
    public DtlsSettings identityHint(String hint) {
        if (hint == null || hint.isEmpty() || hint.length() > 128) {
            throw new IllegalArgumentException("a PSK identity hint must be 1 to 128 characters");
        }
        return with(allow, hint, handshakeTimeout, maxHandshakes, maxSessionsPerAddress, idleTimeout, keyLog);
    }

    /**
     * Bounds against floods (RFC 5415, 12.3), besides the stateless cookie exchange: a handshake
     * that does not finish within {@code handshakeTimeout} is dropped with everything it held; at
     * most {@code maxHandshakes} run at once (more ClientHellos are ignored until one ends); at
     * most {@code perAddress} sessions per source address; a session that carries nothing for
     * {@code idle} ends. Defaults 10 s, 64, 4, 5 minutes.
     *
     * @param handshakeTimeout at least 1 s
     * @param maxHandshakes at least 1
     * @param perAddress at least 1
     * @param idle at least 1 s
     * @return new settings
     */
    public DtlsSettings limits(Duration handshakeTimeout, int maxHandshakes, int perAddress, Duration idle) {
        if (handshakeTimeout.compareTo(Duration.ofSeconds(1)) < 0 || idle.compareTo(Duration.ofSeconds(1)) < 0 || maxHandshakes < 1
                || perAddress < 1) {
            throw new IllegalArgumentException("DTLS limits: timeouts at least 1 s, counts at least 1");
        }
        return with(allow, identityHint, handshakeTimeout, maxHandshakes, perAddress, idle, keyLog);
    }

    /**
     * Writes the secrets of every session to {@code file} in the NSS key log format, so that
     * Wireshark can decrypt a capture. For a lab only: anyone who reads the file reads the
     * sessions. Off by default; nothing else turns it on.
     *
     * @param file the key log, appended to
     * @return new settings
     */
    public DtlsSettings keyLogForAnalysers(Path file) {
        return with(allow, identityHint, handshakeTimeout, maxHandshakes, maxSessionsPerAddress, idleTimeout,
                Objects.requireNonNull(file, "file"));
    }

    /** @return how the peers authenticate */
    public Mode mode() {
        return mode;
    }

    /** @return the controller's keys in PSK mode */
    public Optional<PskKeys> keys() {
        return Optional.ofNullable(keys);
    }

    /** @return the controller's PSK identity hint */
    public String identityHint() {
        return identityHint == null ? "CAPWAP" : identityHint;
    }

    /** @return the AP's PSK identity */
    public Optional<String> identity() {
        return Optional.ofNullable(identity);
    }

    /** @return the AP's key in PSK mode */
    public Optional<Secret> identityKey() {
        return Optional.ofNullable(identityKey);
    }

    /** @return this side's certificate chain file */
    public Optional<Path> certificate() {
        return Optional.ofNullable(certificate);
    }

    /** @return this side's private key file */
    public Optional<Path> privateKey() {
        return Optional.ofNullable(privateKey);
    }

    /** @return the trusted authorities' file */
    public Optional<Path> trust() {
        return Optional.ofNullable(trust);
    }

    /** @return the allow-list of subjects or MACs, empty for any */
    public Set<String> allowed() {
        return allow;
    }

    /** @return the handshake timeout */
    public Duration handshakeTimeout() {
        return handshakeTimeout;
    }

    /** @return the most handshakes at once */
    public int maxHandshakes() {
        return maxHandshakes;
    }

    /** @return the most sessions per source address */
    public int maxSessionsPerAddress() {
        return maxSessionsPerAddress;
    }

    /** @return how long a silent session lives */
    public Duration idleTimeout() {
        return idleTimeout;
    }

    /** @return the key log file, when asked for */
    public Optional<Path> keyLog() {
        return Optional.ofNullable(keyLog);
    }

    @Override
    public String toString() {
        return "DtlsSettings[" + mode + (mode == Mode.PSK ? (keys != null ? " " + keys : " identity " + identity + " key " + Secret.MASK)
                : " certificate " + certificate.getFileName()) + (keyLog != null ? ", key log ON" : "") + "]";
    }
}

package dev.apimage.examples;

import dev.apimage.capwap.DtlsSettings;
import dev.apimage.capwap.PskKeys;
import dev.apimage.transfer.Secret;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.Set;
import picocli.CommandLine.Option;
import picocli.CommandLine;

/**
 * The DTLS options of {@code apimage controller} and {@code apimage ap}: a pre-shared key file, or
 * a certificate with its key and the authorities to trust, or {@code --no-dtls} for the plain-UDP
 * lab mode. Exactly one of the three. Keys come from files, never from the command line.
 */
final class DtlsOptions {

    @Option(names = "--dtls-psk-file", paramLabel = "FILE",
            description = "DTLS with pre-shared keys: one hex key, or lines 'identity = hexkey' (RFC 5415 2.4.4.2)")
    Path pskFile;

    @Option(names = "--dtls-psk-hint", paramLabel = "HINT", description = "controller: the PSK identity hint it sends (default CAPWAP)")
    String pskHint;

    @Option(names = "--dtls-psk-identity", paramLabel = "ID", description = "AP: its PSK identity (default: its name)")
    String pskIdentity;

    @Option(names = "--dtls-cert", paramLabel = "CERT.pem", description = "DTLS with certificates: this side's certificate (chain), PEM")
    Path certificate;

    @Option(names = "--dtls-key", paramLabel = "KEY.pem", description = "the certificate's private key, PEM, unencrypted")
    Path key;

    @Option(names = "--dtls-trust", paramLabel = "CA.pem", description = "the authorities trusted for the peer's certificate, PEM")
    Path trust;

    @Option(names = "--dtls-key-log", paramLabel = "FILE",
            description = "LAB ONLY: append the sessions' secrets to FILE (NSS key log) so Wireshark can decrypt a capture")
    Path keyLog;

    @Option(names = "--no-dtls", description = "plain UDP, the lab mode: no authentication, no encryption")
    boolean noDtls;

    /** The settings a controller runs with; empty for {@code --no-dtls}. */
    Optional<DtlsSettings> controller(CommandLine.Model.CommandSpec spec, Set<String> allow) {
        if (pskIdentity != null) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--dtls-psk-identity is the AP's; a controller takes --dtls-psk-hint");
        }
        Optional<DtlsSettings> s = settings(spec, true);
        return s.map(d -> {
            DtlsSettings x = d.mode() == DtlsSettings.Mode.CERTIFICATE ? d.allow(allow) : d;
            return pskHint != null ? x.identityHint(pskHint) : x;
        });
    }

    /** The settings an AP runs with; empty for {@code --no-dtls}. */
    Optional<DtlsSettings> ap(CommandLine.Model.CommandSpec spec, String name) {
        if (pskHint != null) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--dtls-psk-hint is the controller's; an AP takes --dtls-psk-identity");
        }
        this.defaultIdentity = name;
        return settings(spec, false);
    }

    private Optional<DtlsSettings> settings(CommandLine.Model.CommandSpec spec, boolean controller) {
        boolean psk = pskFile != null;
        boolean cert = certificate != null || key != null || trust != null;
        int modes = (psk ? 1 : 0) + (cert ? 1 : 0) + (noDtls ? 1 : 0);
        if (modes == 0) {
            throw new CommandLine.ParameterException(spec.commandLine(), "CAPWAP control runs over DTLS: give --dtls-psk-file FILE, or"
                    + " --dtls-cert CERT.pem --dtls-key KEY.pem --dtls-trust CA.pem; --no-dtls runs the plain-UDP lab mode");
        }
        if (modes > 1) {
            throw new CommandLine.ParameterException(spec.commandLine(), "give one of --dtls-psk-file, --dtls-cert/--dtls-key/--dtls-trust"
                    + " and --no-dtls");
        }
        if (noDtls) {
            if (keyLog != null) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--dtls-key-log needs DTLS");
            }
            return Optional.empty();
        }
        DtlsSettings s;
        try {
            if (psk) {
                PskKeys keys = PskKeys.read(pskFile);
                if (controller) {
                    s = DtlsSettings.psk(keys);
                } else {
                    String id = pskIdentity != null ? pskIdentity : defaultIdentity;
                    Secret k = keys.keyFor(id).orElseThrow(() -> new CommandLine.ParameterException(spec.commandLine(),
                            "--dtls-psk-file " + pskFile.getFileName() + " holds no key for identity " + id));
                    s = DtlsSettings.pskIdentity(id, k);
                }
            } else {
                if (certificate == null || key == null || trust == null) {
                    throw new CommandLine.ParameterException(spec.commandLine(), "certificate mode needs all of --dtls-cert, --dtls-key"
                            + " and --dtls-trust");
                }
                for (Path p : new Path[] {certificate, key, trust}) {
                    if (!Files.isReadable(p)) {
                        throw new CommandLine.ParameterException(spec.commandLine(), "cannot read " + p);
                    }
                }
                s = DtlsSettings.certificates(certificate, key, trust);
            }
        } catch (IOException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--dtls-psk-file: cannot read " + pskFile + ": " + e.getMessage());
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--dtls-psk-file: " + e.getMessage());
        }
        return Optional.of(keyLog != null ? s.keyLogForAnalysers(keyLog) : s);
    }

    /** The AP's name, its PSK identity unless one is given. */
    private String defaultIdentity = "";

    /** One line for the start-up message. */
    static String describe(Optional<DtlsSettings> s) {
        return s.map(d -> "DTLS, " + (d.mode() == DtlsSettings.Mode.PSK ? "pre-shared keys" : "certificates")
                + (d.keyLog().isPresent() ? ", KEY LOG ON" : "")).orElse("plain UDP, no DTLS");
    }
}

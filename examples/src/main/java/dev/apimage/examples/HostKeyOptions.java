package dev.apimage.examples;

import dev.apimage.sftp.SftpOptions;
import dev.apimage.transfer.TransferOptions;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The SFTP host-key options every command that may reach an SFTP server shares. */
final class HostKeyOptions {

    @Option(names = "--known-hosts", paramLabel = "FILE", description = "SFTP: known_hosts file (default ~/.ssh/known_hosts)")
    Path knownHosts;

    @Option(names = "--accept-new-host-key", description = "SFTP: trust an unknown host on first use and record its key"
            + " (a changed key is still refused)")
    boolean acceptNewHostKey;

    TransferOptions.Builder applyTo(TransferOptions.Builder o) {
        if (knownHosts != null) {
            o.set(SftpOptions.KNOWN_HOSTS, knownHosts);
        }
        return o.set(SftpOptions.ACCEPT_NEW_HOST_KEY, acceptNewHostKey);
    }
}

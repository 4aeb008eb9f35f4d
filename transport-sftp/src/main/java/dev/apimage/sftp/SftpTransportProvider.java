package dev.apimage.sftp;

import dev.apimage.transfer.FailureReason;
import dev.apimage.transfer.TransferException;
import dev.apimage.transfer.TransferOptions;
import dev.apimage.transfer.TransferSession;
import dev.apimage.transfer.UriRedaction;
import dev.apimage.transfer.spi.TransportProvider;
import java.net.URI;

/**
 * The {@code sftp} transport on JSch: downloads {@code sftp://user@host[:port]/path}, the way the
 * controller logs in to the image server for its APs.
 *
 * <ul>
 *   <li>Credentials: {@link TransferOptions#PASSWORD} (from the profile's {@code sftp-password}),
 *       or a key ({@link TransferOptions#IDENTITY_FILE}, {@link SftpOptions#PRIVATE_KEY}, with
 *       {@link SftpOptions#PASSPHRASE}). A password inside the URI is refused.</li>
 *   <li>Host keys are checked against {@link SftpOptions#KNOWN_HOSTS}; unknown hosts are refused
 *       unless {@link SftpOptions#ACCEPT_NEW_HOST_KEY} (trust on first use, which records the key);
 *       a changed key is always refused with {@link FailureReason#HOST_KEY_REJECTED}.</li>
 *   <li>Names are taken literally: {@code *}, {@code ?} and {@code \} are escaped, never globbed.</li>
 *   <li>Large files are read as {@link SftpOptions#PARALLEL_RANGES} ranges over as many channels
 *       of one SSH session when the sink accepts any order (a staging file does).</li>
 *   <li>One SSH session per user, host and port is shared by concurrent transfers and closed after
 *       30 s unused.</li>
 * </ul>
 */
public final class SftpTransportProvider implements TransportProvider {

    private SshSessions sessions;

    /** Creates the provider (called by {@link java.util.ServiceLoader}); allocates nothing. */
    public SftpTransportProvider() {
    }

    @Override
    public String scheme() {
        return "sftp";
    }

    @Override
    public String description() {
        return "SFTP client on JSch (sftp://user@host[:port]/path)";
    }

    @Override
    public TransferSession open(URI uri, TransferOptions options) throws TransferException {
        String redacted = UriRedaction.redact(uri);
        if (uri.getHost() == null || uri.getPath() == null || uri.getPath().isEmpty() || uri.getPath().endsWith("/")) {
            throw new TransferException(FailureReason.PROTOCOL_ERROR, redacted,
                    "an SFTP URI needs a host and a file: sftp://user@host[:port]/path/file", null);
        }
        String user = options.get(TransferOptions.USERNAME);
        String info = uri.getUserInfo();
        if (info != null) {
            if (info.indexOf(':') >= 0) {
                throw new TransferException(FailureReason.AUTHENTICATION_FAILED, redacted,
                        "a password inside the URI is not accepted; pass it as an option", null);
            }
            user = info;
        }
        if (user == null || user.isEmpty()) {
            throw new TransferException(FailureReason.AUTHENTICATION_FAILED, redacted, "no user name (sftp://user@host/path)", null);
        }
        return new SftpTransferSession(uri, user, options, sessions());
    }

    private synchronized SshSessions sessions() {
        if (sessions == null) {
            sessions = new SshSessions(30_000);
        }
        return sessions;
    }

    @Override
    public synchronized void close() {
        if (sessions != null) {
            sessions.close();
            sessions = null;
        }
    }
}

package dev.apimage.sftp;

import com.jcraft.jsch.ChannelSftp;
import com.jcraft.jsch.JSchException;
import com.jcraft.jsch.JSchHostKeyException;
import com.jcraft.jsch.SftpException;
import dev.apimage.transfer.FailureReason;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;

/** Maps JSch's failures to core reasons: SFTP status codes by number, never by message text. */
final class SftpErrors {

    private SftpErrors() {
    }

    static FailureReason reason(SftpException e) {
        return switch (e.id) {
            case ChannelSftp.SSH_FX_NO_SUCH_FILE -> FailureReason.NOT_FOUND;
            case ChannelSftp.SSH_FX_PERMISSION_DENIED -> FailureReason.ACCESS_DENIED;
            case ChannelSftp.SSH_FX_CONNECTION_LOST, ChannelSftp.SSH_FX_NO_CONNECTION -> FailureReason.TIMED_OUT;
            default -> FailureReason.PROTOCOL_ERROR;
        };
    }

    static FailureReason reason(JSchException e) {
        if (e instanceof JSchHostKeyException) {
            return FailureReason.HOST_KEY_REJECTED;
        }
        String type = e.getClass().getSimpleName();
        if (type.equals("JSchAuthCancelException") || type.equals("JSchPartialAuthException")) {
            return FailureReason.AUTHENTICATION_FAILED; // package-private in JSch: known by name
        }
        Throwable c = e.getCause();
        if (c instanceof ConnectException || c instanceof SocketTimeoutException || c instanceof NoRouteToHostException
                || c instanceof UnknownHostException) {
            return FailureReason.TIMED_OUT;
        }
        String m = String.valueOf(e.getMessage());
        // JSch reports these without a type of their own.
        if (m.startsWith("Auth fail") || m.startsWith("USERAUTH fail")) {
            return FailureReason.AUTHENTICATION_FAILED;
        }
        if (m.contains("timeout") || m.contains("timed out") || m.startsWith("Session.connect: java.net.Socket")) {
            return FailureReason.TIMED_OUT;
        }
        if (m.contains("invalid privatekey") || m.contains("passphrase")) {
            return FailureReason.AUTHENTICATION_FAILED;
        }
        return FailureReason.PROTOCOL_ERROR;
    }

    /** SFTP status text without the path (JSch puts the path in some messages). */
    static String detail(SftpException e) {
        return "SFTP status " + e.id;
    }
}

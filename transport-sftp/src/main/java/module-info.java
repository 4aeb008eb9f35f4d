/**
 * SFTP for the SDK: the {@code sftp:} client transport on JSch, with host-key verification,
 * shared SSH sessions and parallel ranges. Only its options and its provider are API.
 */
module dev.apimage.sftp {
    requires transitive dev.apimage.core;
    requires com.jcraft.jsch;

    exports dev.apimage.sftp;

    provides dev.apimage.transfer.spi.TransportProvider with dev.apimage.sftp.SftpTransportProvider;
}

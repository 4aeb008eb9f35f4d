/**
 * TFTP for the SDK: the {@code tftp:} client transport (RFC 1350 with the options of RFC 2347,
 * 2348, 2349 and 7440) and an embeddable, root-jailed TFTP server. The protocol engine is package
 * private; only the server, its options and its error codes are API.
 */
module dev.apimage.tftp {
    requires transitive dev.apimage.core;
    requires io.netty.buffer;
    requires io.netty.common;
    requires io.netty.transport;
    requires io.netty.transport.classes.epoll;

    exports dev.apimage.tftp;

    provides dev.apimage.transfer.spi.TransportProvider with dev.apimage.tftp.TftpTransportProvider;
}

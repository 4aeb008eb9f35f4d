/**
 * The SDK's core: image bundles and types, image download profiles, staging, the transfer API
 * and its service interface for transports, the image cache, the one clock, and the upgrade of a
 * network. Transports plug in as {@link dev.apimage.transfer.spi.TransportProvider} services;
 * the {@code file:} transport is built in.
 */
module dev.apimage.core {
    requires transitive org.slf4j;
    requires org.apache.commons.compress;

    exports dev.apimage.cache;
    exports dev.apimage.image;
    exports dev.apimage.profile;
    exports dev.apimage.staging;
    exports dev.apimage.time;
    exports dev.apimage.transfer;
    exports dev.apimage.transfer.spi;
    exports dev.apimage.upgrade;

    // The helpers every module of the SDK shares (peer-text escaping, hosts, threads, durations):
    // for the SDK's own modules only, not an API.
    exports dev.apimage.internal to dev.apimage.tftp, dev.apimage.sftp, dev.apimage.capwap, dev.apimage.simulator;

    uses dev.apimage.transfer.spi.TransportProvider;
    provides dev.apimage.transfer.spi.TransportProvider with dev.apimage.transfer.internal.FileTransportProvider;
}

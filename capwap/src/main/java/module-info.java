/**
 * CAPWAP image download (RFC 5415, 9.1) for the SDK: the AP's {@link
 * dev.apimage.capwap.CapwapImageStateMachine}, the controller's {@link
 * dev.apimage.capwap.CapwapImageStreamer}, and the flyweight wire codec in {@code capwap.wire}.
 * The controller's per-AP sessions are internal.
 */
module dev.apimage.capwap {
    requires transitive dev.apimage.core;
    requires transitive io.netty.buffer;
    requires transitive io.netty.transport;
    requires io.netty.common;

    exports dev.apimage.capwap;
    exports dev.apimage.capwap.wire;
}

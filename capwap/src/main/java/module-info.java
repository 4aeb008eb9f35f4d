/**
 * CAPWAP image download (RFC 5415, 9.1) for the SDK: the AP's {@link
 * dev.apimage.capwap.CapwapImageStateMachine}, the controller's {@link
 * dev.apimage.capwap.CapwapImageStreamer}, and the flyweight wire codec in {@code capwap.wire}.
 * The controller's per-AP sessions are internal, as is the DTLS layer (Bouncy Castle) under the
 * control channel; {@link dev.apimage.capwap.DtlsSettings} configures it.
 */
module dev.apimage.capwap {
    requires transitive dev.apimage.core;
    requires transitive io.netty.buffer;
    requires transitive io.netty.transport;
    requires io.netty.common;
    requires io.netty.transport.classes.epoll;
    requires io.netty.transport.unix.common;
    requires org.bouncycastle.tls;
    requires org.bouncycastle.pkix;
    requires org.bouncycastle.provider;
    requires java.naming;

    exports dev.apimage.capwap;
    exports dev.apimage.capwap.wire;
}

package dev.apimage.capwap;

import dev.apimage.capwap.wire.ControlMessage;
import dev.apimage.image.ImageType;
import dev.apimage.time.NanoClock;
import io.netty.buffer.ByteBuf;
import java.net.InetSocketAddress;

/**
 * The control session's side of the controller's one socket: the streamer hands it every datagram
 * that is not part of an Image Data exchange, and asks it which source may be streamed which
 * image. Runs on the streamer's event loop. Package private: {@link CapwapController} plugs it in.
 */
interface ControlPlane {

    /** What the streamer lends the control plane. */
    interface Socket {
        /**
         * Sends a control message, in fragments when it does not fit a datagram.
         *
         * @param to the WTP
         * @param message the message
         */
        void send(InetSocketAddress to, ControlMessage message);

        /**
         * The socket's clock; its tasks run on the event loop.
         *
         * @return the clock
         */
        NanoClock clock();

        /**
         * Runs a task on the socket's event loop.
         *
         * @param task the task
         */
        void execute(Runnable task);

        /**
         * Whether the caller runs on the socket's event loop.
         *
         * @return true on the loop
         */
        boolean inLoop();

        /**
         * The socket's address.
         *
         * @return where it listens
         */
        InetSocketAddress localAddress();
    }

    /**
     * Called once, when the streamer's socket is bound.
     *
     * @param socket the socket's services
     */
    void attach(Socket socket);

    /**
     * A datagram that is not Image Data: a control message, a fragment, or garbage.
     *
     * @param from its source
     * @param datagram its bytes, from the reader index; not retained
     * @param now the streamer's clock
     */
    void onDatagram(InetSocketAddress from, ByteBuf datagram, long now);

    /**
     * Whether a source may be streamed an image: a joined WTP, and the image of its own type.
     *
     * @param from the source
     * @param type the image it asks for
     * @return true to serve it
     */
    boolean mayStream(InetSocketAddress from, ImageType type);

    /**
     * A joined WTP's Image Data Request was admitted.
     *
     * @param from the WTP
     */
    void onImageDataRequest(InetSocketAddress from);

    /**
     * A stream ended.
     *
     * @param from the WTP
     * @param completed whether the WTP acknowledged the last block
     * @param failure why it failed, escaped, when it did
     */
    void onStreamEnded(InetSocketAddress from, boolean completed, java.util.Optional<String> failure);

    /** The socket closes. */
    void close();
}

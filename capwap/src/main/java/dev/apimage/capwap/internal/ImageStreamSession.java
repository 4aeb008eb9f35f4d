package dev.apimage.capwap.internal;

import dev.apimage.capwap.ApStreamStatus.Phase;
import dev.apimage.capwap.ApStreamStatus;
import dev.apimage.capwap.wire.CapwapMessage;
import dev.apimage.capwap.wire.CapwapMessageWriter;
import dev.apimage.capwap.wire.ResultCode;
import dev.apimage.image.ImageType;
import dev.apimage.internal.Hosts;
import io.netty.buffer.ByteBuf;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The controller's side of one AP's image download (RFC 5415, 9.1): the mirror of the AP's
 * {@code CapwapImageStateMachine}. Protocol only: it is told what happened (the events below,
 * each with the time it happened on the streamer's clock) and answers through its {@link Port}; it
 * never reads a clock, a socket or a thread of its own, so tests drive every state and event in
 * virtual time. Every method runs on the streamer's event loop.
 *
 * <p>States are the {@link Phase}s the streamer reports. Transitions:
 * <table>
 * <caption>state x event: what is sent, and the next state</caption>
 * <tr><th>state</th><th>event</th><th>sent</th><th>next</th></tr>
 * <tr><td>FETCHING</td><td>{@link #onImageReady}</td><td>Image Data Response, Result 0 and Image Information;
 *     the first block</td><td>STREAMING</td></tr>
 * <tr><td>FETCHING</td><td>{@link #onFetchFailed}</td><td>Image Data Response, Result 16</td><td>FAILED</td></tr>
 * <tr><td>FETCHING</td><td>{@link #onRequestRepeated}</td><td>nothing: the answer comes with the image</td><td>FETCHING</td></tr>
 * <tr><td>FETCHING</td><td>{@link #onResponse}, {@link #onTick}</td><td>nothing</td><td>FETCHING</td></tr>
 * <tr><td>STREAMING</td><td>{@link #onResponse} to the outstanding block, Result 0, more to send</td>
 *     <td>the next block</td><td>STREAMING</td></tr>
 * <tr><td>STREAMING</td><td>{@link #onResponse} to the last block, Result 0</td><td>nothing</td><td>COMPLETED</td></tr>
 * <tr><td>STREAMING</td><td>{@link #onResponse} to the outstanding block, another or no Result</td><td>nothing</td>
 *     <td>FAILED</td></tr>
 * <tr><td>STREAMING</td><td>{@link #onResponse} with another sequence number (a late copy)</td><td>nothing</td>
 *     <td>STREAMING</td></tr>
 * <tr><td>STREAMING</td><td>{@link #onTick} past the deadline, retransmissions left</td><td>the block again;
 *     RetransmitInterval doubles</td><td>STREAMING</td></tr>
 * <tr><td>STREAMING</td><td>{@link #onTick} past the deadline, none left (MaxRetransmit; fewer while the AP
 *     has answered nothing)</td><td>nothing</td><td>FAILED</td></tr>
 * <tr><td>STREAMING</td><td>the image file changed (checked every 16 blocks and before the last)</td>
 *     <td>Image Data Request of data type 5 (RFC 5415, 4.6.24)</td><td>FAILED</td></tr>
 * <tr><td>STREAMING, COMPLETED, FAILED</td><td>{@link #onRequestRepeated}</td><td>the Image Data Response again
 *     </td><td>unchanged</td></tr>
 * <tr><td>COMPLETED, FAILED</td><td>{@link #onResponse}, {@link #onTick}</td><td>nothing</td><td>unchanged;
 *     {@link #expired} once the linger time is over</td></tr>
 * </table>
 *
 * <p>Steady state (one response in, one block out) allocates nothing here: the block is read from
 * the open file straight into the port's buffer.
 */
public final class ImageStreamSession {

    private static final Logger LOG = LoggerFactory.getLogger(ImageStreamSession.class);
    /** How often the image file is checked for a change while streaming, in blocks. */
    static final int CHECK_EVERY_BLOCKS = 16;

    /** Where the session's datagrams and reports go. */
    public interface Port {
        /**
         * A buffer for one datagram to {@code to}; {@link #send} takes it back.
         *
         * @param capacity bytes the datagram needs
         * @param to the AP it goes to
         * @return the buffer
         */
        ByteBuf buffer(int capacity, InetSocketAddress to);

        /**
         * Sends a datagram to the AP (the streamer flushes after each event) and releases it.
         *
         * @param datagram the encoded message
         * @param to the AP
         */
        void send(ByteBuf datagram, InetSocketAddress to);

        /**
         * The session's phase changed.
         *
         * @param session the session
         */
        default void onPhase(ImageStreamSession session) {
        }

        /**
         * The AP acknowledged a block. Called per block: do not allocate here.
         *
         * @param session the session
         */
        default void onProgress(ImageStreamSession session) {
        }

        /**
         * The image file changed under the stream; the session has told the AP and failed.
         *
         * @param image the file to stop sharing
         */
        default void onImageChanged(OpenImageFile image) {
        }
    }

    private final InetSocketAddress ap;
    private final ImageType imageType;
    private final int apSequence;
    private final StreamerSettings settings;
    private final CapwapMessageWriter out;
    private final Port port;

    private Phase phase = Phase.FETCHING;
    private OpenImageFile image;
    private long responseResult = -1;
    private long offset;
    private int blockLength;
    private int sequence;
    private boolean outstanding;
    private long deadline;
    private long interval;
    private int retries;
    private long messages;
    private long retransmissions;
    private String failure;
    private long endedAt;
    /** True until the AP has answered a block: a silent source (a spoofed address) gets few retransmissions. */
    private boolean halfOpen = true;

    /**
     * A session for an Image Data Request the streamer accepted, in FETCHING.
     *
     * @param ap the AP
     * @param imageType the image it asked for
     * @param apSequence the sequence number of its request, for the response
     * @param settings the streamer's settings
     * @param out the streamer's encoder
     * @param port where datagrams and reports go
     */
    public ImageStreamSession(InetSocketAddress ap, ImageType imageType, int apSequence, StreamerSettings settings,
            CapwapMessageWriter out, Port port) {
        this.ap = Objects.requireNonNull(ap, "ap");
        this.imageType = Objects.requireNonNull(imageType, "imageType");
        this.apSequence = apSequence;
        this.settings = Objects.requireNonNull(settings, "settings");
        this.out = Objects.requireNonNull(out, "out");
        this.port = Objects.requireNonNull(port, "port");
    }

    /**
     * The AP.
     *
     * @return its address
     */
    public InetSocketAddress ap() {
        return ap;
    }

    /**
     * The image the AP asked for.
     *
     * @return the type
     */
    public ImageType imageType() {
        return imageType;
    }

    /**
     * The sequence number of the AP's request.
     *
     * @return 0..255
     */
    public int apSequence() {
        return apSequence;
    }

    /**
     * The state.
     *
     * @return the phase
     */
    public Phase phase() {
        return phase;
    }

    /**
     * Whether the download has ended (COMPLETED or FAILED).
     *
     * @return true when ended
     */
    public boolean ended() {
        return phase == Phase.COMPLETED || phase == Phase.FAILED;
    }

    /**
     * Image bytes the AP acknowledged.
     *
     * @return bytes
     */
    public long bytesAcknowledged() {
        return offset;
    }

    /**
     * The image bytes in the block sent last (the one just acknowledged, in {@link Port#onProgress}).
     *
     * @return bytes
     */
    public int lastBlockLength() {
        return blockLength;
    }

    /**
     * The image's size.
     *
     * @return bytes, -1 while fetching
     */
    public long size() {
        return image == null ? -1 : image.size();
    }

    /**
     * A snapshot for operators.
     *
     * @return the status
     */
    public ApStreamStatus status() {
        return new ApStreamStatus(ap, imageType, phase, offset, size(), messages, retransmissions, Optional.ofNullable(failure));
    }

    // --- events ---

    /**
     * The image is fetched and open: answer the AP's request and send the first block.
     *
     * @param file the open image
     * @param now the streamer's clock
     */
    public void onImageReady(OpenImageFile file, long now) {
        if (phase != Phase.FETCHING) {
            return;
        }
        image = file;
        responseResult = ResultCode.SUCCESS.code();
        onRequestRepeated();
        LOG.info("Image Data Response sent to {}: {} bytes, {} bytes per block", Hosts.text(ap), file.size(), settings.blockSize());
        enter(Phase.STREAMING);
        sendBlock(true, now);
    }

    /**
     * The image could not be fetched: answer the AP's request with Result 16 and end.
     *
     * @param line the controller's log line for the failure, already escaped
     * @param now the streamer's clock
     */
    public void onFetchFailed(String line, long now) {
        if (phase != Phase.FETCHING) {
            return;
        }
        LOG.error("{} (AP {})", line, Hosts.text(ap));
        responseResult = ResultCode.IMAGE_DATA_OTHER_ERROR.code();
        onRequestRepeated();
        fail(line, now);
    }

    /** The AP repeated its Image Data Request (it did not hear the answer): the same answer again, if there is one yet. */
    public void onRequestRepeated() {
        if (responseResult < 0) {
            return; // still fetching: the answer comes when the image is ready
        }
        ByteBuf b = port.buffer(48, ap);
        out.begin(b, CapwapMessage.IMAGE_DATA_RESPONSE, apSequence).resultCode(responseResult);
        if (responseResult == 0) {
            out.imageInformation(image.size(), image.md5());
        }
        out.finish();
        port.send(b, ap);
    }

    /**
     * The AP answered an Image Data Request of ours.
     *
     * @param seq the response's sequence number
     * @param result its Result Code, -1 when it carries none
     * @param now the streamer's clock
     */
    public void onResponse(int seq, long result, long now) {
        if (phase != Phase.STREAMING || !outstanding || seq != sequence) {
            return; // a late answer to a request already settled
        }
        outstanding = false;
        halfOpen = false;
        if (result != 0) {
            fail("AP answered " + (result < 0 ? "without a Result Code" : ResultCode.describe(result)), now);
            return;
        }
        offset += blockLength;
        messages++;
        port.onProgress(this);
        if (offset == image.size()) {
            LOG.info("Image {} sent to {}: {} bytes, {} msgs, {} last, {} retransmissions", imageType, Hosts.text(ap),
                    image.size(), messages, blockLength, retransmissions);
            endedAt = now;
            enter(Phase.COMPLETED);
            return;
        }
        sendBlock(true, now);
    }

    /**
     * The streamer's periodic check: retransmit the outstanding block past its deadline, or give up.
     *
     * @param now the streamer's clock
     */
    public void onTick(long now) {
        if (!outstanding || now - deadline < 0) {
            return;
        }
        if (retries == settings.retransmitsAllowed(halfOpen)) {
            outstanding = false;
            fail("AP not answering: no Image Data Response after " + (retries + 1) + " sends of block at offset " + offset, now);
            return;
        }
        retries++;
        retransmissions++;
        interval *= 2;
        sendBlock(false, now);
    }

    /**
     * Whether an ended session has lingered long enough to be freed.
     *
     * @param now the streamer's clock
     * @return true when it may be dropped
     */
    public boolean expired(long now) {
        return ended() && now - endedAt >= settings.lingerNanos();
    }

    // --- actions ---

    private void sendBlock(boolean fresh, long now) {
        if (fresh) {
            sequence = (sequence + 1) & 0xFF;
            blockLength = (int) Math.min(settings.blockSize(), image.size() - offset);
            retries = 0;
            interval = settings.retransmitNanos();
        }
        int type = offset + blockLength == image.size() ? CapwapMessage.DATA_TYPE_EOF : CapwapMessage.DATA_TYPE_DATA;
        if (fresh && (messages % CHECK_EVERY_BLOCKS == 0 || type == CapwapMessage.DATA_TYPE_EOF)) {
            // The descriptor's size every few blocks; the path's identity and time (which allocate
            // their attributes) every megabyte or so, and before the last block.
            String why = messages % (CHECK_EVERY_BLOCKS * 64) == 0 || type == CapwapMessage.DATA_TYPE_EOF
                    ? image.changed() : image.resized();
            if (why != null) {
                abort(why, false, now); // the fresh sequence number went out with nothing yet
                return;
            }
        }
        ByteBuf b = port.buffer(21 + blockLength, ap);
        try {
            out.begin(b, CapwapMessage.IMAGE_DATA_REQUEST, sequence).imageData(type, image.channel(), offset, blockLength).finish();
        } catch (IOException e) {
            b.release();
            abort("image file changed while streaming: " + e.getMessage(), !fresh, now);
            return;
        }
        port.send(b, ap);
        outstanding = true;
        deadline = now + interval;
    }

    /**
     * The image file changed under the stream: tell the AP with an Image Data Request of data type
     * 5 (RFC 5415, 4.6.24, no data), sent once, and end.
     *
     * @param newSequence whether the current sequence number is already used by a block sent
     */
    private void abort(String why, boolean newSequence, long now) {
        if (newSequence) {
            sequence = (sequence + 1) & 0xFF;
        }
        ByteBuf b = port.buffer(24, ap);
        out.begin(b, CapwapMessage.IMAGE_DATA_REQUEST, sequence).imageDataHeader(CapwapMessage.DATA_TYPE_ERROR, 0).finish();
        port.send(b, ap);
        port.onImageChanged(image);
        fail(why, now);
    }

    private void fail(String why, long now) {
        failure = why;
        outstanding = false;
        endedAt = now;
        LOG.warn("AP {} image {}: {}", Hosts.text(ap), imageType, why);
        enter(Phase.FAILED);
    }

    private void enter(Phase next) {
        phase = next;
        port.onPhase(this);
    }

    @Override
    public String toString() {
        return "ImageStreamSession[" + Hosts.text(ap) + " " + imageType + " " + phase + "]";
    }
}

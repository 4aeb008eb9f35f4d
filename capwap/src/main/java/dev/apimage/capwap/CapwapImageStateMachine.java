package dev.apimage.capwap;

import dev.apimage.capwap.wire.CapwapDecodeException;
import dev.apimage.capwap.wire.CapwapMessage;
import dev.apimage.capwap.wire.CapwapMessageWriter;
import dev.apimage.capwap.wire.ResultCode;
import dev.apimage.internal.LogText;
import dev.apimage.staging.CommittedImage;
import dev.apimage.staging.ExpectedImage;
import dev.apimage.staging.InsufficientSpaceException;
import dev.apimage.staging.StagedImage;
import dev.apimage.staging.StagingArea;
import dev.apimage.time.NanoClock;
import dev.apimage.transfer.BlockSinkException;
import dev.apimage.transfer.FailureReason;
import io.netty.buffer.ByteBuf;
import java.io.IOException;
import java.util.HexFormat;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The AP side of the CAPWAP image download (RFC 5415, 9.1), as the seed's AP log shows it:
 * version check, PRECHECK of the staging space, Image Data Request, blocks written through the
 * {@link StagingArea} and acknowledged one by one, last block, store and verify, complete; or
 * ABORT from any state, leaving no file behind.
 *
 * <p>Protocol-only: datagrams come in through {@link #onDatagram(ByteBuf)}, go out through a
 * {@link Port}, and time comes from injected {@link NanoClock}, so tests can run it in virtual
 * time. Every method, timer task included, must run on one thread. Steady state (one block in,
 * one Result Code out) allocates nothing here: the block is written from the datagram's own
 * memory and the response is encoded into a buffer from the port.
 *
 * <p>Retransmissions: a request the controller repeats (same sequence number) gets the identical
 * response again, re-encoded from the cached sequence number and result, and the block is not
 * written twice. The AP's own Image Data Request is repeated after RetransmitInterval, doubling,
 * at most MaxRetransmit times; ImageDataStartTimer bounds the wait for the first block and any
 * silence between blocks.
 */
public final class CapwapImageStateMachine {

    private static final Logger LOG = LoggerFactory.getLogger(CapwapImageStateMachine.class);

    /** The states. */
    public enum State {
        /** Created, not started. */
        IDLE,
        /** Comparing the AP's version with the controller's. */
        VERSION_CHECK,
        /** Checking the staging space. */
        PRECHECK,
        /** Image Data Request sent, waiting for the controller's response. */
        REQUESTING,
        /** The controller accepted; waiting for the first block. */
        AWAITING_DATA,
        /** Blocks arriving. */
        RECEIVING,
        /** Last block received; flushing, verifying size and MD5, renaming. */
        STORING,
        /** The image is stored and verified. Final. */
        COMPLETE,
        /** The AP already runs the controller's version; nothing was downloaded. Final. */
        UP_TO_DATE,
        /** Given up; the staging file is gone. Final. */
        ABORTED;

        /**
         * Tells whether the download has ended.
         *
         * @return true for the final states
         */
        public boolean isFinal() {
            return this == COMPLETE || this == UP_TO_DATE || this == ABORTED;
        }
    }

    /** Where the state machine's datagrams go. */
    public interface Port {
        /**
         * An empty buffer for one outgoing datagram; {@link #send(ByteBuf)} takes it back.
         *
         * @return the buffer
         */
        ByteBuf buffer();

        /**
         * Sends a datagram to the controller and releases the buffer.
         *
         * @param datagram the encoded message
         */
        void send(ByteBuf datagram);

        /**
         * The controller, as logs show it.
         *
         * @return for example {@code 127.0.0.1:5246}
         */
        String peer();
    }

    /** What the state machine tells its owner. All methods are called on the state machine's thread. */
    public interface Listener {
        /**
         * The state changed.
         *
         * @param from the old state
         * @param to the new state
         */
        default void onTransition(State from, State to) {
        }

        /**
         * A new block was stored.
         *
         * @param bytes bytes so far
         * @param total the image's size
         */
        default void onProgress(long bytes, long total) {
        }

        /**
         * The controller sent a Reset Request naming the image to activate (nothing reboots here).
         *
         * @param imageName the image
         * @param accepted whether the AP answered success (it holds that image)
         */
        default void onReset(String imageName, boolean accepted) {
        }
    }

    private static final Listener NO_LISTENER = new Listener() { };

    private final ApImageSettings settings;
    private final StagingArea staging;
    private final Port port;
    private final NanoClock timers;
    private final Listener listener;
    private final String tag;
    private final CapwapMessage in = new CapwapMessage();
    private final CapwapMessageWriter out = new CapwapMessageWriter();
    private final CompletableFuture<ApImageOutcome> outcome = new CompletableFuture<>();
    private final byte[] md5 = new byte[16];

    private State state = State.IDLE;
    private StagedImage staged;
    private CommittedImage committed;
    private long imageSize = -1;
    private long received;
    private long messages;
    private int lastBlockLength;
    private String abortReason;

    // The AP's own requests.
    private int ownSequence;
    private int requestSequence = -1;
    private int retransmits;
    private long retransmitNanos;
    private NanoClock.Timer retransmitTimer;
    private NanoClock.Timer dataTimer;
    private long lastDataNanos;
    private NanoClock.Timer echoTimer;

    // The last response to the controller, re-sent byte for byte when its request is repeated.
    private int cachedSequence = -1;
    private long cachedType;
    private long cachedResult;

    /**
     * Creates the state machine in {@link State#IDLE}.
     *
     * @param settings the AP and its timers
     * @param staging where the image is staged
     * @param port where datagrams go
     * @param timers the clock and timers
     * @param listener progress and transitions, or null
     */
    public CapwapImageStateMachine(ApImageSettings settings, StagingArea staging, Port port, NanoClock timers,
            Listener listener) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.staging = Objects.requireNonNull(staging, "staging");
        this.port = Objects.requireNonNull(port, "port");
        this.timers = Objects.requireNonNull(timers, "timers");
        this.listener = listener == null ? NO_LISTENER : listener;
        this.tag = "[" + settings.apName() + "] ";
    }

    /**
     * The current state.
     *
     * @return the state
     */
    public State state() {
        return state;
    }

    /**
     * Completes when the download ends, never exceptionally.
     *
     * @return the outcome
     */
    public CompletableFuture<ApImageOutcome> outcome() {
        return outcome;
    }

    /**
     * Image bytes stored so far.
     *
     * @return bytes
     */
    public long receivedBytes() {
        return received;
    }

    /**
     * The image size the controller announced.
     *
     * @return bytes, -1 while unknown
     */
    public long imageSize() {
        return imageSize;
    }

    private void enter(State next) {
        State from = state;
        state = next;
        listener.onTransition(from, next);
    }

    /**
     * Starts: version check, PRECHECK, then the Image Data Request. Only from {@link State#IDLE}.
     *
     * @throws IllegalStateException when already started
     */
    public void start() {
        if (state != State.IDLE) {
            throw new IllegalStateException("already started: " + state);
        }
        LOG.info("{}CAPWAP State: Image Data", tag);
        enter(State.VERSION_CHECK);
        LOG.info("{}AP image version {} backup {}, Controller {}", tag, settings.primaryVersion(),
                settings.backupVersion().map(Object::toString).orElse("none"),
                settings.controllerVersion().map(Object::toString).orElse("unknown"));
        if (settings.controllerVersion().isPresent() && settings.controllerVersion().get().equals(settings.primaryVersion())) {
            LOG.info("{}Version matches, nothing to download.", tag);
            enter(State.UP_TO_DATE);
            finish();
            return;
        }
        LOG.info("{}Version does not match.", tag);
        enter(State.PRECHECK);
        try {
            long available = staging.precheck(settings.requiredSpace());
            LOG.info("{}PRECHECK staging space: OK available {}, required {}", tag, available, settings.requiredSpace());
        } catch (InsufficientSpaceException e) {
            abort("PRECHECK failed: not enough space, available " + e.available() + ", required " + e.required());
            return;
        } catch (IOException e) {
            abort("PRECHECK failed: " + e.getMessage());
            return;
        }
        enter(State.REQUESTING);
        requestSequence = nextSequence();
        retransmits = 0;
        retransmitNanos = settings.retransmitInterval().toNanos();
        sendRequest();
        LOG.info("{}Image Data Request sent to {}, fileName [{}]", tag, port.peer(), settings.imageType());
        retransmitTimer = timers.schedule(this::onRetransmitTimer, retransmitNanos);
        lastDataNanos = timers.nanoTime();
        dataTimer = timers.schedule(this::onDataTimer, settings.imageDataStartTimer().toNanos());
    }

    private int nextSequence() {
        int s = ownSequence;
        ownSequence = (ownSequence + 1) & 0xFF;
        return s;
    }

    private void sendRequest() {
        ByteBuf b = port.buffer();
        out.begin(b, CapwapMessage.IMAGE_DATA_REQUEST, requestSequence)
                .imageIdentifier(settings.vendorId(), settings.imageType().name()).initiateDownload().finish();
        port.send(b);
    }

    private void onRetransmitTimer() {
        retransmitTimer = null;
        if (state != State.REQUESTING) {
            return;
        }
        if (retransmits == settings.maxRetransmit()) {
            abort("no Image Data Response after " + (retransmits + 1) + " requests (MaxRetransmit " + settings.maxRetransmit() + ")");
            return;
        }
        retransmits++;
        retransmitNanos *= 2;
        LOG.debug("{}Image Data Request retransmitted ({} of {})", tag, retransmits, settings.maxRetransmit());
        sendRequest();
        retransmitTimer = timers.schedule(this::onRetransmitTimer, retransmitNanos);
    }

    private void onDataTimer() {
        dataTimer = null;
        if (state != State.REQUESTING && state != State.AWAITING_DATA && state != State.RECEIVING) {
            return;
        }
        long limit = settings.imageDataStartTimer().toNanos();
        long quiet = timers.nanoTime() - lastDataNanos;
        if (quiet < limit) {
            // Blocks arrived since the timer was set: wait for the rest (rescheduling per block would allocate).
            dataTimer = timers.schedule(this::onDataTimer, limit - quiet);
            return;
        }
        if (state == State.RECEIVING) {
            abort("no image data for " + settings.imageDataStartTimer().toSeconds() + " s after " + received + " bytes");
        } else {
            LOG.warn("{}Going to restart CAPWAP (reason : image download cannot start)", tag);
            abort("image download cannot start");
        }
    }

    private void onEchoTimer() {
        echoTimer = null;
        if (state != State.AWAITING_DATA && state != State.RECEIVING) {
            return;
        }
        ByteBuf b = port.buffer();
        out.begin(b, CapwapMessage.ECHO_REQUEST, nextSequence()).finish();
        port.send(b);
        echoTimer = timers.schedule(this::onEchoTimer, settings.echoInterval().toNanos());
    }

    /**
     * Handles a datagram from the controller. Never throws: a malformed datagram is logged and
     * dropped; the caller keeps ownership of the buffer.
     *
     * @param datagram the datagram's readable bytes
     */
    public void onDatagram(ByteBuf datagram) {
        try {
            in.wrap(datagram, datagram.readerIndex(), datagram.writerIndex());
        } catch (CapwapDecodeException e) {
            LOG.debug("{}dropped a malformed datagram from {}: {}", tag, port.peer(), e.getMessage());
            return;
        }
        long type = in.messageType();
        int seq = in.sequenceNumber();
        if (!in.isRequest()) {
            if (type == CapwapMessage.IMAGE_DATA_RESPONSE) {
                onImageDataResponse(seq);
            }
            // Echo Responses and stray responses need nothing.
            return;
        }
        if (seq == cachedSequence && type == cachedType - 1) {
            respond(seq, cachedType, cachedResult); // a repeated request: the identical answer, nothing redone
            return;
        }
        if (type == CapwapMessage.IMAGE_DATA_REQUEST) {
            onImageData(seq);
        } else if (type == CapwapMessage.RESET_REQUEST) {
            onReset(seq);
        } else {
            ByteBuf b = port.buffer();
            long result = out.answerUnhandled(b, type, seq);
            port.send(b);
            if (result != 0) {
                LOG.debug("{}unrecognized request {} from {}", tag, CapwapMessage.typeName(type), port.peer());
                cachedSequence = seq; // a repeat of it gets the same answer from the cache
                cachedType = type + 1;
                cachedResult = result;
            }
        }
    }

    private void onImageDataResponse(int seq) {
        if (state != State.REQUESTING || seq != requestSequence) {
            return; // a late copy of a response already acted on
        }
        cancel(retransmitTimer);
        retransmitTimer = null;
        long result = in.hasResultCode() ? in.resultCode() : -1;
        if (result != 0) {
            abort("controller refused the image: " + (result < 0 ? "no Result Code" : ResultCode.describe(result)));
            return;
        }
        if (!in.hasImageInformation()) {
            abort("Image Data Response without Image Information");
            return;
        }
        imageSize = in.imageFileSize();
        in.imageMd5(md5);
        LOG.info("{}Image Data Response from {}: {} bytes, MD5 {}", tag, port.peer(), imageSize, HexFormat.of().formatHex(md5));
        try {
            staged = staging.begin(settings.imageType().name(), imageSize);
        } catch (InsufficientSpaceException e) {
            abort("PRECHECK failed: not enough space, available " + e.available() + ", required " + e.required());
            return;
        } catch (IOException | RuntimeException e) {
            abort("cannot open the staging file: " + e.getMessage());
            return;
        }
        enter(State.AWAITING_DATA);
        echoTimer = timers.schedule(this::onEchoTimer, settings.echoInterval().toNanos());
    }

    private void onImageData(int seq) {
        if (!in.hasImageData()) {
            respondCached(seq, CapwapMessage.IMAGE_DATA_RESPONSE, ResultCode.FAILURE_MISSING_MANDATORY_ELEMENT.code());
            return;
        }
        switch (state) {
            case AWAITING_DATA, RECEIVING -> onBlock(seq);
            case REQUESTING -> {
                // Our request's response was lost and the controller went ahead: stay silent, so it
                // repeats the block after we have the Image Information from our own repeated request.
            }
            case COMPLETE -> respondCached(seq, CapwapMessage.IMAGE_DATA_RESPONSE, ResultCode.IMAGE_DATA_ALREADY_PRESENT.code());
            case ABORTED -> respondCached(seq, CapwapMessage.IMAGE_DATA_RESPONSE, ResultCode.IMAGE_DATA_OTHER_ERROR.code());
            default -> respondCached(seq, CapwapMessage.IMAGE_DATA_RESPONSE, ResultCode.MESSAGE_UNEXPECTED_INVALID_STATE.code());
        }
    }

    private void onBlock(int seq) {
        int dataType = in.imageDataType();
        if (dataType == CapwapMessage.DATA_TYPE_ERROR) {
            respondCached(seq, CapwapMessage.IMAGE_DATA_RESPONSE, ResultCode.SUCCESS.code());
            abort("controller aborted the transfer (Image Data type 5)");
            return;
        }
        if (state == State.AWAITING_DATA) {
            enter(State.RECEIVING);
        }
        lastDataNanos = timers.nanoTime();
        int length = in.imageDataLength();
        if (received + length > imageSize) {
            respondCached(seq, CapwapMessage.IMAGE_DATA_RESPONSE, ResultCode.IMAGE_DATA_INVALID_LENGTH.code());
            abort("image data runs past the announced " + imageSize + " bytes");
            return;
        }
        if (length > 0) {
            try {
                staged.write(in.imageDataView(), received);
            } catch (IOException e) {
                respondCached(seq, CapwapMessage.IMAGE_DATA_RESPONSE, ResultCode.IMAGE_DATA_OTHER_ERROR.code());
                abort("staging write failed: " + e.getMessage());
                return;
            }
        }
        received += length;
        messages++;
        lastBlockLength = length;
        if (dataType == CapwapMessage.DATA_TYPE_DATA) {
            respondCached(seq, CapwapMessage.IMAGE_DATA_RESPONSE, ResultCode.SUCCESS.code());
            listener.onProgress(received, imageSize);
            return;
        }
        store(seq);
    }

    private void store(int seq) {
        enter(State.STORING);
        LOG.info("{}{} bytes, {} msgs, {} last", tag, received, messages, lastBlockLength);
        LOG.info("{}Last block stored", tag);
        try {
            committed = staged.commit(ExpectedImage.ofMd5(imageSize, HexFormat.of().formatHex(md5)));
        } catch (BlockSinkException e) {
            ResultCode rc = e.reason() == FailureReason.INTEGRITY_MISMATCH
                    ? (received != imageSize ? ResultCode.IMAGE_DATA_INVALID_LENGTH : ResultCode.IMAGE_DATA_INVALID_CHECKSUM)
                    : ResultCode.IMAGE_DATA_OTHER_ERROR;
            respondCached(seq, CapwapMessage.IMAGE_DATA_RESPONSE, rc.code());
            abort("image verify failed: " + e.getMessage());
            return;
        } catch (IOException e) {
            respondCached(seq, CapwapMessage.IMAGE_DATA_RESPONSE, ResultCode.IMAGE_DATA_OTHER_ERROR.code());
            abort("cannot store the image: " + e.getMessage());
            return;
        }
        respondCached(seq, CapwapMessage.IMAGE_DATA_RESPONSE, ResultCode.SUCCESS.code());
        listener.onProgress(received, imageSize);
        LOG.info("{}PREDOWNLOAD: image verify success (size and MD5), stored as {}", tag, committed.file().getFileName());
        enter(State.COMPLETE);
        finish();
    }

    private void onReset(int seq) {
        String name = in.hasImageIdentifier() ? in.imageName() : settings.imageType().name();
        boolean holds = (state == State.COMPLETE && name.equals(settings.imageType().name())) || state == State.UP_TO_DATE;
        respondCached(seq, CapwapMessage.RESET_RESPONSE,
                holds ? ResultCode.SUCCESS.code() : ResultCode.RESET_FAILURE_UNABLE_TO_RESET.code());
        LOG.info("{}Reset Request for image [{}]: {}", tag, LogText.printable(name, 64), holds ? "accepted" : "refused, image not stored");
        listener.onReset(name, holds);
    }

    private void respondCached(int seq, long type, long result) {
        cachedSequence = seq;
        cachedType = type;
        cachedResult = result;
        respond(seq, type, result);
    }

    private void respond(int seq, long type, long result) {
        ByteBuf b = port.buffer();
        out.begin(b, type, seq).resultCode(result).finish();
        port.send(b);
    }

    /**
     * Gives up from any state that has not ended: cancels the timers, deletes the staging file,
     * and completes the outcome with the reason. No effect in a final state.
     *
     * @param reason why, for the log and the outcome
     */
    public void abort(String reason) {
        if (state.isFinal()) {
            return;
        }
        abortReason = reason;
        if (staged != null) {
            staged.abort();
        }
        LOG.warn("{}ABORT: {}", tag, reason);
        enter(State.ABORTED);
        finish();
    }

    private void finish() {
        cancel(retransmitTimer);
        cancel(dataTimer);
        cancel(echoTimer);
        retransmitTimer = dataTimer = echoTimer = null;
        outcome.complete(new ApImageOutcome(state, Optional.ofNullable(abortReason), Optional.ofNullable(committed),
                received, messages));
    }

    private static void cancel(NanoClock.Timer t) {
        if (t != null) {
            t.cancel();
        }
    }

    @Override
    public String toString() {
        return "CapwapImageStateMachine[" + settings.apName() + " " + settings.imageType() + " " + state + "]";
    }
}

package dev.apimage.capwap.internal;

import dev.apimage.capwap.CapwapSessionState;
import dev.apimage.capwap.wire.ControlMessage;
import dev.apimage.capwap.wire.MessageElement;
import dev.apimage.capwap.wire.ResultCode;
import dev.apimage.internal.Hosts;
import dev.apimage.time.NanoClock;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The controller's side of one WTP's CAPWAP control session (RFC 5415, 2.3, as the AC sees it):
 * Join, Configure, Data Check, Run, with Image Data and Reset on the way, and the AC's timers
 * (4.7: WaitJoin, ChangeStatePendingTimer, the EchoInterval timer; RetransmitInterval and
 * MaxRetransmit for its own requests). Protocol only: messages in through the {@code on...}
 * methods, out through a {@link Port}, time from an injected {@link NanoClock}; every method and
 * timer runs on one thread.
 *
 * <p>Transitions (a request the state does not expect gets Result 18, "Message Unexpected (Invalid
 * in Current State)"; a repeated request gets the cached response again):
 * <table>
 * <caption>state x event: what is sent, and the next state</caption>
 * <tr><th>state</th><th>event</th><th>sent</th><th>next</th></tr>
 * <tr><td>JOIN</td><td>Join Request, admitted</td><td>Join Response, Result 0, with the AC's elements and Image Identifier</td><td>CONFIGURE</td></tr>
 * <tr><td>JOIN</td><td>Join Request, refused</td><td>Join Response with the refusal's Result Code</td><td>DEAD</td></tr>
 * <tr><td>JOIN</td><td>WaitJoin expires</td><td>nothing</td><td>DEAD</td></tr>
 * <tr><td>CONFIGURE</td><td>Configuration Status Request</td><td>Configuration Status Response</td><td>DATA_CHECK</td></tr>
 * <tr><td>CONFIGURE</td><td>the WTP asks for its image (Figure 6)</td><td>nothing here (the streamer answers)</td><td>IMAGE_DATA</td></tr>
 * <tr><td>DATA_CHECK</td><td>Change State Event Request</td><td>Change State Event Response</td><td>RUN</td></tr>
 * <tr><td>DATA_CHECK</td><td>ChangeStatePendingTimer expires</td><td>nothing</td><td>DEAD</td></tr>
 * <tr><td>RUN</td><td>Echo Request, WTP Event Request</td><td>Echo Response, WTP Event Response</td><td>RUN</td></tr>
 * <tr><td>RUN</td><td>predownload ordered (Figure 8)</td><td>Configuration Update Request with the Image Identifier</td><td>RUN</td></tr>
 * <tr><td>RUN</td><td>reset ordered (activation)</td><td>Reset Request with the Image Identifier</td><td>RUN, then RESET on its response</td></tr>
 * <tr><td>IMAGE_DATA</td><td>the download ended</td><td>nothing (the WTP resets into the image)</td><td>RESET</td></tr>
 * <tr><td>any joined</td><td>nothing from the WTP for EchoInterval plus the retransmission time</td><td>nothing</td><td>DEAD</td></tr>
 * <tr><td>any</td><td>a request of ours unanswered after MaxRetransmit</td><td>nothing</td><td>DEAD</td></tr>
 * </table>
 */
public final class ControlSession {

    private static final Logger LOG = LoggerFactory.getLogger(ControlSession.class);

    /** Where the session's messages and news go. */
    public interface Port {
        /**
         * Sends a message to the WTP.
         *
         * @param message the message
         */
        void send(ControlMessage message);

        /**
         * The state changed.
         *
         * @param session the session
         * @param from the old state
         * @param to the new state
         * @param why a short reason, for the log
         */
        default void onState(ControlSession session, CapwapSessionState from, CapwapSessionState to, String why) {
        }

        /**
         * The WTP answered a request of ours.
         *
         * @param session the session
         * @param requestType our request's type
         * @param result its Result Code (success when the response carries none)
         */
        default void onAnswer(ControlSession session, long requestType, ResultCode result) {
        }
    }

    /**
     * The controller's settings of a session.
     *
     * @param waitJoinNanos WaitJoin (RFC 5415, 4.7.16; default 60 s)
     * @param changeStatePendingNanos ChangeStatePendingTimer (4.7.1; default 25 s)
     * @param echoDeadNanos silence after which a joined WTP is dead: EchoInterval plus the retransmission time (4.6.13)
     * @param retransmitNanos RetransmitInterval (4.7.12; default 3 s), doubled per retransmission
     * @param maxRetransmit MaxRetransmit (4.8; default 5)
     * @param configurationStatus the elements of our Configuration Status Response (8.3)
     */
    public record Settings(long waitJoinNanos, long changeStatePendingNanos, long echoDeadNanos, long retransmitNanos, int maxRetransmit,
            List<MessageElement> configurationStatus) {
        /** Checks the values. */
        public Settings {
            if (waitJoinNanos <= 0 || changeStatePendingNanos <= 0 || echoDeadNanos <= 0 || retransmitNanos <= 0 || maxRetransmit < 0) {
                throw new IllegalArgumentException("control session settings out of range");
            }
            configurationStatus = List.copyOf(configurationStatus);
        }

        /**
         * RFC 5415's defaults, and EchoInterval 30 s.
         *
         * @param configurationStatus the elements of our Configuration Status Response
         * @return the settings
         */
        public static Settings defaults(List<MessageElement> configurationStatus) {
            long s = 1_000_000_000L;
            // EchoInterval plus the retransmission time of one request: 3 + 6 + 12 + 24 + 48 + 96 s at most.
            return new Settings(60 * s, 25 * s, (30 + 189) * s, 3 * s, 5, configurationStatus);
        }
    }

    private final InetSocketAddress wtp;
    private final Settings settings;
    private final NanoClock clock;
    private final Port port;
    private CapwapSessionState state = CapwapSessionState.JOIN;
    private NanoClock.Timer stateTimer;
    private NanoClock.Timer echoTimer;
    private long lastHeard;

    // The last response we sent, for a repeated request (RFC 5415, 4.5.3).
    private int cachedSequence = -1;
    private long cachedRequestType = -1;
    private ControlMessage cachedResponse;

    // Our own request in flight: one at a time.
    private int ownSequence;
    private ControlMessage outstanding;
    private final List<ControlMessage> queued = new ArrayList<>();
    private NanoClock.Timer retransmitTimer;
    private int retransmits;
    private long retransmitInterval;

    /**
     * A session in JOIN: WaitJoin runs from now.
     *
     * @param wtp the WTP's address
     * @param settings the timers
     * @param clock the controller's clock
     * @param port where messages go
     */
    public ControlSession(InetSocketAddress wtp, Settings settings, NanoClock clock, Port port) {
        this.wtp = Objects.requireNonNull(wtp, "wtp");
        this.settings = Objects.requireNonNull(settings, "settings");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.port = Objects.requireNonNull(port, "port");
        this.lastHeard = clock.nanoTime();
        stateTimer = clock.schedule(() -> timeout(CapwapSessionState.JOIN, "no Join Request within WaitJoin"), settings.waitJoinNanos());
    }

    /**
     * The WTP.
     *
     * @return its address
     */
    public InetSocketAddress wtp() {
        return wtp;
    }

    /**
     * The state.
     *
     * @return the state
     */
    public CapwapSessionState state() {
        return state;
    }

    // --- events from the WTP ---

    /**
     * The Join Request, with the controller's verdict on it.
     *
     * @param join the request
     * @param admission success, or the Result Code that refuses it (RFC 5415, 4.6.35)
     * @param responseElements the Join Response's elements after its Result Code (AC Descriptor, AC Name, ...)
     */
    public void onJoinRequest(ControlMessage join, ResultCode admission, List<MessageElement> responseElements) {
        heard();
        if (repeated(join)) {
            return;
        }
        if (state != CapwapSessionState.JOIN) {
            respond(join, unexpected(join));
            return;
        }
        cancel(stateTimer);
        List<MessageElement> elements = new ArrayList<>();
        elements.add(new MessageElement.Result(admission));
        if (admission.isSuccess()) {
            elements.addAll(responseElements);
        }
        respond(join, new ControlMessage(ControlMessage.JOIN_RESPONSE, join.sequence(), elements));
        if (!admission.isSuccess()) {
            enter(CapwapSessionState.DEAD, "join refused: " + admission);
            return;
        }
        enter(CapwapSessionState.CONFIGURE, "joined");
        armEcho();
    }

    /**
     * Any other request from the WTP.
     *
     * @param request the request
     */
    public void onRequest(ControlMessage request) {
        heard();
        if (state.isFinal() || repeated(request)) {
            return;
        }
        long type = request.type();
        if (type == ControlMessage.ECHO_REQUEST && state != CapwapSessionState.JOIN) {
            respond(request, ControlMessage.of(ControlMessage.ECHO_RESPONSE, request.sequence()));
        } else if (type == ControlMessage.CONFIGURATION_STATUS_REQUEST && state == CapwapSessionState.CONFIGURE) {
            respond(request, new ControlMessage(ControlMessage.CONFIGURATION_STATUS_RESPONSE, request.sequence(), settings.configurationStatus()));
            enter(CapwapSessionState.DATA_CHECK, "configured");
            stateTimer = clock.schedule(() -> timeout(CapwapSessionState.DATA_CHECK, "no Change State Event Request within ChangeStatePendingTimer"),
                    settings.changeStatePendingNanos());
        } else if (type == ControlMessage.CHANGE_STATE_EVENT_REQUEST && (state == CapwapSessionState.DATA_CHECK || state == CapwapSessionState.RUN)) {
            respond(request, ControlMessage.of(ControlMessage.CHANGE_STATE_EVENT_RESPONSE, request.sequence()));
            if (state == CapwapSessionState.DATA_CHECK) {
                cancel(stateTimer);
                enter(CapwapSessionState.RUN, "running");
                sendNext();
            }
        } else if (type == ControlMessage.WTP_EVENT_REQUEST && state == CapwapSessionState.RUN) {
            respond(request, ControlMessage.of(ControlMessage.WTP_EVENT_RESPONSE, request.sequence()));
        } else if (type == ControlMessage.JOIN_REQUEST) {
            respond(request, unexpected(request));
        } else if (isKnown(type)) {
            respond(request, unexpected(request));
        } else {
            respond(request, ControlMessage.of(type + 1, request.sequence(),
                    new MessageElement.Result(ResultCode.MESSAGE_UNEXPECTED_UNRECOGNIZED_REQUEST)));
        }
    }

    /**
     * The WTP asked for an image (its Image Data Request went to the streamer).
     */
    public void onImageDataRequest() {
        heard();
        if (state == CapwapSessionState.CONFIGURE) {
            enter(CapwapSessionState.IMAGE_DATA, "image download before configuration");
        }
    }

    /**
     * The WTP's download in Image Data state ended; it resets into the image (Figure 6).
     *
     * @param stored whether the WTP holds the image
     */
    public void onImageDataEnded(boolean stored) {
        if (state == CapwapSessionState.IMAGE_DATA) {
            enter(CapwapSessionState.RESET, stored ? "image stored: the WTP resets into it" : "image download failed: the WTP restarts CAPWAP");
        }
    }

    /**
     * A response from the WTP to a request of ours.
     *
     * @param response the response
     */
    public void onResponse(ControlMessage response) {
        heard();
        ControlMessage o = outstanding;
        if (o == null || response.sequence() != o.sequence() || response.type() != o.type() + 1) {
            return; // late, stray or repeated
        }
        outstanding = null;
        cancel(retransmitTimer);
        ResultCode result = response.resultCode().orElse(ResultCode.SUCCESS);
        port.onAnswer(this, o.type(), result);
        if (o.type() == ControlMessage.RESET_REQUEST && result.isSuccess()) {
            enter(CapwapSessionState.RESET, "reset into " + o.find(MessageElement.ImageIdentifier.class).map(MessageElement.ImageIdentifier::name).orElse("?"));
            return;
        }
        sendNext();
    }

    // --- orders from the controller ---

    /**
     * Orders a predownload (RFC 5415, 9.1, Figure 8): a Configuration Update Request with the image
     * the WTP should store as its backup. Queued until RUN.
     *
     * @param image the image
     */
    public void predownload(MessageElement.ImageIdentifier image) {
        order(ControlMessage.CONFIGURATION_UPDATE_REQUEST, image);
    }

    /**
     * Orders the WTP to reset into an image (activation): a Reset Request (RFC 5415, 9.2). Queued until RUN.
     *
     * @param image the image
     */
    public void reset(MessageElement.ImageIdentifier image) {
        order(ControlMessage.RESET_REQUEST, image);
    }

    /**
     * Ends the session at once (the controller stops, or the WTP joined anew).
     *
     * @param why for the log
     */
    public void close(String why) {
        if (!state.isFinal()) {
            enter(CapwapSessionState.DEAD, why);
        }
    }

    // --- the steps ---

    private void order(long type, MessageElement.ImageIdentifier image) {
        if (state.isFinal()) {
            return;
        }
        queued.add(ControlMessage.of(type, 0, image));
        if (state == CapwapSessionState.RUN) {
            sendNext();
        }
    }

    private void sendNext() {
        if (outstanding != null || queued.isEmpty() || state != CapwapSessionState.RUN) {
            return;
        }
        ControlMessage q = queued.remove(0);
        outstanding = new ControlMessage(q.type(), ownSequence, q.elements());
        ownSequence = (ownSequence + 1) & 0xFF;
        retransmits = 0;
        retransmitInterval = settings.retransmitNanos();
        port.send(outstanding);
        retransmitTimer = clock.schedule(this::onRetransmitTimer, retransmitInterval);
    }

    private void onRetransmitTimer() {
        retransmitTimer = null;
        if (outstanding == null || state.isFinal()) {
            return;
        }
        if (retransmits == settings.maxRetransmit()) {
            enter(CapwapSessionState.DEAD, "no answer to " + outstanding.typeName() + " after " + (retransmits + 1) + " sends");
            return;
        }
        retransmits++;
        retransmitInterval *= 2;
        port.send(outstanding); // byte-identical: same sequence number
        retransmitTimer = clock.schedule(this::onRetransmitTimer, retransmitInterval);
    }

    private void heard() {
        lastHeard = clock.nanoTime();
    }

    /** The EchoInterval timer: re-armed at its end while the WTP was heard of meanwhile (no timer per message). */
    private void armEcho() {
        echoTimer = clock.schedule(this::onEchoTimer, settings.echoDeadNanos());
    }

    private void onEchoTimer() {
        echoTimer = null;
        if (state.isFinal()) {
            return;
        }
        long quiet = clock.nanoTime() - lastHeard;
        if (quiet < settings.echoDeadNanos()) {
            echoTimer = clock.schedule(this::onEchoTimer, settings.echoDeadNanos() - quiet);
            return;
        }
        enter(CapwapSessionState.DEAD, "nothing from the WTP for " + settings.echoDeadNanos() / 1_000_000_000L + " s (EchoInterval)");
    }

    private void timeout(CapwapSessionState in, String why) {
        stateTimer = null;
        if (state == in) {
            enter(CapwapSessionState.DEAD, why);
        }
    }

    private boolean repeated(ControlMessage request) {
        if (cachedResponse != null && request.sequence() == cachedSequence && request.type() == cachedRequestType) {
            port.send(cachedResponse);
            return true;
        }
        return false;
    }

    private void respond(ControlMessage request, ControlMessage response) {
        cachedSequence = request.sequence();
        cachedRequestType = request.type();
        cachedResponse = response;
        port.send(response);
    }

    private ControlMessage unexpected(ControlMessage request) {
        LOG.debug("WTP {}: {} unexpected in {}", Hosts.text(wtp), request.typeName(), state);
        return ControlMessage.of(request.type() + 1, request.sequence(), new MessageElement.Result(ResultCode.MESSAGE_UNEXPECTED_INVALID_STATE));
    }

    private static boolean isKnown(long type) {
        return type >= ControlMessage.DISCOVERY_REQUEST && type <= ControlMessage.RESET_RESPONSE;
    }

    private void enter(CapwapSessionState next, String why) {
        CapwapSessionState from = state;
        state = next;
        if (next.isFinal()) {
            cancel(stateTimer);
            cancel(echoTimer);
            cancel(retransmitTimer);
            stateTimer = echoTimer = retransmitTimer = null;
            outstanding = null;
            queued.clear();
        }
        LOG.debug("WTP {}: {} -> {} ({})", Hosts.text(wtp), from, next, why);
        port.onState(this, from, next, why);
    }

    private static void cancel(NanoClock.Timer t) {
        if (t != null) {
            t.cancel();
        }
    }

    @Override
    public String toString() {
        return "ControlSession[" + Hosts.text(wtp) + " " + state + "]";
    }
}

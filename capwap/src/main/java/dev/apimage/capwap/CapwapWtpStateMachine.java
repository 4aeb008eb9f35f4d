package dev.apimage.capwap;

import dev.apimage.capwap.wire.CapwapDecodeException;
import dev.apimage.capwap.wire.CapwapHeader;
import dev.apimage.capwap.wire.CapwapMessage;
import dev.apimage.capwap.wire.ControlMessage;
import dev.apimage.capwap.wire.MessageElement;
import dev.apimage.capwap.wire.ResultCode;
import dev.apimage.image.ImageVersion;
import dev.apimage.internal.LogText;
import dev.apimage.staging.CommittedImage;
import dev.apimage.staging.StagingArea;
import dev.apimage.time.NanoClock;
import io.netty.buffer.ByteBuf;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The AP side of CAPWAP (RFC 5415, 2.3, as the WTP sees it): Discovery (unicast to one
 * controller), Sulking, DTLS Setup (a pass-through in the plain lab mode), Join, Image Data,
 * Configure, Data Check, Run, Reset, DTLS Teardown, with the firmware cases of section 9.1: the
 * Join Response names an image the AP lacks (download, then reset into it: Figure 6) or holds as
 * its backup (reset without download: Figure 7); in Run a Configuration Update Request with an
 * Image Identifier starts a predownload kept as the backup, and only a Reset Request activates it
 * (Figure 8), or is answered "Image Already Present" (Figure 9).
 *
 * <p>Protocol only: datagrams in through {@link #onDatagram}, out through a
 * {@link CapwapImageStateMachine.Port}, time from an injected {@link NanoClock}; every method and
 * timer runs on one thread. The image download itself is a {@link CapwapImageStateMachine}. The
 * log lines are the field's: {@code CAPWAP State: Discovery}, {@code CAPWAP State: Join},
 * {@code CAPWAP State: Image Data}, {@code Discarding msg CAPWAP_WTP_EVENT_REQUEST(type 9) in CAPWAP
 * state: Image Data}, {@code CAPWAP State: DTLS Teardown}, {@code Aborting image download(0x0): Dtls
 * cleanup, ap1g8}, {@code Restarting CAPWAP State Machine.}
 */
public final class CapwapWtpStateMachine {

    private static final Logger LOG = LoggerFactory.getLogger(CapwapWtpStateMachine.class);

    /** The states (RFC 5415, 2.3). */
    public enum State {
        /** Created, not started. */
        IDLE,
        /** Asking the controller with Discovery Requests. */
        DISCOVERY,
        /** No answer: silent for SilentInterval. */
        SULKING,
        /** DTLS setup; a pass-through in the plain lab mode. */
        DTLS_SETUP,
        /** Join Request sent. */
        JOIN,
        /** Downloading the image the Join Response named (Figure 6). */
        IMAGE_DATA,
        /** Configuration Status exchange. */
        CONFIGURE,
        /** Change State Event exchange. */
        DATA_CHECK,
        /** Normal operation. */
        RUN,
        /** Resetting into an image. Final for this run of the machine. */
        RESET,
        /** The session is torn down; the machine restarts at Discovery. */
        DTLS_TEARDOWN
    }

    /** What the machine tells its owner; called on its thread. */
    public interface Listener {
        /**
         * The state changed.
         *
         * @param from the old state
         * @param to the new state
         */
        default void onState(State from, State to) {
        }

        /**
         * The AP resets into an image: the owner reboots it (a simulated AP comes back through
         * Discovery and Join with the new versions).
         *
         * @param running the version it runs after the reset
         * @param backup the version left in the other partition
         * @param image the stored image when it was downloaded in this session
         */
        default void onReset(ImageVersion running, Optional<ImageVersion> backup, Optional<CommittedImage> image) {
        }

        /**
         * The AP reached Run.
         *
         * @param running the version it runs
         * @param backup the version it holds besides, a completed predownload included
         * @param controllerImage the version the controller named (or the configured one), if any
         */
        default void onRun(ImageVersion running, Optional<ImageVersion> backup, Optional<ImageVersion> controllerImage) {
        }

        /**
         * A download in Image Data state ended (Figure 6); an aborted one restarts the session.
         *
         * @param outcome how it ended
         */
        default void onDownload(ApImageOutcome outcome) {
        }

        /**
         * A predownload in Run ended (Figure 8).
         *
         * @param version the version downloaded, kept as the backup when complete
         * @param outcome how it ended
         */
        default void onPredownload(ImageVersion version, ApImageOutcome outcome) {
        }
    }

    private static final Listener NO_LISTENER = new Listener() { };

    /**
     * The security of the AP's control channel (RFC 5415, 2.4): DTLS, or {@link #NONE} in the
     * plain-UDP lab mode. The machine starts it in DTLS Setup and ends it in DTLS Teardown.
     */
    public interface Security {
        /** The plain lab mode: DTLS Setup passes straight through. */
        Security NONE = new Security() {
            @Override
            public void setup(Consumer<String> established, Consumer<String> ended) {
                established.accept("none (plain UDP lab mode)");
            }

            @Override
            public void teardown() {
            }
        };

        /**
         * Starts the handshake with the controller. The callbacks run on the machine's thread.
         *
         * @param established called with the negotiated suite
         * @param ended called with the reason when the handshake fails or, later, the session ends
         */
        void setup(Consumer<String> established, Consumer<String> ended);

        /** Ends the session (close_notify). */
        void teardown();
    }

    private final WtpSettings settings;
    private final StagingArea staging;
    private final CapwapImageStateMachine.Port port;
    private final NanoClock clock;
    private final Listener listener;
    private final Security security;
    /** Counts DTLS setups: a callback of an older session is ignored. */
    private int securityGeneration;
    private final String tag;
    private final byte[] sessionId = new byte[16];
    /** Reused for every datagram: Image Data blocks pass here, and the block path allocates nothing. */
    private final CapwapHeader header = new CapwapHeader();
    private final dev.apimage.capwap.wire.Fragments<String> fragments =
            new dev.apimage.capwap.wire.Fragments<>(dev.apimage.capwap.wire.Fragments.Limits.defaults());

    private State state = State.IDLE;
    private int discoveries;
    private NanoClock.Timer stateTimer;
    private NanoClock.Timer echoTimer;
    private NanoClock.Timer statisticsTimer;

    // Our one request in flight (RFC 5415, 4.5.3: one at a time, repeated byte-identical).
    private int ownSequence;
    private ControlMessage outstanding;
    private Consumer<ControlMessage> onAnswer;
    private NanoClock.Timer retransmitTimer;
    private int retransmits;
    private long retransmitNanos;
    private final List<ControlMessage> waiting = new ArrayList<>();

    // The last response we sent the controller, for its repeated requests.
    private int cachedSequence = -1;
    private long cachedType = -1;
    private ControlMessage cachedResponse;

    private ImageVersion target;
    private CapwapImageStateMachine download;
    private ImageVersion predownloaded;

    /**
     * A WTP in IDLE.
     *
     * @param settings the AP and its timers
     * @param staging where it stores images
     * @param port where datagrams go (the controller's address is the port's)
     * @param clock the clock and timers
     * @param listener resets, predownloads and transitions, or null
     */
    public CapwapWtpStateMachine(WtpSettings settings, StagingArea staging, CapwapImageStateMachine.Port port, NanoClock clock,
            Listener listener) {
        this(settings, staging, port, clock, listener, Security.NONE);
    }

    /**
     * A WTP in IDLE whose control channel runs over DTLS.
     *
     * @param settings the AP and its timers
     * @param staging where it stores images
     * @param port where datagrams go (the controller's address is the port's)
     * @param clock the clock and timers
     * @param listener resets, predownloads and transitions, or null
     * @param security the channel's security ({@link Security#NONE} for the plain lab mode)
     */
    public CapwapWtpStateMachine(WtpSettings settings, StagingArea staging, CapwapImageStateMachine.Port port, NanoClock clock,
            Listener listener, Security security) {
        this.security = Objects.requireNonNull(security, "security");
        this.settings = Objects.requireNonNull(settings, "settings");
        this.staging = Objects.requireNonNull(staging, "staging");
        this.port = Objects.requireNonNull(port, "port");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.listener = listener == null ? NO_LISTENER : listener;
        this.tag = "[" + settings.name() + "] ";
        new SecureRandom().nextBytes(sessionId);
    }

    /**
     * The state.
     *
     * @return the state
     */
    public State state() {
        return state;
    }

    /** Starts: Discovery. */
    public void start() {
        if (state != State.IDLE) {
            throw new IllegalStateException("already started: " + state);
        }
        discover();
    }

    // --- states ---

    private void discover() {
        enter(State.DISCOVERY);
        LOG.info("{}CAPWAP State: Discovery", tag);
        discoveries = 0;
        sendDiscovery();
    }

    private void sendDiscovery() {
        if (discoveries == settings.maxDiscoveries()) {
            enter(State.SULKING);
            LOG.info("{}no Discovery Response after {} requests: sulking for {} s", tag, discoveries, settings.silentInterval().toSeconds());
            stateTimer = clock.schedule(this::discover, settings.silentInterval().toNanos());
            return;
        }
        discoveries++;
        send(ControlMessage.of(ControlMessage.DISCOVERY_REQUEST, nextSequence(), new MessageElement.DiscoveryType(MessageElement.DiscoveryType.STATIC),
                board(), descriptor(), new MessageElement.WtpFrameTunnelMode(0x04), new MessageElement.WtpMacType(1),
                new MessageElement.WtpRadioInformation(1, 0x0D)));
        stateTimer = clock.schedule(this::sendDiscovery, settings.discoveryInterval().toNanos());
    }

    private void joinAt(Optional<MessageElement.ControlIpv4Address> where) {
        cancel(stateTimer);
        where.ifPresent(a -> LOG.info("{}Discovery Response: join {}", tag, a.address().getHostAddress()));
        enter(State.DTLS_SETUP);
        int generation = ++securityGeneration;
        // WaitDTLS (RFC 5415, 4.7.17) bounds the handshake; the DTLS layer's own timeout usually ends it first.
        stateTimer = clock.schedule(() -> restart("DTLS Setup not finished within " + settings.waitJoin().toSeconds() + " s"),
                settings.waitJoin().toNanos());
        security.setup(suite -> {
            if (generation == securityGeneration && state == State.DTLS_SETUP) {
                cancel(stateTimer);
                if (security != Security.NONE) {
                    LOG.info("{}DTLS session established: {}", tag, suite);
                }
                join();
            }
        }, why -> {
            if (generation == securityGeneration) {
                onSecurityEnded(why);
            }
        });
    }

    /** The DTLS handshake failed, or the session ended: the field's teardown lines. */
    private void onSecurityEnded(String why) {
        if (state == State.IDLE || state == State.DISCOVERY || state == State.SULKING || state == State.DTLS_TEARDOWN
                || state == State.RESET) {
            return;
        }
        LOG.warn("{}{}", tag, LogText.printable(why, 200));
        boolean downloading = download != null;
        securityGeneration++; // the session is gone: no close_notify to send
        teardown(downloading ? "Aborting image download(0x0): Dtls cleanup, " + settings.imageType() : null, false);
    }

    private void join() {
        enter(State.JOIN);
        LOG.info("{}CAPWAP State: Join", tag);
        stateTimer = clock.schedule(() -> restart("no Join Response within " + settings.waitJoin().toSeconds() + " s"),
                settings.waitJoin().toNanos());
        request(ControlMessage.of(ControlMessage.JOIN_REQUEST, 0, new MessageElement.LocationData("default location"), board(), descriptor(),
                new MessageElement.WtpName(settings.name()), new MessageElement.SessionId(dev.apimage.capwap.wire.Octets.of(sessionId)),
                new MessageElement.WtpFrameTunnelMode(0x04), new MessageElement.WtpMacType(1), new MessageElement.WtpRadioInformation(1, 0x0D),
                new MessageElement.EcnSupport(0), new MessageElement.MaximumMessageLength(1485), MessageElement.WtpRebootStatistics.none()),
                this::onJoinResponse);
    }

    private void onJoinResponse(ControlMessage r) {
        cancel(stateTimer);
        ResultCode result = r.resultCode().orElse(ResultCode.SUCCESS);
        if (!result.isSuccess()) {
            LOG.warn("{}Join refused by the controller: {}", tag, result);
            enter(State.SULKING);
            stateTimer = clock.schedule(this::discover, settings.silentInterval().toNanos());
            return;
        }
        Optional<ImageVersion> named = r.find(MessageElement.ImageIdentifier.class).flatMap(i -> version(i.name()));
        if (named.isEmpty() && r.find(MessageElement.ImageIdentifier.class).isEmpty()) {
            LOG.debug("{}Join Response without Image Identifier: the configured controller version applies", tag);
        }
        target = named.or(settings::controllerVersion).orElse(null);
        if (target != null && !target.equals(settings.primaryVersion()) && !settings.backupVersion().map(target::equals).orElse(false)) {
            enter(State.IMAGE_DATA);
            startDownload(false); // Figure 6; the download logs the versions and "Version does not match."
            return;
        }
        LOG.info("{}AP image version {} backup {}, Controller {}", tag, settings.primaryVersion(),
                settings.backupVersion().map(Object::toString).orElse("none"), target == null ? "unknown" : target);
        if (target == null || target.equals(settings.primaryVersion())) {
            configure();
        } else {
            LOG.info("{}Version does not match. The controller's image is the backup: resetting into it", tag);
            reset(target, Optional.of(settings.primaryVersion()), Optional.empty()); // Figure 7
        }
    }

    private void configure() {
        enter(State.CONFIGURE);
        request(ControlMessage.of(ControlMessage.CONFIGURATION_STATUS_REQUEST, 0, new MessageElement.AcName("apimage"),
                new MessageElement.RadioAdministrativeState(1, 1), new MessageElement.StatisticsTimer((int) settings.statisticsTimer().toSeconds()),
                MessageElement.WtpRebootStatistics.none()), r -> {
                    enter(State.DATA_CHECK);
                    request(ControlMessage.of(ControlMessage.CHANGE_STATE_EVENT_REQUEST, 0, new MessageElement.RadioOperationalState(1, 1, 0),
                            new MessageElement.Result(ResultCode.SUCCESS)), r2 -> run());
                });
    }

    private void run() {
        enter(State.RUN);
        LOG.info("{}CAPWAP State: Run", tag);
        listener.onRun(settings.primaryVersion(), settings.backupVersion(), Optional.ofNullable(target));
        echoTimer = clock.schedule(this::onEchoTimer, settings.echoInterval().toNanos());
        statisticsTimer = clock.schedule(this::onStatisticsTimer, settings.statisticsTimer().toNanos());
    }

    private void onEchoTimer() {
        echoTimer = null;
        if (state != State.RUN) {
            return;
        }
        request(ControlMessage.of(ControlMessage.ECHO_REQUEST, 0), r -> { });
        echoTimer = clock.schedule(this::onEchoTimer, settings.echoInterval().toNanos());
    }

    /** The StatisticsTimer: a WTP Event Request in Run; in Image Data the field's AP discards it. */
    private void onStatisticsTimer() {
        statisticsTimer = null;
        if (state == State.IMAGE_DATA) {
            LOG.info("{}Discarding msg {} in CAPWAP state: Image Data", tag, ControlMessage.logName(ControlMessage.WTP_EVENT_REQUEST));
        } else if (state == State.RUN) {
            request(ControlMessage.of(ControlMessage.WTP_EVENT_REQUEST, 0, MessageElement.WtpRebootStatistics.none()), r -> { });
        } else {
            return;
        }
        statisticsTimer = clock.schedule(this::onStatisticsTimer, settings.statisticsTimer().toNanos());
    }

    private void startDownload(boolean predownload) {
        ApImageSettings s = ApImageSettings.of(settings.name(), settings.imageType(), settings.primaryVersion())
                .withControllerVersion(target)
                .withTimers(settings.retransmitInterval(), settings.maxRetransmit(), settings.imageDataStartTimer(),
                        predownload ? java.time.Duration.ofDays(1) : settings.echoInterval()); // in Run our own Echo keeps the session
        if (settings.backupVersion().isPresent()) {
            s = s.withBackupVersion(settings.backupVersion().get());
        }
        download = new CapwapImageStateMachine(s, staging, port, clock, null);
        if (!predownload) {
            statisticsTimer = clock.schedule(this::onStatisticsTimer, settings.statisticsTimer().toNanos());
        }
        CapwapImageStateMachine d = download;
        d.outcome().whenComplete((o, e) -> downloadEnded(d, o, predownload));
        d.start();
    }

    private void downloadEnded(CapwapImageStateMachine d, ApImageOutcome o, boolean predownload) {
        if (d != download) {
            return;
        }
        if (predownload) {
            if (o.state() == CapwapImageStateMachine.State.COMPLETE) {
                predownloaded = target;
                LOG.info("{}predownload of {} complete: kept as the backup image", tag, target);
            }
            listener.onPredownload(target, o);
            if (predownloaded != null && state == State.RUN) {
                listener.onRun(settings.primaryVersion(), Optional.of(predownloaded), Optional.ofNullable(target));
            }
            return;
        }
        if (state != State.IMAGE_DATA) {
            return;
        }
        listener.onDownload(o);
        if (o.state() == CapwapImageStateMachine.State.COMPLETE) {
            reset(target, Optional.of(settings.primaryVersion()), o.image()); // Figure 6: reset into the new image
        } else {
            LOG.info("{}Going to restart CAPWAP (reason : image download cannot start)...", tag);
            teardown("Aborting image download(0x0): Dtls cleanup, " + settings.imageType());
        }
    }

    private void reset(ImageVersion running, Optional<ImageVersion> backup, Optional<CommittedImage> committed) {
        stopTimers();
        securityGeneration++;
        security.teardown(); // the AP reboots: its DTLS session ends with it
        enter(State.RESET);
        LOG.info("{}CAPWAP State: Reset (into {})", tag, running);
        listener.onReset(running, backup, committed);
    }

    private void teardown(String why) {
        teardown(why, true);
    }

    private void teardown(String why, boolean closeSession) {
        stopTimers();
        if (closeSession) {
            securityGeneration++;
            security.teardown();
        }
        enter(State.DTLS_TEARDOWN);
        LOG.info("{}CAPWAP State: DTLS Teardown", tag);
        if (why != null) {
            LOG.info("{}{}", tag, why);
        }
        if (download != null) {
            download.abort("CAPWAP session torn down");
            download = null;
        }
        LOG.info("{}Restarting CAPWAP State Machine.", tag);
        stateTimer = clock.schedule(this::discover, settings.retransmitInterval().toNanos()); // DTLSSessionDelete, shortened in the plain mode
    }

    private void restart(String why) {
        LOG.warn("{}{}", tag, why);
        teardown(null);
    }

    // --- input ---

    /**
     * A datagram from the controller. Never throws: a malformed datagram is logged and dropped;
     * the caller keeps the buffer.
     *
     * @param datagram the datagram's readable bytes
     */
    public void onDatagram(ByteBuf datagram) {
        int at = datagram.readerIndex();
        int limit = datagram.writerIndex();
        long type;
        try {
            CapwapHeader h = header.wrap(datagram, at).validate(limit);
            if (h.fragment()) {
                // RFC 5415, 3.4: a control message in fragments; bounded reassembly, then as one.
                ByteBuf whole = fragments.offer("controller", datagram, clock.nanoTime(), io.netty.buffer.ByteBufAllocator.DEFAULT);
                if (whole != null) {
                    try {
                        onDatagram(whole);
                    } finally {
                        whole.release();
                    }
                }
                return;
            }
            type = limit - at - h.headerLength() >= 4 ? datagram.getUnsignedInt(at + h.headerLength()) : -1;
        } catch (CapwapDecodeException e) {
            LOG.debug("{}dropped a malformed datagram: {}", tag, e.getMessage());
            return;
        }
        if (type == CapwapMessage.IMAGE_DATA_REQUEST || type == CapwapMessage.IMAGE_DATA_RESPONSE) {
            if (download != null) {
                download.onDatagram(datagram);
            }
            return;
        }
        ControlMessage m;
        try {
            m = ControlMessage.read(datagram, at, limit);
        } catch (CapwapDecodeException e) {
            LOG.debug("{}dropped a malformed control message: {}", tag, e.getMessage());
            return;
        }
        if (m.isRequest()) {
            onRequest(m);
        } else {
            onResponse(m);
        }
    }

    private void onResponse(ControlMessage m) {
        if (m.type() == ControlMessage.DISCOVERY_RESPONSE) {
            if (state == State.DISCOVERY) {
                // Answer at once: some controllers expect the Join within a second of their answer.
                joinAt(m.find(MessageElement.ControlIpv4Address.class));
            }
            return;
        }
        ControlMessage o = outstanding;
        if (o == null || m.sequence() != o.sequence() || m.type() != o.type() + 1) {
            return; // late or stray
        }
        outstanding = null;
        cancel(retransmitTimer);
        Consumer<ControlMessage> then = onAnswer;
        onAnswer = null;
        then.accept(m);
        sendWaiting();
    }

    private void onRequest(ControlMessage m) {
        if (cachedResponse != null && m.sequence() == cachedSequence && m.type() == cachedType) {
            send(cachedResponse); // the controller repeated: the same answer, nothing redone
            return;
        }
        long type = m.type();
        if (type == ControlMessage.ECHO_REQUEST) {
            respond(m, ControlMessage.of(ControlMessage.ECHO_RESPONSE, m.sequence()));
        } else if (type == ControlMessage.CONFIGURATION_UPDATE_REQUEST && state == State.RUN) {
            onConfigurationUpdate(m);
        } else if (type == ControlMessage.RESET_REQUEST && (state == State.RUN || state == State.CONFIGURE || state == State.DATA_CHECK)) {
            onResetRequest(m);
        } else if (type >= ControlMessage.DISCOVERY_REQUEST && type <= ControlMessage.RESET_RESPONSE) {
            if (state == State.IMAGE_DATA) {
                LOG.info("{}Discarding msg {} in CAPWAP state: Image Data", tag, ControlMessage.logName(type));
            }
            respond(m, ControlMessage.of(type + 1, m.sequence(), new MessageElement.Result(ResultCode.MESSAGE_UNEXPECTED_INVALID_STATE)));
        } else {
            respond(m, ControlMessage.of(type + 1, m.sequence(), new MessageElement.Result(ResultCode.MESSAGE_UNEXPECTED_UNRECOGNIZED_REQUEST)));
        }
    }

    /** Figures 8 and 9: a predownload ordered in Run. */
    private void onConfigurationUpdate(ControlMessage m) {
        Optional<MessageElement.ImageIdentifier> id = m.find(MessageElement.ImageIdentifier.class);
        if (id.isEmpty()) {
            respond(m, ControlMessage.of(ControlMessage.CONFIGURATION_UPDATE_RESPONSE, m.sequence(), new MessageElement.Result(ResultCode.SUCCESS)));
            return;
        }
        Optional<ImageVersion> v = version(id.get().name());
        if (v.isEmpty()) {
            respond(m, ControlMessage.of(ControlMessage.CONFIGURATION_UPDATE_RESPONSE, m.sequence(),
                    new MessageElement.Result(ResultCode.IMAGE_DATA_OTHER_ERROR)));
            return;
        }
        boolean present = v.get().equals(settings.primaryVersion()) || settings.backupVersion().map(v.get()::equals).orElse(false)
                || v.get().equals(predownloaded);
        if (present) {
            LOG.info("{}Configuration Update for {}: image already present", tag, v.get());
            respond(m, ControlMessage.of(ControlMessage.CONFIGURATION_UPDATE_RESPONSE, m.sequence(),
                    new MessageElement.Result(ResultCode.IMAGE_DATA_ALREADY_PRESENT)));
            return;
        }
        respond(m, ControlMessage.of(ControlMessage.CONFIGURATION_UPDATE_RESPONSE, m.sequence(), new MessageElement.Result(ResultCode.SUCCESS)));
        target = v.get();
        LOG.info("{}Configuration Update: predownload of {}", tag, target);
        startDownload(true);
    }

    private void onResetRequest(ControlMessage m) {
        Optional<ImageVersion> v = m.find(MessageElement.ImageIdentifier.class).flatMap(i -> version(i.name()));
        ImageVersion into = v.orElse(settings.primaryVersion());
        boolean holds = into.equals(settings.primaryVersion()) || settings.backupVersion().map(into::equals).orElse(false)
                || into.equals(predownloaded);
        respond(m, ControlMessage.of(ControlMessage.RESET_RESPONSE, m.sequence(),
                new MessageElement.Result(holds ? ResultCode.SUCCESS : ResultCode.RESET_FAILURE_UNABLE_TO_RESET)));
        LOG.info("{}Reset Request for {}: {}", tag, into, holds ? "accepted" : "refused, image not stored");
        if (!holds) {
            return;
        }
        Optional<CommittedImage> stored = into.equals(predownloaded) && download != null ? download.outcome().getNow(null).image() : Optional.empty();
        ImageVersion old = settings.primaryVersion();
        reset(into, into.equals(old) ? settings.backupVersion() : Optional.of(old), stored);
    }

    // --- sending ---

    private void request(ControlMessage template, Consumer<ControlMessage> then) {
        ControlMessage m = new ControlMessage(template.type(), 0, template.elements());
        if (outstanding != null) {
            waiting.add(m);
            pendingAnswers.add(then);
            return;
        }
        fire(m, then);
    }

    private final List<Consumer<ControlMessage>> pendingAnswers = new ArrayList<>();

    private void sendWaiting() {
        if (outstanding == null && !waiting.isEmpty()) {
            fire(waiting.remove(0), pendingAnswers.remove(0));
        }
    }

    private void fire(ControlMessage template, Consumer<ControlMessage> then) {
        outstanding = new ControlMessage(template.type(), nextSequence(), template.elements());
        onAnswer = then;
        retransmits = 0;
        retransmitNanos = settings.retransmitInterval().toNanos();
        send(outstanding);
        retransmitTimer = clock.schedule(this::onRetransmitTimer, retransmitNanos);
    }

    private void onRetransmitTimer() {
        retransmitTimer = null;
        if (outstanding == null) {
            return;
        }
        if (retransmits == settings.maxRetransmit()) {
            String what = outstanding.typeName();
            outstanding = null;
            restart("no answer to " + what + " after " + (retransmits + 1) + " sends");
            return;
        }
        retransmits++;
        retransmitNanos *= 2;
        send(outstanding);
        retransmitTimer = clock.schedule(this::onRetransmitTimer, retransmitNanos);
    }

    private void respond(ControlMessage request, ControlMessage response) {
        cachedSequence = request.sequence();
        cachedType = request.type();
        cachedResponse = response;
        send(response);
    }

    private void send(ControlMessage m) {
        ByteBuf b = port.buffer();
        m.writeTo(b);
        port.send(b);
    }

    private int nextSequence() {
        int s = ownSequence;
        ownSequence = (ownSequence + 1) & 0xFF;
        return s;
    }

    private MessageElement.WtpBoardData board() {
        return MessageElement.WtpBoardData.of(settings.vendor(), settings.model(), settings.serial(), settings.baseMac());
    }

    private MessageElement.WtpDescriptor descriptor() {
        return MessageElement.WtpDescriptor.of(settings.vendor(), 1, "1.0", settings.primaryVersion(), settings.primaryVersion(),
                settings.backupVersion());
    }

    private static Optional<ImageVersion> version(String text) {
        try {
            return Optional.of(ImageVersion.parse(text));
        } catch (IllegalArgumentException e) {
            LOG.debug("Image Identifier [{}] is no version", LogText.printable(text, 64));
            return Optional.empty();
        }
    }

    private void stopTimers() {
        cancel(stateTimer);
        cancel(echoTimer);
        cancel(statisticsTimer);
        cancel(retransmitTimer);
        stateTimer = echoTimer = statisticsTimer = retransmitTimer = null;
        outstanding = null;
        onAnswer = null;
        waiting.clear();
        pendingAnswers.clear();
    }

    private void enter(State next) {
        State from = state;
        state = next;
        listener.onState(from, next);
    }

    private static void cancel(NanoClock.Timer t) {
        if (t != null) {
            t.cancel();
        }
    }

    @Override
    public String toString() {
        return "CapwapWtpStateMachine[" + settings.name() + " " + state + "]";
    }
}

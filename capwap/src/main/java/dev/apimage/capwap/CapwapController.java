package dev.apimage.capwap;

import dev.apimage.capwap.internal.ControlSession;
import dev.apimage.capwap.internal.dtls.DtlsServerLayer;
import dev.apimage.capwap.wire.CapwapDecodeException;
import dev.apimage.capwap.wire.ControlMessage;
import dev.apimage.capwap.wire.Fragments;
import dev.apimage.capwap.wire.MessageElement;
import dev.apimage.capwap.wire.ResultCode;
import dev.apimage.image.ApModelCatalog;
import dev.apimage.image.ImageType;
import dev.apimage.image.ImageVersion;
import dev.apimage.internal.Hosts;
import dev.apimage.internal.LogText;
import dev.apimage.time.NanoClock;
import dev.apimage.upgrade.ApImageRow;
import dev.apimage.upgrade.PredownloadStatus;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A CAPWAP controller (AC) on one UDP socket: it answers Discovery statelessly, admits Joins by its
 * {@link JoinPolicy}, learns each AP from its Join Request (name, model, serial, MAC, versions) into
 * a registry, runs each AP's control session (Configure, Data Check, Run, Echo; RFC 5415, 2.3),
 * tells joining APs in the Join Response which image to run, streams images only to joined APs and
 * only of their own image type, and orders predownloads (Configuration Update Request with the
 * Image Identifier, RFC 5415 9.1 Figure 8) and resets (activation).
 *
 * <p>The control channel runs over DTLS ({@link Builder#dtls}); the plain-UDP lab mode must be
 * asked for ({@link Builder#plainUdpLab()}).
 */
public final class CapwapController implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(CapwapController.class);

    /** What the controller reports; called on its event loop. */
    public interface Listener {
        /**
         * An AP joined.
         *
         * @param ap the AP as it reported itself
         */
        default void onJoined(RegisteredAp ap) {
        }

        /**
         * An AP's session ended (it reset, stopped answering, or was refused).
         *
         * @param ap the AP as last known
         * @param why the reason
         */
        default void onRemoved(RegisteredAp ap, String why) {
        }

        /**
         * An AP answered an order (a predownload's Configuration Update, a Reset).
         *
         * @param ap the AP
         * @param requestType the order's message type
         * @param result its Result Code
         */
        default void onAnswer(RegisteredAp ap, long requestType, ResultCode result) {
        }

        /**
         * An AP in Run acknowledged the last block of a predownload: it holds the image as its backup.
         *
         * @param ap the AP, its backup now the controller's image
         */
        default void onPredownloaded(RegisteredAp ap) {
        }

        /**
         * A DTLS handshake failed (a wrong key, a refused certificate, a timeout); the source holds
         * no state.
         *
         * @param peer where it came from
         * @param why the reason, escaped
         */
        default void onSecurityFailure(InetSocketAddress peer, String why) {
        }
    }

    private final CapwapImageStreamer streamer;
    private final Plane plane;

    private CapwapController(Builder b) throws IOException {
        this.plane = new Plane(b);
        CapwapImageStreamer.Builder s = CapwapImageStreamer.builder().address(b.address).images(b.images).controlPlane(plane);
        if (b.clock != null) {
            s.clock(b.clock);
        }
        s = b.streamerSettings == null ? s : b.streamerSettings.apply(s);
        if (b.dtls != null) {
            plane.dtls = new DtlsServerLayer(b.dtls, plane.dtlsListener());
            s.security(plane.dtls, DtlsServerLayer.HEADROOM, DtlsServerLayer.TAILROOM);
        }
        this.streamer = s.start();
        LOG.info("CAPWAP controller {} listening on {} ({}), at most {} APs", b.acName, Hosts.text(streamer.localAddress()),
                b.dtls == null ? "plain UDP lab mode, no DTLS" : "DTLS, " + b.dtls.mode(), b.policy.maxWtps());
    }

    /**
     * The DTLS layer's counters: sessions, handshakes, cookies sent, and datagrams dropped for a
     * wrong preamble or for coming in the clear.
     *
     * @return a snapshot, empty in the plain lab mode
     */
    public Optional<DtlsStats> dtlsStats() {
        return plane.dtls == null ? Optional.empty() : Optional.of(plane.onLoop(plane.dtls::stats));
    }

    /**
     * Starts configuring a controller.
     *
     * @return a builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Where the controller listens.
     *
     * @return the bound address
     */
    public InetSocketAddress localAddress() {
        return streamer.localAddress();
    }

    /**
     * The joined APs.
     *
     * @return a snapshot, in the order they joined
     */
    public List<RegisteredAp> registry() {
        return plane.onLoop(plane::snapshot);
    }

    /**
     * {@code show ap image} as the APs report it: one row per joined AP with the primary and
     * backup versions from its Join Request (and, after a predownload it completed, the image as
     * its backup), and where its download from this controller stands (Method {@code Controller}:
     * every image reaches the AP from this controller over CAPWAP; an AP of a model the catalog
     * does not know is Not Supported). An AP that reset into a new image shows the versions it
     * reported when it joined again. Render with
     * {@link dev.apimage.upgrade.ShowApImage#render(List, java.time.ZoneId)}.
     *
     * @return the rows, in the order the APs joined
     */
    public List<ApImageRow> apImages() {
        Map<InetSocketAddress, ApStreamStatus> streams = new HashMap<>();
        for (ApStreamStatus st : streamer.status()) {
            streams.put(st.ap(), st);
        }
        return plane.onLoop(() -> plane.rows(streams));
    }

    /**
     * The image streams, as {@link CapwapImageStreamer#status()}.
     *
     * @return a snapshot
     */
    public List<ApStreamStatus> streams() {
        return streamer.status();
    }

    /**
     * Control datagrams dropped because they did not decode (or a fragment set broke a bound).
     *
     * @return how many
     */
    public long malformedControlDatagrams() {
        return plane.onLoop(() -> plane.malformed);
    }

    /**
     * Discovery Requests left unanswered because they came faster than the budget.
     *
     * @return how many
     */
    public long discoveriesUnanswered() {
        return plane.onLoop(() -> plane.discoveriesUnanswered);
    }

    /**
     * The socket's counters.
     *
     * @return a snapshot
     */
    public CapwapImageStreamer.Stats stats() {
        return streamer.stats();
    }

    /**
     * Orders a predownload of the controller's image to every joined AP that matches and does not
     * hold it (RFC 5415, 9.1, Figure 8): a Configuration Update Request with the Image Identifier;
     * the AP downloads while it runs and keeps the image as its backup.
     *
     * @param which the APs
     * @return how many were ordered
     */
    public int predownload(Predicate<RegisteredAp> which) {
        return plane.onLoop(() -> plane.order(which, false));
    }

    /**
     * Orders matching APs to reset into the controller's image (activation): a Reset Request.
     *
     * @param which the APs
     * @return how many were ordered
     */
    public int activate(Predicate<RegisteredAp> which) {
        return plane.onLoop(() -> plane.order(which, true));
    }

    /**
     * The controller as the upgrade's {@link dev.apimage.upgrade.PredownloadDriver}: each planned AP,
     * found in the registry by name, gets a Configuration Update Request with the controller's image
     * (Figure 8); its predownload completes when it has acknowledged the image's last block, and
     * fails when it leaves, refuses, or the stream fails. An AP that already holds the image
     * completes at once. The image the upgrade fetched is the one the controller's image source
     * streams (give both the same cache).
     *
     * @return the driver
     */
    public dev.apimage.upgrade.PredownloadDriver predownloadDriver() {
        return (planned, cached, progress) -> plane.onLoop(() -> plane.predownloadOne(planned.ap().name(), progress));
    }

    /** Stops the controller. */
    @Override
    public void close() {
        streamer.close();
    }

    /** The control plane on the streamer's socket. */
    private final class Plane implements ControlPlane {
        private final String acName;
        private final JoinPolicy policy;
        private final ApModelCatalog catalog;
        private final Optional<MessageElement.ImageIdentifier> image;
        private final ImageVersion acVersion;
        private final Clock wall;
        private final Listener listener;
        private final boolean imageAtJoin;
        private final Fragments<InetSocketAddress> fragments = new Fragments<>(Fragments.Limits.defaults());
        private final Map<InetSocketAddress, Entry> joined = new HashMap<>();
        /** Predownloads the upgrade waits for, by AP address. */
        private final Map<InetSocketAddress, java.util.concurrent.CompletableFuture<Void>> awaited = new HashMap<>();
        private Socket socket;
        /** The DTLS layer under the socket, null in the plain lab mode. */
        DtlsServerLayer dtls;
        private long malformed;
        /** Discovery Responses left in this second: answering is stateless, but a spoofed flood must not be amplified. */
        private final int discoveryBudget;
        private int discoveryLeft;
        private long discoveryWindow = Long.MIN_VALUE;
        private long discoveriesUnanswered;

        Plane(Builder b) {
            this.acName = b.acName;
            this.policy = b.policy;
            this.catalog = b.catalog;
            this.image = b.image;
            this.acVersion = b.acVersion;
            this.wall = b.wall;
            this.listener = b.listener;
            this.imageAtJoin = b.imageAtJoin;
            this.discoveryBudget = b.discoveriesPerSecond;
        }

        /** One joined AP: its session and what it said. */
        private final class Entry {
            final ControlSession session;
            final JoinRequestFacts facts;
            final Optional<ImageType> type;
            final Instant joinedAt;
            Instant lastHeard;
            ImageVersion backup;
            boolean hasBackup;
            /** Where its download from this controller stands, as the session saw it. */
            PredownloadStatus download = PredownloadStatus.NONE;
            String failure;

            Entry(ControlSession session, JoinRequestFacts facts, Instant at) {
                this.session = session;
                this.facts = facts;
                this.type = catalog.imageTypeOf(facts.model());
                this.joinedAt = at;
                this.lastHeard = at;
                this.hasBackup = facts.backupVersion().isPresent();
                this.backup = facts.backupVersion().orElse(null);
            }

            void ordered() {
                download = PredownloadStatus.PREDOWNLOADING;
                failure = null;
            }

            void failed(String why) {
                download = PredownloadStatus.FAILED;
                failure = why;
            }

            RegisteredAp view() {
                return new RegisteredAp(facts.name(), facts.model(), type, facts.serial(), facts.baseMac(), session.wtp(), facts.primaryVersion(),
                        Optional.ofNullable(backup), session.state(), joinedAt, lastHeard);
            }
        }

        @Override
        public void attach(Socket s) {
            this.socket = s;
            if (dtls != null) {
                dtls.start(s.clock());
            }
        }

        DtlsServerLayer.Listener dtlsListener() {
            return new DtlsServerLayer.Listener() {
                @Override
                public void onEstablished(InetSocketAddress peer, String suite, String identity) {
                    LOG.debug("DTLS with {}: {}, {}", Hosts.text(peer), suite, identity);
                }

                @Override
                public void onHandshakeFailed(InetSocketAddress peer, String why) {
                    listener.onSecurityFailure(peer, why);
                }

                @Override
                public void onClosed(InetSocketAddress peer, String why) {
                    Entry e = joined.get(peer);
                    if (e != null) {
                        e.session.close("DTLS session ended: " + why); // the AP rejoins through a new handshake
                    }
                }
            };
        }

        <T> T onLoop(java.util.concurrent.Callable<T> task) {
            java.util.concurrent.FutureTask<T> f = new java.util.concurrent.FutureTask<>(task);
            if (socket.inLoop()) {
                f.run();
            } else {
                socket.execute(f);
            }
            try {
                return f.get(30, java.util.concurrent.TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", e);
            } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
                throw new IllegalStateException("controller did not answer: " + e, e);
            }
        }

        List<RegisteredAp> snapshot() {
            List<RegisteredAp> all = new ArrayList<>();
            joined.values().stream().sorted((a, b) -> a.joinedAt.compareTo(b.joinedAt)).forEach(e -> all.add(e.view()));
            return all;
        }

        List<ApImageRow> rows(Map<InetSocketAddress, ApStreamStatus> streams) {
            List<ApImageRow> rows = new ArrayList<>();
            Optional<ImageVersion> target = targetVersion();
            joined.values().stream().sorted((a, b) -> a.joinedAt.compareTo(b.joinedAt)).forEach(e -> {
                ApStreamStatus st = streams.get(e.session.wtp());
                boolean involved = e.download != PredownloadStatus.NONE;
                // A model the catalog does not know has no image type: this controller has no image for it.
                PredownloadStatus status = e.type.isEmpty() ? PredownloadStatus.NOT_SUPPORTED : e.download;
                rows.add(new ApImageRow(e.facts.name(), e.facts.primaryVersion(), Optional.ofNullable(e.backup), status,
                        involved ? target : Optional.empty(), Optional.empty(), 0, involved ? Optional.of("Controller") : Optional.empty(),
                        e.type, "AP", e.download.settled() && e.download != PredownloadStatus.FAILED ? (involved ? 100 : 0)
                                : st == null ? 0 : st.percent(), Optional.empty(), Optional.ofNullable(e.failure)));
            });
            return rows;
        }

        int order(Predicate<RegisteredAp> which, boolean reset) {
            if (image.isEmpty()) {
                throw new IllegalStateException("the controller has no image to give (Builder.image)");
            }
            int n = 0;
            for (Entry e : joined.values()) {
                RegisteredAp ap = e.view();
                if (ap.state().isFinal() || !which.test(ap)) {
                    continue;
                }
                if (reset) {
                    e.session.reset(image.get());
                    n++;
                } else if (!targetVersion().map(v -> v.equals(e.backup) || v.equals(e.facts.primaryVersion())).orElse(false)) {
                    e.session.predownload(image.get());
                    e.ordered();
                    n++;
                }
            }
            return n;
        }

        java.util.concurrent.CompletableFuture<Void> predownloadOne(String name, dev.apimage.upgrade.PredownloadDriver.Listener progress) {
            Entry e = joined.values().stream().filter(x -> x.facts.name().equals(name) && !x.session.state().isFinal()).findFirst().orElse(null);
            if (e == null) {
                return java.util.concurrent.CompletableFuture.failedFuture(new IllegalStateException("AP " + LogText.printable(name, 64)
                        + " has not joined"));
            }
            Optional<ImageVersion> v = targetVersion();
            if (v.isPresent() && (v.get().equals(e.backup) || v.get().equals(e.facts.primaryVersion()))) {
                return java.util.concurrent.CompletableFuture.completedFuture(null);
            }
            java.util.concurrent.CompletableFuture<Void> f = new java.util.concurrent.CompletableFuture<>();
            java.util.concurrent.CompletableFuture<Void> old = awaited.put(e.session.wtp(), f);
            if (old != null) {
                old.cancel(false);
            }
            f.whenComplete((ok, error) -> {
                if (error == null) {
                    progress.onProgress(1, 1);
                }
            });
            e.session.predownload(image.orElseThrow(() -> new IllegalStateException("the controller has no image to give")));
            e.ordered();
            return f;
        }

        private void settle(InetSocketAddress ap, Throwable failure) {
            java.util.concurrent.CompletableFuture<Void> f = awaited.remove(ap);
            if (f != null) {
                if (failure == null) {
                    f.complete(null);
                } else {
                    f.completeExceptionally(failure);
                }
            }
        }

        private Optional<ImageVersion> targetVersion() {
            return image.flatMap(i -> {
                try {
                    return Optional.of(ImageVersion.parse(i.name()));
                } catch (IllegalArgumentException e) {
                    return Optional.empty();
                }
            });
        }

        @Override
        public void onDatagram(InetSocketAddress from, ByteBuf datagram, long now) {
            ControlMessage m;
            ByteBuf whole = null;
            try {
                whole = fragments.offer(from, datagram, now, ByteBufAllocator.DEFAULT);
                if (whole == null) {
                    return; // a fragment of a set still incomplete
                }
                m = ControlMessage.read(whole, whole.readerIndex(), whole.writerIndex());
            } catch (CapwapDecodeException e) {
                malformed++;
                LOG.debug("dropped a malformed control datagram from {}: {}", Hosts.text(from), e.getMessage());
                return;
            } finally {
                if (whole != null) {
                    whole.release();
                }
            }
            Entry e = joined.get(from);
            if (e != null) {
                e.lastHeard = wall.instant();
            }
            long type = m.type();
            if (type == ControlMessage.DISCOVERY_REQUEST) {
                if (discoveryWindow == Long.MIN_VALUE || now - discoveryWindow >= 1_000_000_000L) {
                    discoveryWindow = now;
                    discoveryLeft = discoveryBudget;
                }
                if (discoveryLeft > 0) {
                    discoveryLeft--;
                    discovery(from, m); // stateless: nothing is kept for a Discovery
                } else {
                    discoveriesUnanswered++; // past the budget: a spoofed flood gets nothing to amplify; a real AP asks again
                }
            } else if (type == ControlMessage.JOIN_REQUEST) {
                join(from, m, e);
            } else if (e == null) {
                LOG.debug("{} from {}, which has not joined: dropped", m.typeName(), Hosts.text(from)); // no state, no answer to amplify
            } else if (m.isRequest()) {
                e.session.onRequest(m);
            } else {
                e.session.onResponse(m);
            }
        }

        private List<MessageElement> radios(ControlMessage request) {
            List<MessageElement> radios = new ArrayList<>(request.all(MessageElement.WtpRadioInformation.class));
            if (radios.isEmpty()) {
                radios.add(new MessageElement.WtpRadioInformation(1, 0x0F)); // the AC supports 802.11a/b/g/n
            }
            return radios;
        }

        private Inet4Address controlAddress() {
            InetSocketAddress local = socket.localAddress();
            return local.getAddress() instanceof Inet4Address v4 ? v4 : ControlAddresses.loopback();
        }

        private MessageElement.AcDescriptor descriptor() {
            return MessageElement.AcDescriptor.of(joined.size(), policy.maxWtps(), "apimage", acVersion);
        }

        private void discovery(InetSocketAddress from, ControlMessage request) {
            List<MessageElement> elements = new ArrayList<>();
            elements.add(descriptor());
            elements.add(new MessageElement.AcName(acName));
            elements.addAll(radios(request));
            elements.add(new MessageElement.ControlIpv4Address(controlAddress(), joined.size()));
            socket.send(from, new ControlMessage(ControlMessage.DISCOVERY_RESPONSE, request.sequence(), elements));
        }

        private void join(InetSocketAddress from, ControlMessage request, Entry existing) {
            JoinRequestFacts.Reading reading = JoinRequestFacts.of(request);
            if (reading instanceof JoinRequestFacts.Refused refused) {
                LOG.info("Join Request from {} refused: {}", Hosts.text(from), refused.why());
                socket.send(from, ControlMessage.of(ControlMessage.JOIN_RESPONSE, request.sequence(), new MessageElement.Result(refused.result())));
                return;
            }
            JoinRequestFacts facts = ((JoinRequestFacts.Read) reading).facts();
            if (existing != null) {
                if (existing.facts.sessionId().equals(facts.sessionId())) {
                    existing.session.onJoinRequest(request, ResultCode.SUCCESS, List.of()); // a repeat: the cached answer
                    return;
                }
                existing.session.close("joined anew"); // the AP restarted its state machine
            }
            if (!request.find(MessageElement.EcnSupport.class).isPresent() || !request.find(MessageElement.LocalIpv4Address.class).isPresent()) {
                LOG.debug("Join Request from {} lacks ECN Support or CAPWAP Local IPv4 Address: accepted", Hosts.text(from));
            }
            boolean sessionIdInUse = joined.values().stream().anyMatch(x -> x.facts.sessionId().equals(facts.sessionId()));
            ResultCode verdict = policy.admit(facts, joined.size(), sessionIdInUse);
            if (!verdict.isSuccess()) {
                LOG.info("Join Request from {} ({}, serial {}) refused: {}", Hosts.text(from), LogText.printable(facts.name(), 64),
                        LogText.printable(facts.serial(), 64), verdict);
                socket.send(from, ControlMessage.of(ControlMessage.JOIN_RESPONSE, request.sequence(), new MessageElement.Result(verdict)));
                return;
            }
            Entry[] holder = new Entry[1];
            ControlSession session = new ControlSession(from, ControlSession.Settings.defaults(List.of(
                    new MessageElement.CapwapTimers(20, 30), new MessageElement.DecryptionErrorReportPeriod(1, 120),
                    new MessageElement.IdleTimeout(300), new MessageElement.WtpFallback(1),
                    new MessageElement.AcIpv4List(List.of(controlAddress())))), socket.clock(), new ControlSession.Port() {
                        @Override
                        public void send(ControlMessage message) {
                            socket.send(from, message);
                        }

                        @Override
                        public void onState(ControlSession s, CapwapSessionState previous, CapwapSessionState now, String why) {
                            Entry entry = holder[0];
                            if (entry != null && now.isFinal()) {
                                settle(from, new IllegalStateException("the AP left: " + why));
                            }
                            if (entry != null && now.isFinal() && joined.remove(from, entry)) {
                                LOG.info("AP {} ({}) left: {}", LogText.printable(entry.facts.name(), 64), Hosts.text(from), why);
                                listener.onRemoved(entry.view(), why);
                                if (dtls != null) {
                                    dtls.close(from, why); // its DTLS session ends with its control session
                                }
                            }
                        }

                        @Override
                        public void onAnswer(ControlSession s, long requestType, ResultCode result) {
                            Entry entry = holder[0];
                            if (entry != null) {
                                listener.onAnswer(entry.view(), requestType, result);
                                if (requestType == ControlMessage.CONFIGURATION_UPDATE_REQUEST) {
                                    if (result.equals(ResultCode.IMAGE_DATA_ALREADY_PRESENT)) {
                                        entry.download = PredownloadStatus.COMPLETE;
                                        settle(from, null); // Figure 9: it holds the image
                                    } else if (!result.isSuccess()) {
                                        entry.failed("the AP refused the predownload: " + result);
                                        settle(from, new IllegalStateException("the AP refused the predownload: " + result));
                                    }
                                }
                            }
                        }
                    });
            Entry entry = new Entry(session, facts, wall.instant());
            holder[0] = entry;
            joined.put(from, entry);
            List<MessageElement> response = new ArrayList<>();
            response.add(descriptor());
            response.add(new MessageElement.AcName(acName));
            response.addAll(radios(request));
            response.add(new MessageElement.EcnSupport(0));
            response.add(new MessageElement.ControlIpv4Address(controlAddress(), joined.size()));
            response.add(new MessageElement.LocalIpv4Address(controlAddress()));
            if (imageAtJoin) {
                image.ifPresent(response::add); // "Save": APs that join get the image at join
            }
            session.onJoinRequest(request, ResultCode.SUCCESS, response);
            LOG.info("AP {} joined from {}: model {}, serial {}, image type {}, AP image version {} backup {}",
                    LogText.printable(facts.name(), 64), Hosts.text(from), LogText.printable(facts.model(), 64),
                    LogText.printable(facts.serial(), 64), entry.type.map(ImageType::name).orElse("unknown"), facts.primaryVersion(),
                    facts.backupVersion().map(Object::toString).orElse("none"));
            listener.onJoined(entry.view());
        }

        @Override
        public boolean mayStream(InetSocketAddress from, ImageType type) {
            Entry e = joined.get(from);
            return e != null && !e.session.state().isFinal() && e.type.map(type::equals).orElse(false);
        }

        @Override
        public void onImageDataRequest(InetSocketAddress from) {
            Entry e = joined.get(from);
            if (e != null) {
                if (e.session.state() == CapwapSessionState.IMAGE_DATA && e.download == PredownloadStatus.NONE) {
                    e.download = PredownloadStatus.DOWNLOADING; // Figure 6: it downloads before it runs
                }
                e.session.onImageDataRequest();
            }
        }

        @Override
        public void onStreamEnded(InetSocketAddress from, boolean completed, Optional<String> failure) {
            Entry e = joined.get(from);
            if (e == null) {
                return;
            }
            if (completed) {
                e.download = e.download == PredownloadStatus.DOWNLOADING ? PredownloadStatus.COMPLETED_DOWNLOADING : PredownloadStatus.COMPLETE;
            } else {
                e.failed(failure.orElse("the image stream failed"));
            }
            if (completed && e.session.state() == CapwapSessionState.RUN) {
                targetVersion().ifPresent(v -> e.backup = v); // predownloaded: the AP keeps it as its backup
                listener.onPredownloaded(e.view());
                settle(from, null);
            } else if (!completed && e.session.state() == CapwapSessionState.RUN) {
                settle(from, new java.io.IOException("the AP's predownload failed: " + e.failure));
            }
            e.session.onImageDataEnded(completed);
        }

        @Override
        public void close() {
            for (Entry e : new ArrayList<>(joined.values())) {
                e.session.close("controller stopped");
            }
            if (dtls != null) {
                dtls.shutdown();
            }
        }
    }

    /** IPv4 helpers. */
    private static final class ControlAddresses {
        private ControlAddresses() {
        }

        static Inet4Address loopback() {
            try {
                return (Inet4Address) java.net.InetAddress.getByAddress(new byte[] {127, 0, 0, 1});
            } catch (java.net.UnknownHostException e) {
                throw new AssertionError(e);
            }
        }
    }

    /** Configures a {@link CapwapController}. */
    public static final class Builder {
        private InetSocketAddress address = new InetSocketAddress("127.0.0.1", CapwapImageStreamer.CONTROL_PORT);
        private ImageSource images;
        private String acName = "apimage";
        private JoinPolicy policy = JoinPolicy.open(1000);
        private ApModelCatalog catalog = ApModelCatalog.defaults();
        private Optional<MessageElement.ImageIdentifier> image = Optional.empty();
        private ImageVersion acVersion = ImageVersion.parse("0.1");
        private Clock wall = Clock.systemUTC();
        private NanoClock clock;
        private Listener listener = new Listener() { };
        private UnaryOperator<CapwapImageStreamer.Builder> streamerSettings;
        private boolean plain;
        private DtlsSettings dtls;
        private boolean imageAtJoin = true;
        private int discoveriesPerSecond = 500;

        private Builder() {
        }

        /**
         * Where to listen; default 127.0.0.1:5246.
         *
         * @param address the address, port 0 for any
         * @return this builder
         */
        public Builder address(InetSocketAddress address) {
            this.address = Objects.requireNonNull(address, "address");
            return this;
        }

        /**
         * Where images come from; required.
         *
         * @param images the source
         * @return this builder
         */
        public Builder images(ImageSource images) {
            this.images = Objects.requireNonNull(images, "images");
            return this;
        }

        /**
         * The AC Name (RFC 5415, 4.6.4); default {@code apimage}.
         *
         * @param name 1 to 512 bytes of UTF-8
         * @return this builder
         */
        public Builder acName(String name) {
            this.acName = new MessageElement.AcName(name).name();
            return this;
        }

        /**
         * Which APs join; default any, at most 1,000.
         *
         * @param policy the policy
         * @return this builder
         */
        public Builder joinPolicy(JoinPolicy policy) {
            this.policy = Objects.requireNonNull(policy, "policy");
            return this;
        }

        /**
         * Model number to image type; default {@link ApModelCatalog#defaults()}.
         *
         * @param catalog the catalog
         * @return this builder
         */
        public Builder catalog(ApModelCatalog catalog) {
            this.catalog = Objects.requireNonNull(catalog, "catalog");
            return this;
        }

        /**
         * The version this controller wants its APs to run, sent as the Join Response's Image
         * Identifier and used in predownloads and resets; and the controller's own version in its
         * AC Descriptor.
         *
         * @param vendor the Image Identifier's vendor (14179 for Cisco APs)
         * @param version the version
         * @return this builder
         */
        public Builder image(long vendor, ImageVersion version) {
            this.image = Optional.of(new MessageElement.ImageIdentifier(vendor, version.toString()));
            this.acVersion = version;
            return this;
        }

        /**
         * Whether the Join Response names the image (default): joining APs that lack it download it
         * before they run (RFC 5415, 9.1, Figure 6). Without, APs join and run on their own version
         * and get the image only when {@link CapwapController#predownload} orders it (Figure 8).
         *
         * @param atJoin true to name the image at join
         * @return this builder
         */
        public Builder imageAtJoin(boolean atJoin) {
            this.imageAtJoin = atJoin;
            return this;
        }

        /**
         * The most Discovery Responses per second; requests beyond get no answer (a Discovery
         * Response is larger than the smallest request: the bound keeps a spoofed flood from being
         * amplified). Default 500; the WTPs repeat their Discovery Requests.
         *
         * @param perSecond at least 1
         * @return this builder
         */
        public Builder discoveriesPerSecond(int perSecond) {
            if (perSecond < 1) {
                throw new IllegalArgumentException("discoveriesPerSecond must be at least 1: " + perSecond);
            }
            this.discoveriesPerSecond = perSecond;
            return this;
        }

        /**
         * The wall clock for the registry's times; default UTC.
         *
         * @param wall the clock
         * @return this builder
         */
        public Builder wallClock(Clock wall) {
            this.wall = Objects.requireNonNull(wall, "wall");
            return this;
        }

        /**
         * The clock the sessions' timers run on; default real time on the event loop.
         *
         * @param clock the clock
         * @return this builder
         */
        public Builder clock(NanoClock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /**
         * Receives joins, removals and answers.
         *
         * @param listener the listener
         * @return this builder
         */
        public Builder listener(Listener listener) {
            this.listener = Objects.requireNonNull(listener, "listener");
            return this;
        }

        /**
         * Settings of the image streaming (block size, caps, retransmission).
         *
         * @param settings applied to the streamer's builder
         * @return this builder
         */
        public Builder streaming(UnaryOperator<CapwapImageStreamer.Builder> settings) {
            this.streamerSettings = Objects.requireNonNull(settings, "settings");
            return this;
        }

        /**
         * Runs the control channel over DTLS (RFC 5415, 2.4): PSK or certificates. Discovery stays
         * in the clear; everything else from an AP without a session is dropped.
         *
         * @param settings {@link DtlsSettings#psk} or {@link DtlsSettings#certificates}
         * @return this builder
         */
        public Builder dtls(DtlsSettings settings) {
            this.dtls = Objects.requireNonNull(settings, "settings");
            this.plain = false;
            return this;
        }

        /**
         * Runs the control channel over plain UDP: the lab mode, without DTLS. It must be asked
         * for, so that nobody runs plain CAPWAP control by accident.
         *
         * @return this builder
         */
        public Builder plainUdpLab() {
            this.plain = true;
            this.dtls = null;
            return this;
        }

        /**
         * Binds the socket and starts.
         *
         * @return the controller
         * @throws IOException when the address cannot be bound, or the DTLS certificates cannot be read
         * @throws IllegalStateException when neither DTLS nor the plain-UDP lab mode was asked for
         */
        public CapwapController start() throws IOException {
            Objects.requireNonNull(images, "images");
            if (!plain && dtls == null) {
                throw new IllegalStateException("CAPWAP control runs over DTLS: give dtls(DtlsSettings.psk(...)) or"
                        + " dtls(DtlsSettings.certificates(...)), or ask for the plain-UDP lab mode explicitly (plainUdpLab())");
            }
            return new CapwapController(this);
        }
    }

    @Override
    public String toString() {
        return "CapwapController[" + Hosts.text(localAddress()) + "]";
    }

}

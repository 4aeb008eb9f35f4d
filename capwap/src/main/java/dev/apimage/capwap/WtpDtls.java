package dev.apimage.capwap;

import dev.apimage.capwap.internal.dtls.DtlsClientLayer;
import io.netty.channel.Channel;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.function.Consumer;

/**
 * DTLS for an AP's control channel (RFC 5415, 2.4): installed first in the AP's socket pipeline,
 * it is the {@link CapwapWtpStateMachine.Security} the state machine drives: the handshake in DTLS
 * Setup, close_notify in DTLS Teardown and at a reset. Discovery stays in the clear.
 */
public final class WtpDtls implements CapwapWtpStateMachine.Security {

    private final DtlsClientLayer layer;
    private final InetSocketAddress controller;
    private final Executor machine;
    private volatile String suite;

    private WtpDtls(DtlsClientLayer layer, InetSocketAddress controller, Executor machine) {
        this.layer = layer;
        this.controller = controller;
        this.machine = machine;
    }

    /**
     * Puts DTLS under an AP's socket.
     *
     * @param channel the AP's socket, not yet carrying traffic
     * @param settings the AP's DTLS settings ({@link DtlsSettings#pskIdentity} or {@link DtlsSettings#certificates})
     * @param controller the controller's control address
     * @param machine the state machine's thread: the callbacks run there
     * @return the security to give the state machine
     * @throws IOException when the certificate files cannot be read
     */
    public static WtpDtls install(Channel channel, DtlsSettings settings, InetSocketAddress controller, Executor machine) throws IOException {
        DtlsClientLayer layer = new DtlsClientLayer(Objects.requireNonNull(settings, "settings"));
        // Added on the channel's loop, so that the layer has its context before the first setup.
        channel.eventLoop().submit(() -> channel.pipeline().addFirst("capwap-dtls", layer)).syncUninterruptibly();
        return new WtpDtls(layer, Objects.requireNonNull(controller, "controller"), Objects.requireNonNull(machine, "machine"));
    }

    @Override
    public void setup(Consumer<String> established, Consumer<String> ended) {
        layer.connect(controller, new DtlsClientLayer.Callback() {
            @Override
            public void established(String negotiated) {
                suite = negotiated;
                machine.execute(() -> established.accept(negotiated));
            }

            @Override
            public void ended(String why) {
                suite = null;
                machine.execute(() -> ended.accept(why));
            }
        });
    }

    @Override
    public void teardown() {
        suite = null;
        layer.close();
    }

    /**
     * The suite of the session now up.
     *
     * @return the IANA name, empty without a session
     */
    public Optional<String> suite() {
        return Optional.ofNullable(suite);
    }
}

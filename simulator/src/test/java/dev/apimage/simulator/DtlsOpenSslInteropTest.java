package dev.apimage.simulator;

import static dev.apimage.simulator.DtlsInteropFixture.KEY;
import static dev.apimage.simulator.DtlsInteropFixture.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.apimage.capwap.CapwapController;
import dev.apimage.capwap.DtlsSettings;
import dev.apimage.capwap.DtlsStats;
import dev.apimage.capwap.PskKeys;
import dev.apimage.capwap.WtpDtls;
import dev.apimage.capwap.wire.CapwapMessage;
import dev.apimage.capwap.wire.CapwapMessageWriter;
import dev.apimage.testing.ProcessOutput;
import dev.apimage.transfer.Secret;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioDatagramChannel;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * DTLS against OpenSSL, a stack nobody here wrote: {@code openssl s_client -dtls1_2} against our
 * controller and {@code openssl s_server -dtls1_2} against our AP, in PSK and certificate mode,
 * through a relay that adds and strips the CAPWAP DTLS header. Each mandatory suite of RFC 5415
 * 2.4.4 completes; a wrong key, an expired certificate, a wrong extended key usage, an untrusted
 * issuer and a subject off the allow-list each fail with their reason and leave no session.
 */
class DtlsOpenSslInteropTest {

    private static final Path OPENSSL = Path.of("/usr/bin/openssl");

    @TempDir
    Path dir;

    @RegisterExtension
    final DtlsInteropFixture fixture = new DtlsInteropFixture(OPENSSL, "openssl");

    private ProcessOutput openssl(String name, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(OPENSSL.toString()));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        fixture.processes.add(p);
        return ProcessOutput.of(p, dir.resolve(name + ".log"));
    }

    private ProcessOutput client(DtlsRelay relay, String... args) throws Exception {
        List<String> all = new ArrayList<>(List.of("s_client", "-dtls1_2", "-brief", "-connect", "127.0.0.1:" + relay.plainAddress().getPort()));
        all.addAll(List.of(args));
        return openssl("s_client", all.toArray(String[]::new));
    }

    @ParameterizedTest
    @ValueSource(strings = {"PSK-AES128-CBC-SHA", "DHE-PSK-AES128-CBC-SHA", "ECDHE-PSK-AES128-CBC-SHA256", "DHE-PSK-AES128-GCM-SHA256", "PSK-AES128-GCM-SHA256"})
    void opensslClientCompletesAPskHandshakeWithOurController(String suite) throws Exception {
        CapwapController c = fixture.controller(DtlsSettings.psk(PskKeys.of(Map.of("ap-openssl", Secret.of(KEY)))).identityHint("EWC-9105"));
        DtlsRelay relay = DtlsRelay.toCapwap(c.localAddress());
        fixture.closeLater(relay);
        ProcessOutput out = client(relay, "-psk", KEY, "-psk_identity", "ap-openssl", "-cipher", suite);
        assertEquals("Ciphersuite: " + suite, out.await("Ciphersuite:", Duration.ofSeconds(20)).strip(), out.text());
        DtlsStats st = await(c, s -> s.established() == 1);
        assertEquals(1, st.established(), st.toString());
        assertTrue(st.cookiesSent() >= 1, "the first ClientHello got a HelloVerifyRequest, not a session: " + st);
        // A record from OpenSSL decrypts here: the text is no CAPWAP message, so it lands as a malformed control datagram.
        fixture.processes.get(0).getOutputStream().write("not a CAPWAP message\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        fixture.processes.get(0).getOutputStream().flush();
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (c.malformedControlDatagrams() == 0 && System.nanoTime() < end) {
            Thread.onSpinWait();
        }
        assertEquals(1, c.malformedControlDatagrams(), "OpenSSL's application data record decrypted");
        // Closing s_client sends close_notify: the controller frees the session.
        fixture.processes.get(0).getOutputStream().close();
        st = await(c, s -> s.sessions() == 0);
        assertEquals(0, st.sessions(), st.toString());
    }

    @Test
    void aSilentSessionEndsAfterTheIdleTimeoutOnTheControllersClock() throws Exception {
        fixture.requirePeer();
        dev.apimage.time.VirtualClock clock = new dev.apimage.time.VirtualClock();
        CapwapController c = CapwapController.builder().address(new InetSocketAddress("127.0.0.1", 0))
                .images(type -> CompletableFuture.failedFuture(new IllegalStateException("no images in this test")))
                .dtls(DtlsSettings.psk(PskKeys.shared(Secret.of(KEY))).limits(Duration.ofSeconds(3), 8, 4, Duration.ofMinutes(1)))
                .clock(clock).start();
        fixture.closeLater(c);
        DtlsRelay relay = DtlsRelay.toCapwap(c.localAddress());
        fixture.closeLater(relay);
        ProcessOutput out = client(relay, "-psk", KEY, "-psk_identity", "ap-silent", "-cipher", "PSK-AES128-GCM-SHA256");
        out.await("Ciphersuite:", Duration.ofSeconds(20));
        assertEquals(1, await(c, s -> s.established() == 1).established());
        c.registry(); // the controller's loop has handled the handshake's end before time moves
        clock.advance(Duration.ofSeconds(59));
        assertEquals(1, c.dtlsStats().orElseThrow().established(), "not yet idle for a minute");
        clock.advance(Duration.ofSeconds(2));
        assertEquals(0, c.dtlsStats().orElseThrow().sessions(), "idle for a minute: ended and freed");
        // The controller said close_notify: s_client ends.
        out.awaitEnd(Duration.ofSeconds(20));
    }

    @Test
    void aWrongKeyFailsAndLeavesNoSession() throws Exception {
        CapwapController c = fixture.controller(DtlsSettings.psk(PskKeys.shared(Secret.of(KEY))));
        DtlsRelay relay = DtlsRelay.toCapwap(c.localAddress());
        fixture.closeLater(relay);
        client(relay, "-psk", "ffeeddccbbaa99887766554433221100", "-psk_identity", "ap-openssl", "-cipher", "PSK-AES128-CBC-SHA");
        String why = fixture.failure();
        assertTrue(why.contains("wrong pre-shared key") || why.contains("decrypt") || why.contains("bad_record_mac"), why);
        DtlsStats st = await(c, s -> s.sessions() == 0);
        assertEquals(0, st.sessions(), st.toString());
        assertEquals(0, st.handshakesCompleted(), st.toString());
    }

    @Test
    void anUnknownIdentityFailsWithItsReason() throws Exception {
        CapwapController c = fixture.controller(DtlsSettings.psk(PskKeys.of(Map.of("ap-known", Secret.of(KEY)))));
        DtlsRelay relay = DtlsRelay.toCapwap(c.localAddress());
        fixture.closeLater(relay);
        client(relay, "-psk", KEY, "-psk_identity", "ap-\u001b[31mstranger", "-cipher", "PSK-AES128-CBC-SHA");
        String why = fixture.failure();
        assertTrue(why.contains("unknown PSK identity ap-"), why);
        assertTrue(!why.contains("\u001b"), "the peer's identity is escaped: " + why);
        assertEquals(0, await(c, s -> s.sessions() == 0).sessions());
    }

    @ParameterizedTest
    @ValueSource(strings = {"ECDHE-RSA-AES128-GCM-SHA256", "DHE-RSA-AES128-SHA", "AES128-SHA"})
    void opensslClientWithAnApCertificateCompletesWithOurController(String suite) throws Exception {
        LabPki pki = LabPki.create(dir.resolve("pki"), "lab CA");
        LabPki.Issued ac = pki.issue("ac", "EWC-9105", LabPki.Role.CONTROLLER);
        LabPki.Issued ap = pki.issue("ap", "6c:41:0e:16:e7:9c", LabPki.Role.AP);
        CapwapController c = fixture.controller(DtlsSettings.certificates(ac.certificate(), ac.privateKey(), pki.caCertificate())
                .allow(Set.of("6c:41:0e:16:e7:9c")));
        DtlsRelay relay = DtlsRelay.toCapwap(c.localAddress());
        fixture.closeLater(relay);
        ProcessOutput out = client(relay, "-cert", ap.certificate().toString(), "-key", ap.privateKey().toString(), "-CAfile",
                pki.caCertificate().toString(), "-cipher", suite);
        assertEquals("Ciphersuite: " + suite, out.await("Ciphersuite:", Duration.ofSeconds(20)).strip(), out.text());
        assertEquals(1, await(c, s -> s.established() == 1).established());
    }

    @Test
    void refusedCertificatesFailEachWithItsReason() throws Exception {
        LabPki pki = LabPki.create(dir.resolve("pki"), "lab CA");
        LabPki other = LabPki.create(dir.resolve("other"), "someone else's CA");
        LabPki.Issued ac = pki.issue("ac", "EWC-9105", LabPki.Role.CONTROLLER);
        Instant now = Instant.now();
        Map<String, LabPki.Issued> cases = new java.util.LinkedHashMap<>();
        cases.put("expired", pki.issue("expired", "6c:41:0e:16:e7:9c", LabPki.Role.AP, now.minus(Duration.ofDays(30)), now.minus(Duration.ofDays(1))));
        cases.put("lacks the extended key usage id-kp-capwapWTP", pki.issue("web", "6c:41:0e:16:e7:9c", LabPki.Role.WEB_SERVER));
        cases.put("untrusted certificate", other.issue("stranger", "6c:41:0e:16:e7:9c", LabPki.Role.AP));
        cases.put("is not on the allow-list", pki.issue("unlisted", "00:11:22:33:44:55", LabPki.Role.AP));
        CapwapController c = fixture.controller(DtlsSettings.certificates(ac.certificate(), ac.privateKey(), pki.caCertificate())
                .allow(Set.of("6c:41:0e:16:e7:9c")));
        for (Map.Entry<String, LabPki.Issued> e : cases.entrySet()) {
            try (DtlsRelay relay = DtlsRelay.toCapwap(c.localAddress())) {
                client(relay, "-cert", e.getValue().certificate().toString(), "-key", e.getValue().privateKey().toString(),
                        "-cipher", "ECDHE-RSA-AES128-GCM-SHA256");
                String why = fixture.failure();
                assertTrue(why.contains(e.getKey()), e.getKey() + ": " + why);
                fixture.processes.remove(fixture.processes.size() - 1).destroyForcibly();
            }
        }
        DtlsStats st = await(c, s -> s.sessions() == 0);
        assertEquals(0, st.sessions(), st.toString());
        assertEquals(0, st.handshakesCompleted(), st.toString());
        assertEquals(cases.size(), st.handshakesFailed(), st.toString());
    }

    @Test
    void aFloodOfClientHellosFromManyPortsCreatesNoSessionAndAPlaintextRequestGetsNothing() throws Exception {
        CapwapController c = fixture.controller(DtlsSettings.psk(PskKeys.shared(Secret.of(KEY))));
        // A real ClientHello (no cookie yet): OpenSSL's first datagram, caught by a socket that never answers.
        byte[] hello;
        try (DatagramSocket catcher = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            catcher.setSoTimeout(20_000);
            openssl("s_client", "s_client", "-dtls1_2", "-brief", "-connect", "127.0.0.1:" + catcher.getLocalPort(), "-psk", KEY,
                    "-psk_identity", "x", "-cipher", "PSK-AES128-CBC-SHA");
            DatagramPacket first = new DatagramPacket(new byte[2048], 2048);
            catcher.receive(first);
            hello = java.util.Arrays.copyOf(first.getData(), first.getLength());
            fixture.processes.remove(0).destroyForcibly();
        }
        long cookiesBefore = await(c, s -> s.sessions() == 0).cookiesSent();
        byte[] framed = new byte[hello.length + 4];
        framed[0] = 0x01;
        System.arraycopy(hello, 0, framed, 4, hello.length);
        for (int i = 0; i < 200; i++) {
            try (DatagramSocket s = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
                s.setSoTimeout(2000);
                s.send(new DatagramPacket(framed, framed.length, c.localAddress()));
                DatagramPacket answer = new DatagramPacket(new byte[2048], 2048);
                s.receive(answer);
                assertTrue(answer.getLength() <= framed.length, "no amplification: " + answer.getLength() + " bytes for " + framed.length);
            }
        }
        DtlsStats st = c.dtlsStats().orElseThrow();
        assertEquals(0, st.sessions(), "a ClientHello without the cookie creates nothing: " + st);
        assertEquals(200, st.cookiesSent() - cookiesBefore, st.toString());

        // A cleartext Image Data Request to a DTLS controller: dropped, not answered.
        io.netty.buffer.ByteBuf b = Unpooled.buffer();
        new CapwapMessageWriter().begin(b, CapwapMessage.IMAGE_DATA_REQUEST, 1).imageIdentifier(14179, "ap1g8").initiateDownload().finish();
        byte[] request = ByteBufUtil.getBytes(b);
        try (DatagramSocket s = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            s.setSoTimeout(500);
            s.send(new DatagramPacket(request, request.length, c.localAddress()));
            DatagramPacket answer = new DatagramPacket(new byte[2048], 2048);
            boolean answered = true;
            try {
                s.receive(answer);
            } catch (SocketTimeoutException e) {
                answered = false;
            }
            assertTrue(!answered, "a cleartext Image Data Request got an answer");
        }
        assertEquals(1, await(c, x -> x.cleartextDropped() == 1).cleartextDropped());
        assertEquals(0, c.stats().sessions(), "no image stream either");
    }

    // --- our AP against openssl s_server ---

    private Channel lastChannel;

    private CompletableFuture<String> ourAp(DtlsSettings settings, InetSocketAddress to) throws Exception {
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        fixture.closeLater(() -> group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly());
        Channel ch = new Bootstrap().group(group).channel(NioDatagramChannel.class).handler(new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel c) {
            }
        }).connect(to, new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)).syncUninterruptibly().channel();
        fixture.closeLater(() -> ch.close().syncUninterruptibly());
        lastChannel = ch;
        WtpDtls dtls = WtpDtls.install(ch, settings.limits(Duration.ofSeconds(5), 8, 4, Duration.ofMinutes(1)), to, Runnable::run);
        CompletableFuture<String> result = new CompletableFuture<>();
        dtls.setup(result::complete, why -> result.completeExceptionally(new IllegalStateException(why)));
        return result;
    }

    private ProcessOutput serverOutput;

    private DtlsRelay server(String... args) throws Exception {
        int port;
        try (DatagramSocket s = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        List<String> all = new ArrayList<>(List.of("s_server", "-dtls1_2", "-accept", Integer.toString(port), "-naccept", "1"));
        all.addAll(List.of(args));
        ProcessOutput out = openssl("s_server", all.toArray(String[]::new));
        out.await("ACCEPT", Duration.ofSeconds(20));
        serverOutput = out;
        DtlsRelay relay = DtlsRelay.toPlain(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
        fixture.closeLater(relay);
        return relay;
    }

    @ParameterizedTest
    @ValueSource(strings = {"PSK-AES128-CBC-SHA", "DHE-PSK-AES128-CBC-SHA", "PSK-AES128-GCM-SHA256", "DHE-PSK-AES128-GCM-SHA256"})
    void ourApCompletesAPskHandshakeWithOpensslServer(String suite) throws Exception {
        fixture.requirePeer();
        DtlsRelay relay = server("-nocert", "-psk", KEY, "-psk_hint", "CAPWAP", "-cipher", suite);
        String negotiated = ourAp(DtlsSettings.pskIdentity("AP6C41.0E16.E79C", Secret.of(KEY)), relay.capwapAddress()).get(30, TimeUnit.SECONDS);
        assertEquals(expectedName(suite), negotiated);
        // A record from our AP decrypts in OpenSSL: s_server prints what it received.
        lastChannel.writeAndFlush(Unpooled.copiedBuffer("hello from the AP\n", java.nio.charset.StandardCharsets.US_ASCII)).syncUninterruptibly();
        serverOutput.await("hello from the AP", Duration.ofSeconds(20));
    }

    private static String expectedName(String openssl) {
        return switch (openssl) {
            case "PSK-AES128-CBC-SHA" -> "TLS_PSK_WITH_AES_128_CBC_SHA";
            case "DHE-PSK-AES128-CBC-SHA" -> "TLS_DHE_PSK_WITH_AES_128_CBC_SHA";
            case "PSK-AES128-GCM-SHA256" -> "TLS_PSK_WITH_AES_128_GCM_SHA256";
            case "DHE-PSK-AES128-GCM-SHA256" -> "TLS_DHE_PSK_WITH_AES_128_GCM_SHA256";
            default -> throw new IllegalArgumentException(openssl);
        };
    }

    @Test
    void ourApGivesUpAHandshakeNobodyAnswersInEitherModeAtItsTimeout() throws Exception {
        LabPki pki = LabPki.create(dir.resolve("pki"), "lab CA");
        LabPki.Issued ap = pki.issue("ap", "6c:41:0e:16:e7:9c", LabPki.Role.AP);
        try (DatagramSocket silent = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            InetSocketAddress to = (InetSocketAddress) silent.getLocalSocketAddress();
            for (DtlsSettings s : List.of(DtlsSettings.pskIdentity("AP-1", Secret.of(KEY)),
                    DtlsSettings.certificates(ap.certificate(), ap.privateKey(), pki.caCertificate()))) {
                CompletableFuture<String> r = ourAp(s, to); // ourAp sets a 5 s handshake timeout
                java.util.concurrent.ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(
                        java.util.concurrent.ExecutionException.class, () -> r.get(30, TimeUnit.SECONDS), s.mode().toString());
                assertTrue(e.getCause().getMessage().contains("no answer to the handshake within 5 s"), e.getCause().getMessage());
            }
        }
    }

    @Test
    void ourApCompletesACertificateHandshakeWithOpensslServerAndRefusesAWrongUsage() throws Exception {
        fixture.requirePeer();
        LabPki pki = LabPki.create(dir.resolve("pki"), "lab CA");
        LabPki.Issued ac = pki.issue("ac", "EWC-9105", LabPki.Role.CONTROLLER);
        LabPki.Issued ap = pki.issue("ap", "6c:41:0e:16:e7:9c", LabPki.Role.AP);
        DtlsRelay relay = server("-cert", ac.certificate().toString(), "-key", ac.privateKey().toString(), "-CAfile",
                pki.caCertificate().toString(), "-Verify", "1", "-cipher", "ECDHE-RSA-AES128-GCM-SHA256");
        String negotiated = ourAp(DtlsSettings.certificates(ap.certificate(), ap.privateKey(), pki.caCertificate()), relay.capwapAddress())
                .get(30, TimeUnit.SECONDS);
        assertEquals("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", negotiated);
        lastChannel.writeAndFlush(Unpooled.copiedBuffer("hello over GCM\n", java.nio.charset.StandardCharsets.US_ASCII)).syncUninterruptibly();
        serverOutput.await("hello over GCM", Duration.ofSeconds(20));

        // A controller whose certificate is a web server's: the AP refuses it (RFC 5415, 2.4.4.3).
        LabPki.Issued web = pki.issue("web", "EWC-9105", LabPki.Role.WEB_SERVER);
        DtlsRelay second = server("-cert", web.certificate().toString(), "-key", web.privateKey().toString(), "-cipher",
                "ECDHE-RSA-AES128-GCM-SHA256");
        CompletableFuture<String> refused = ourAp(DtlsSettings.certificates(ap.certificate(), ap.privateKey(), pki.caCertificate()),
                second.capwapAddress());
        java.util.concurrent.ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(
                java.util.concurrent.ExecutionException.class, () -> refused.get(30, TimeUnit.SECONDS));
        assertTrue(e.getCause().getMessage().contains("lacks the extended key usage id-kp-capwapAC"), e.getCause().getMessage());
    }
}

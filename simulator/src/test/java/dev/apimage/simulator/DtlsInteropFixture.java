package dev.apimage.simulator;

import dev.apimage.capwap.CapwapController;
import dev.apimage.capwap.DtlsSettings;
import dev.apimage.capwap.DtlsStats;
import dev.apimage.capwap.JoinPolicy;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * What the DTLS interop tests against other stacks (OpenSSL, GnuTLS) share: a DTLS controller on
 * 127.0.0.1 that reports its failed handshakes, the peer processes and resources to close after
 * each test, and a bounded wait on the controller's DTLS counters. Registered as an extension
 * ({@code @RegisterExtension}), it closes what the test opened after each test.
 */
final class DtlsInteropFixture implements AfterEachCallback {

    /** The pre-shared key both sides use where the test does not say otherwise. */
    static final String KEY = "00112233445566778899aabbccddeeff";

    /** The failed handshakes' reasons, as the controller reported them. */
    final LinkedBlockingQueue<String> failures = new LinkedBlockingQueue<>();
    /** Peer processes, destroyed at the end. */
    final List<Process> processes = new ArrayList<>();
    private final List<AutoCloseable> closing = new ArrayList<>();
    private final Path peer;
    private final String peerPackage;

    /**
     * @param peer the other stack's program the test runs
     * @param peerPackage the Debian package that installs it, for the message when it is missing
     */
    DtlsInteropFixture(Path peer, String peerPackage) {
        this.peer = peer;
        this.peerPackage = peerPackage;
    }

    /** Fails the test with what to install when the peer's program is missing. */
    void requirePeer() {
        if (!Files.isExecutable(peer)) {
            throw new AssertionError(peer.getFileName() + " not found: install Debian package '" + peerPackage + "' (.ci/run does)");
        }
    }

    /**
     * A controller with the given DTLS settings (3 s handshakes, 8 at once, 4 per address, a
     * minute's idle timeout), closed with the fixture.
     */
    CapwapController controller(DtlsSettings dtls) throws Exception {
        requirePeer();
        CapwapController c = CapwapController.builder().address(new InetSocketAddress("127.0.0.1", 0))
                .images(type -> CompletableFuture.failedFuture(new IllegalStateException("no images in this test")))
                .joinPolicy(JoinPolicy.open(10)).dtls(dtls.limits(Duration.ofSeconds(3), 8, 4, Duration.ofMinutes(1)))
                .listener(new CapwapController.Listener() {
                    @Override
                    public void onSecurityFailure(InetSocketAddress peer, String why) {
                        failures.add(why);
                    }
                }).start();
        closing.add(c);
        return c;
    }

    /** Closes {@code resource} with the fixture, after everything added before it. */
    <T extends AutoCloseable> T closeLater(T resource) {
        closing.add(resource);
        return resource;
    }

    /** The next failed handshake's reason, waiting at most 20 s. */
    String failure() throws InterruptedException {
        String f = failures.poll(20, TimeUnit.SECONDS);
        if (f == null) {
            throw new AssertionError("the controller reported no failed handshake within 20 s");
        }
        return f;
    }

    /** Waits, bounded (20 s), until the controller's DTLS counters say what the test expects. */
    static DtlsStats await(CapwapController c, Predicate<DtlsStats> done) {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        DtlsStats st = c.dtlsStats().orElseThrow();
        while (!done.test(st) && System.nanoTime() < end) {
            Thread.onSpinWait();
            st = c.dtlsStats().orElseThrow();
        }
        return st;
    }

    @Override
    public void afterEach(ExtensionContext context) throws Exception {
        for (Process p : processes) {
            p.destroyForcibly();
        }
        for (int i = closing.size() - 1; i >= 0; i--) {
            closing.get(i).close();
        }
    }
}

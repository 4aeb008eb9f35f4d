package dev.apimage.capwap.internal.dtls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.apimage.capwap.DtlsSettings;
import dev.apimage.transfer.Secret;
import io.netty.channel.embedded.EmbeddedChannel;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The AP's handshake timeout counts from the moment the AP starts its handshake, even when every
 * handshake thread is taken by other peers and the handshake itself starts late (in virtual time:
 * the embedded channel's clock is frozen and advanced by hand).
 */
class DtlsClientLayerTimeoutTest {

    private static final String KEY = "00112233445566778899aabbccddeeff";

    @Test
    void aHandshakeThatGetsNoThreadStillEndsAtItsTimeout() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        ExecutorService busy = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "busy-handshake-pool");
            t.setDaemon(true);
            return t;
        });
        busy.execute(() -> {
            try {
                release.await(30, TimeUnit.SECONDS); // another peer's handshake holds the only thread
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        DtlsSettings settings = DtlsSettings.pskIdentity("AP-SLOW", Secret.of(KEY))
                .limits(Duration.ofSeconds(2), 8, 2, Duration.ofSeconds(60));
        DtlsClientLayer layer = new DtlsClientLayer(settings, busy);
        EmbeddedChannel channel = new EmbeddedChannel(layer);
        channel.freezeTime();
        List<String> ended = new ArrayList<>();
        List<String> established = new ArrayList<>();
        layer.connect(new InetSocketAddress("127.0.0.1", 5246), new DtlsClientLayer.Callback() {
            @Override
            public void established(String suite) {
                established.add(suite);
            }

            @Override
            public void ended(String why) {
                ended.add(why);
            }
        });
        channel.runPendingTasks();

        channel.advanceTimeBy(2_999, TimeUnit.MILLISECONDS);
        channel.runScheduledPendingTasks();
        assertTrue(ended.isEmpty(), "ended before its timeout and grace: " + ended);

        channel.advanceTimeBy(1, TimeUnit.MILLISECONDS);
        channel.runScheduledPendingTasks();
        assertEquals(1, ended.size(), "the layer ends the handshake that never started");
        assertTrue(ended.get(0).contains("no answer to the handshake within 2 s"), ended.get(0));

        // The queued handshake now gets its thread: it finds its transport closed and ends at once,
        // with no second word to the AP's state machine.
        release.countDown();
        busy.shutdown();
        assertTrue(busy.awaitTermination(30, TimeUnit.SECONDS), "the late handshake did not end");
        channel.runPendingTasks();
        assertEquals(1, ended.size(), "ended twice: " + ended);
        assertTrue(established.isEmpty());
        assertTrue(channel.outboundMessages().isEmpty(), "the late handshake sent: " + channel.outboundMessages());
        channel.finishAndReleaseAll();
    }
}

package dev.apimage.tftp;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.apimage.transfer.TransferOptions;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** 5% loss, 2% duplication, 2% reordering between our client and our server: identical bytes, bounded resends. */
class TftpLossTest {

    @TempDir
    Path dir;

    @ParameterizedTest(name = "blksize {0}, windowsize {1}, seed {2}")
    @CsvSource({"1468, 1, 1", "1468, 1, 2", "1468, 8, 3", "1468, 16, 4", "512, 4, 5", "8192, 4, 6"})
    void completesWithIdenticalBytesUnderLoss(int blksize, int window, long seed) throws Exception {
        Path root = dir.resolve("root");
        long size = 400_000;
        Path src = TftpFixtures.file(root, "ap1g8", size);
        try (TftpServer server = TftpServer.builder().root(root).port(0)
                .retransmitInterval(Duration.ofMillis(60)).maxRetries(50).build()) {
            InetSocketAddress a = server.start();
            try (LossyRelay relay = new LossyRelay(a, 0.05, 0.02, 0.02, seed, 200_000)) {
                TransferOptions o = TransferOptions.builder()
                        .set(TftpOptions.BLOCK_SIZE, blksize).set(TftpOptions.WINDOW_SIZE, window)
                        .set(TftpOptions.RETRANSMIT_INTERVAL, Duration.ofMillis(60)).build();
                Path got = TftpFixtures.download(TftpFixtures.uri(relay.address(), "/ap1g8"), o, dir.resolve("ap"), "ap1g8");
                assertTrue(TftpFixtures.sameContent(src, got));
                long ideal = size / blksize + 1;
                long sent = relay.dataFromServer.get();
                // Stated bound: each loss (or reorder, which looks like a gap) costs at most one window
                // again. At 5% loss plus 2% reordering, lockstep measured 1.08-1.12x the ideal and
                // windowsize 16 about 1.95x; the bound is (1 + 0.15 x windowsize) x ideal + 10.
                double bound = ideal * (1 + 0.15 * window) + 10;
                System.out.printf("loss test blksize %d window %d: DATA sent %d, ideal %d (%.2fx)%n", blksize, window, sent, ideal, sent / (double) ideal);
                assertTrue(sent <= bound, "DATA packets sent " + sent + ", ideal " + ideal + ", bound " + bound);
                assertTrue(relay.dropped.get() > 0, "the relay did drop packets");
            }
        }
    }
}

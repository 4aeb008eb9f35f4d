package dev.apimage.tftp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.apimage.transfer.FailureReason;
import dev.apimage.transfer.TransferException;
import dev.apimage.transfer.TransferOptions;
import dev.apimage.transfer.TransferResult;
import dev.apimage.transfer.TransferSession;
import dev.apimage.transfer.Transports;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TftpConcurrencyTest {

    @TempDir
    Path dir;

    private static void awaitQuietly(CountDownLatch latch, long millis) {
        try {
            latch.await(millis, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Test
    void servesFiveHundredConcurrentTransfers() throws Exception {
        Path root = dir.resolve("root");
        Path src = TftpFixtures.file(root, "EWC/17_9_4a/ap1g8", 256 * 1024 + 17);
        String expected = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(java.nio.file.Files.readAllBytes(src)));
        int n = 500;
        try (TftpServer server = TftpServer.builder().root(root).port(0).build()) {
            InetSocketAddress a = server.start();
            List<TransferSession> sessions = new ArrayList<>();
            List<CompletableFuture<TransferResult>> futures = new ArrayList<>();
            TransferOptions o = TransferOptions.builder().set(TftpOptions.WINDOW_SIZE, 4).build();
            for (int i = 0; i < n; i++) {
                TransferSession s = Transports.open(TftpFixtures.uri(a, "/EWC/17_9_4a/ap1g8"), o);
                sessions.add(s);
                futures.add(s.start((block, offset) -> { }));
            }
            for (CompletableFuture<TransferResult> f : futures) {
                TransferResult r = f.get(120, TimeUnit.SECONDS);
                assertEquals(expected, r.digests().orElseThrow().sha256());
            }
            sessions.forEach(TransferSession::close);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (server.stats().active() > 0 && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            TftpServer.Stats st = server.stats();
            assertEquals(n, st.transfers());
            assertEquals(n, st.completed(), st.toString());
            assertEquals(0, st.failed(), st.toString());
            assertEquals(0, st.refused(), st.toString());
        }
    }

    @Test
    void refusesClearlyPastTheTransferLimit() throws Exception {
        Path root = dir.resolve("root");
        // Larger than the client's 4 MiB ring, so a stalled sink keeps both transfers open.
        TftpFixtures.file(root, "ap1g8", 20_000_000);
        try (TftpServer server = TftpServer.builder().root(root).port(0).maxTransfers(2).build()) {
            InetSocketAddress a = server.start();
            CountDownLatch hold = new CountDownLatch(1);
            CountDownLatch started = new CountDownLatch(2);
            List<TransferSession> busy = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                TransferSession s = Transports.open(TftpFixtures.uri(a, "/ap1g8"), TransferOptions.builder()
                        .set(TftpOptions.WINDOW_SIZE, 1).build());
                busy.add(s);
                s.start((block, offset) -> {
                    started.countDown();
                    awaitQuietly(hold, 30_000); // a slow sink keeps the transfer open
                });
            }
            assertTrue(started.await(10, TimeUnit.SECONDS));
            TransferException e = TftpFixtures.failure(TftpFixtures.uri(a, "/ap1g8"), TransferOptions.defaults());
            assertEquals(FailureReason.PROTOCOL_ERROR, e.reason());
            assertTrue(e.getMessage().contains("server busy: 2 transfers in progress"), e.getMessage());
            hold.countDown();
            busy.forEach(TransferSession::close);
            assertEquals(1, server.stats().refused());
        }
    }

    @Test
    void closingTheServerEndsTransfersWithAnError() throws Exception {
        Path root = dir.resolve("root");
        TftpFixtures.file(root, "ap1g8", 2_000_000);
        TftpServer server = TftpServer.builder().root(root).port(0).build();
        InetSocketAddress a = server.start();
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch hold = new CountDownLatch(1);
        TransferSession s = Transports.open(TftpFixtures.uri(a, "/ap1g8"), TransferOptions.builder()
                .set(TftpOptions.WINDOW_SIZE, 1).build());
        CompletableFuture<TransferResult> f = s.start((block, offset) -> {
            started.countDown();
            awaitQuietly(hold, 200);
        });
        assertTrue(started.await(10, TimeUnit.SECONDS));
        server.close();
        ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
                () -> f.get(30, TimeUnit.SECONDS));
        TransferException te = (TransferException) e.getCause();
        assertEquals(FailureReason.PROTOCOL_ERROR, te.reason());
        assertTrue(te.getMessage().contains("server shutting down"), te.getMessage());
        assertEquals(0, server.stats().active());
    }
}

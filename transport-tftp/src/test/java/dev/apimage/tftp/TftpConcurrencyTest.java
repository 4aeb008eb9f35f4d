package dev.apimage.tftp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.apimage.transfer.FailureReason;
import dev.apimage.transfer.TransferException;
import dev.apimage.transfer.TransferOptions;
import dev.apimage.transfer.TransferResult;
import dev.apimage.transfer.TransferSession;
import dev.apimage.transfer.Transports;
import java.io.IOException;
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
        // All 500 clients share 127.0.0.1: the per-client cap is for the field, lift it here.
        try (TftpServer server = TftpServer.builder().root(root).port(0).maxTransfersPerClient(n).build()) {
            InetSocketAddress a = server.start();
            List<TransferSession> sessions = new ArrayList<>();
            List<CompletableFuture<TransferResult>> futures = new ArrayList<>();
            TransferOptions o = TransferOptions.builder().set(TftpOptions.WINDOW_SIZE, 4).build();
            for (int i = 0; i < n; i++) {
                TransferSession s = Transports.open(TftpFixtures.uri(a, "/EWC/17_9_4a/ap1g8"), o);
                sessions.add(s);
                futures.add(s.start((block, offset) -> { }));
            }
            int ok = 0;
            for (CompletableFuture<TransferResult> f : futures) {
                TransferResult r = f.get(120, TimeUnit.SECONDS);
                assertEquals(expected, r.digests().orElseThrow().sha256(), () -> server.stats().toString());
                ok++;
            }
            assertEquals(n, ok);
            // Each client is done when it sends its final ACK; the server counts on receiving it.
            assertTrue(server.awaitIdle(java.time.Duration.ofSeconds(30)), () -> "still active: " + server.stats());
            sessions.forEach(TransferSession::close);
            TftpServer.Stats st = server.stats();
            // What a server can promise: one transfer per client (a repeated RRQ never starts a
            // second), each ended by its final ACK or, had that ACK been lost, as complete-unacknowledged.
            assertEquals(n, st.transfers(), st.toString());
            assertEquals(n, st.completed() + st.completedUnacknowledged(), st.toString());
            assertEquals(0, st.failed(), st.toString());
            assertEquals(0, st.refused(), st.toString());
        }
    }

    @Test
    void aFloodFromOneAddressLeavesRoomForEveryoneElse() throws Exception {
        Path root = dir.resolve("root");
        Path src = TftpFixtures.file(root, "ap1g8", 20_000);
        byte[] expected = java.nio.file.Files.readAllBytes(src);
        // A refusal budget far below the flood's pace (thousands a second), so that it is spent within
        // the downloads however fast they go (with the default 500 a second, a fast machine finished
        // them before the flood had used one second's budget).
        try (TftpServer server = TftpServer.builder().root(root).port(0).maxTransfers(24).maxTransfersPerClient(16).refusalsPerSecond(20)
                .build()) {
            InetSocketAddress a = server.start();
            java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
            java.util.concurrent.atomic.AtomicInteger sent = new java.util.concurrent.atomic.AtomicInteger();
            // Never-acknowledged RRQs from 127.0.0.1, from many ports; bounded in count and time.
            Thread flood = new Thread(() -> {
                byte[] rrq = RawTftp.request(1, "ap1g8", "octet");
                long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                List<java.net.DatagramSocket> ports = new ArrayList<>();
                try {
                    for (int i = 0; i < 512; i++) {
                        ports.add(new java.net.DatagramSocket(0, TftpFixtures.LOOPBACK));
                    }
                    while (!stop.get() && sent.get() < 200_000 && System.nanoTime() < end) {
                        java.net.DatagramSocket s = ports.get(sent.get() % ports.size());
                        s.send(new java.net.DatagramPacket(rrq, rrq.length, a));
                        if (sent.incrementAndGet() % 4 == 0) {
                            Thread.sleep(1); // pace the flood so it lasts through the downloads (a sender's pace, not a wait on the server)
                        }
                    }
                } catch (IOException | InterruptedException e) {
                    // the flood ends
                } finally {
                    ports.forEach(java.net.DatagramSocket::close);
                }
            }, "rrq-flood");
            flood.start();
            // Downloads begin once the flood holds its per-client share and is being refused.
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while ((server.stats().active() < 16 || server.stats().refused() == 0) && System.nanoTime() < until) {
                Thread.onSpinWait();
            }
            long sentBefore = sent.get();
            long[] floodDuringDownloads = {0};
            int good = 0;
            int tries = 40;
            List<String> failures = new ArrayList<>();
            try {
                for (int i = 0; i < tries; i++) {
                    org.apache.commons.net.tftp.TFTPClient c = new org.apache.commons.net.tftp.TFTPClient();
                    c.setDefaultTimeout(java.time.Duration.ofSeconds(2));
                    c.open(0, java.net.InetAddress.getByName("127.0.0.2"));
                    try {
                        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
                        c.receiveFile("ap1g8", org.apache.commons.net.tftp.TFTP.BINARY_MODE, out, a.getAddress(), a.getPort());
                        if (java.util.Arrays.equals(expected, out.toByteArray())) {
                            good++;
                        } else {
                            failures.add("download " + i + ": " + out.size() + " bytes differ");
                        }
                    } catch (IOException e) {
                        failures.add("download " + i + ": " + e.getMessage());
                    } finally {
                        c.close();
                    }
                }
            } finally {
                long sentDuring = sent.get() - sentBefore;
                stop.set(true);
                flood.join(10_000);
                floodDuringDownloads[0] = sentDuring;
            }
            TftpServer.Stats st = server.stats();
            assertTrue(floodDuringDownloads[0] > 100, "the flood ran through the downloads: " + floodDuringDownloads[0]
                    + " requests meanwhile; " + st);
            assertTrue(good >= tries * 95 / 100, good + " of " + tries + " downloads from 127.0.0.2 succeeded while "
                    + floodDuringDownloads[0] + " flood requests came from 127.0.0.1: " + failures + "; " + st);
            assertTrue(st.refused() > 0, "the flood was refused past its per-client cap: " + st);
            assertTrue(st.unansweredRefusals() > 0, "past the refusal budget, refusals cost no reply: " + st);
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
            assertEquals(1, server.stats().refused(), () -> server.stats().toString());
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
        assertEquals(0, server.stats().active(), () -> server.stats().toString());
    }
}

package dev.apimage.tftp;

import dev.apimage.time.VirtualClock;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.SocketTimeoutException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A client that repeats its RRQ, from one raw socket: at once, mid-transfer, and after the end
 * inside and outside the transfer's retransmission horizon, which the test steps on the server's
 * injected clock.
 */
class TftpRepeatedRequestTest {

    private static final Duration RETRANSMIT = Duration.ofMillis(200);
    private static final int RETRIES = 3;
    /** timeout x (retries + 1) */
    private static final long HORIZON = RETRANSMIT.toNanos() * (RETRIES + 1);

    @TempDir
    Path dir;

    private final VirtualClock clock = new VirtualClock();
    private TftpServer server;
    private InetSocketAddress address;
    private DatagramSocket client;

    @BeforeEach
    void start() throws Exception {
        Path root = dir.resolve("root");
        TftpFixtures.file(root, "ap1g8", 3 * 512 + 100); // four DATA blocks in lockstep
        server = TftpServer.builder().root(root).port(0).retransmitInterval(RETRANSMIT).maxRetries(RETRIES).clock(clock).build();
        address = server.start();
        client = new DatagramSocket(0, TftpFixtures.LOOPBACK);
        client.setSoTimeout(2000);
    }

    @AfterEach
    void stop() {
        client.close();
        server.close();
    }

    private void rrq() throws IOException {
        byte[] r = RawTftp.request(1, "ap1g8", "octet");
        client.send(new DatagramPacket(r, r.length, address));
    }

    private DatagramPacket receive() throws IOException {
        DatagramPacket p = new DatagramPacket(new byte[1024], 1024);
        client.receive(p);
        return p;
    }

    private Optional<DatagramPacket> receiveWithin(int millis) throws IOException {
        client.setSoTimeout(millis);
        try {
            return Optional.of(receive());
        } catch (SocketTimeoutException e) {
            return Optional.empty();
        } finally {
            client.setSoTimeout(2000);
        }
    }

    private static int block(DatagramPacket p) {
        return ((p.getData()[2] & 0xFF) << 8) | (p.getData()[3] & 0xFF);
    }

    private void ack(SocketAddress tid, int block) throws IOException {
        byte[] a = {0, 4, (byte) (block >> 8), (byte) block};
        client.send(new DatagramPacket(a, a.length, tid));
    }

    /** Reads DATA from the first answer on to the last block, ACKing each; returns the transfer's port. */
    private SocketAddress downloadTo(int lastBlock, boolean ackLast) throws IOException {
        DatagramPacket p = receive();
        SocketAddress tid = p.getSocketAddress();
        while (true) {
            assertEquals(TftpPackets.DATA, RawTftp.opcode(p), "DATA from the one transfer");
            assertEquals(tid, p.getSocketAddress(), "all DATA from the first transfer's port");
            int b = block(p);
            if (b == lastBlock) {
                if (ackLast) {
                    ack(tid, b);
                }
                return tid;
            }
            ack(tid, b);
            p = receive();
        }
    }

    @Test
    void aRequestRepeatedAtOnceStartsOneTransfer() throws Exception {
        rrq();
        rrq();
        rrq();
        downloadTo(4, true);
        assertTrue(server.awaitIdle(Duration.ofSeconds(5)));
        assertEquals(Optional.empty(), receiveWithin(300), "nothing from a second transfer");
        TftpServer.Stats s = server.stats();
        assertEquals(1, s.transfers(), s.toString());
        assertEquals(1, s.completed(), s.toString());
    }

    @Test
    void aRequestRepeatedMidTransferIsIgnored() throws Exception {
        rrq();
        DatagramPacket first = receive();
        assertEquals(1, block(first));
        rrq(); // the client thought our answer was lost
        ack(first.getSocketAddress(), 1);
        downloadTo(4, true);
        assertTrue(server.awaitIdle(Duration.ofSeconds(5)));
        TftpServer.Stats s = server.stats();
        assertEquals(1, s.transfers(), s.toString());
        assertEquals(1, s.completed(), s.toString());
    }

    @Test
    void afterTheEndTheRepeatIsIgnoredInsideTheHorizonAndServedOutsideIt() throws Exception {
        rrq();
        downloadTo(4, true);
        assertTrue(server.awaitIdle(Duration.ofSeconds(5)));
        clock.advanceNanos(HORIZON - 1);
        rrq();
        assertEquals(Optional.empty(), receiveWithin(300), "inside the horizon a repeat is not a new download");
        assertEquals(1, server.stats().transfers(), server.stats().toString());
        clock.advanceNanos(2);
        rrq(); // the same port, the same file, after the horizon: a new download
        downloadTo(4, true);
        assertTrue(server.awaitIdle(Duration.ofSeconds(5)));
        TftpServer.Stats s = server.stats();
        assertEquals(2, s.transfers(), s.toString());
        assertEquals(2, s.completed(), s.toString());
    }

    @Test
    void aLostFinalAckEndsAsCompleteUnacknowledgedNotFailed() throws Exception {
        rrq();
        SocketAddress tid = downloadTo(4, false);
        // The server resends the last block once per interval of its clock until its budget runs
        // out; the client has gone.
        for (int i = 1; i <= RETRIES; i++) {
            clock.advance(RETRANSMIT);
            DatagramPacket again = receive();
            assertEquals(tid, again.getSocketAddress());
            assertEquals(4, block(again), "retransmission " + i + " is the last block again");
        }
        clock.advance(RETRANSMIT);
        assertTrue(server.awaitIdle(Duration.ofSeconds(10)));
        int resent = RETRIES;
        while (receiveWithin(200).isPresent()) {
            resent++;
        }
        TftpServer.Stats s = server.stats();
        assertEquals(RETRIES, resent, "the final DATA was resent " + RETRIES + " times to " + tid);
        assertEquals(1, s.completedUnacknowledged(), s.toString());
        assertEquals(0, s.failed(), s.toString());
    }

    @Test
    void ourClientDalliesAndAnswersARepeatedFinalDataWithTheFinalAck() throws Exception {
        // Our client against a raw server socket: drop the first final ACK, resend the last DATA.
        try (DatagramSocket fake = new DatagramSocket(0, TftpFixtures.LOOPBACK)) {
            fake.setSoTimeout(5000);
            InetSocketAddress at = new InetSocketAddress(TftpFixtures.LOOPBACK, fake.getLocalPort());
            var session = dev.apimage.transfer.Transports.open(TftpFixtures.uri(at, "/f"),
                    dev.apimage.transfer.TransferOptions.builder().set(TftpOptions.NEGOTIATE, false).build());
            var result = session.start((b, o) -> { });
            DatagramPacket req = new DatagramPacket(new byte[600], 600);
            fake.receive(req);
            byte[] data = {0, 3, 0, 1, 'h', 'i'}; // one short block: the whole file
            fake.send(new DatagramPacket(data, data.length, req.getSocketAddress()));
            DatagramPacket ack = new DatagramPacket(new byte[16], 16);
            fake.receive(ack);
            assertEquals(TftpPackets.ACK, RawTftp.opcode(ack));
            assertEquals(2, result.get(5, TimeUnit.SECONDS).bytes(), "the client has its file");
            // As if that ACK was lost: the server resends the final DATA; the dallying client re-ACKs.
            fake.send(new DatagramPacket(data, data.length, req.getSocketAddress()));
            DatagramPacket again = new DatagramPacket(new byte[16], 16);
            fake.receive(again);
            assertEquals(TftpPackets.ACK, RawTftp.opcode(again));
            assertEquals(1, block(again));
            session.close();
        }
    }
}

package dev.apimage.tftp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.apimage.transfer.TransferOptions;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * RFC 2347: a server may refuse options with ERROR 8; the client then asks again without them.
 * No Debian TFTP server answers options that way, so a scripted peer on a real UDP socket does.
 */
class OptionRefusalTest {

    @TempDir
    Path dir;

    @Test
    void asksAgainWithoutOptionsAfterError8() throws Exception {
        byte[] file = new byte[512 * 3 + 100];
        new java.util.Random(8).nextBytes(file);
        AtomicInteger requestsWithOptions = new AtomicInteger();
        AtomicInteger plainRequests = new AtomicInteger();
        try (DatagramSocket listen = new DatagramSocket(0, TftpFixtures.LOOPBACK)) {
            listen.setSoTimeout(10_000);
            Thread peer = new Thread(() -> serve(listen, file, requestsWithOptions, plainRequests), "refusing-peer");
            peer.setDaemon(true);
            peer.start();
            Path got = TftpFixtures.download(TftpFixtures.uri((InetSocketAddress) listen.getLocalSocketAddress(), "/ap1g8"),
                    TransferOptions.defaults(), dir.resolve("ap"), "ap1g8");
            assertEquals(-1, Arrays.mismatch(file, Files.readAllBytes(got)));
            peer.join(5000);
        }
        assertEquals(1, requestsWithOptions.get());
        assertTrue(plainRequests.get() >= 1);
    }

    /** Refuses the first request (it carries options), then serves the plain one in 512-byte lockstep. */
    private static void serve(DatagramSocket listen, byte[] file, AtomicInteger withOptions, AtomicInteger plain) {
        try {
            while (true) {
                DatagramPacket req = new DatagramPacket(new byte[600], 600);
                listen.receive(req);
                byte[] r = Arrays.copyOf(req.getData(), req.getLength());
                int nuls = 0;
                for (int i = 2; i < r.length; i++) { // after the opcode
                    nuls += r[i] == 0 ? 1 : 0;
                }
                try (DatagramSocket tid = new DatagramSocket(0, TftpFixtures.LOOPBACK)) {
                    tid.setSoTimeout(2000);
                    if (nuls > 2) { // filename, mode, and at least one option
                        withOptions.incrementAndGet();
                        byte[] err = {0, 5, 0, 8, 'n', 'o', ' ', 'o', 'p', 't', 'i', 'o', 'n', 's', 0};
                        tid.send(new DatagramPacket(err, err.length, req.getSocketAddress()));
                        continue;
                    }
                    plain.incrementAndGet();
                    for (int block = 1; (block - 1) * 512 <= file.length; block++) {
                        int off = (block - 1) * 512;
                        int len = Math.min(512, file.length - off);
                        byte[] data = new byte[4 + len];
                        data[1] = 3;
                        data[2] = (byte) (block >> 8);
                        data[3] = (byte) block;
                        System.arraycopy(file, off, data, 4, len);
                        boolean acked = false;
                        for (int attempt = 0; attempt < 5 && !acked; attempt++) {
                            tid.send(new DatagramPacket(data, data.length, req.getSocketAddress()));
                            DatagramPacket ack = new DatagramPacket(new byte[16], 16);
                            try {
                                tid.receive(ack);
                                acked = ack.getData()[1] == 4 && ((ack.getData()[2] & 0xff) << 8 | (ack.getData()[3] & 0xff)) == block;
                            } catch (SocketTimeoutException e) {
                                // resend
                            }
                        }
                    }
                    return;
                }
            }
        } catch (IOException e) {
            // socket closed by the test
        }
    }
}

package dev.apimage.tftp;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/** Hand-made TFTP packets over a plain UDP socket, for hostile and malformed input. */
final class RawTftp {

    private RawTftp() {
    }

    /** RRQ/WRQ bytes: opcode, then NUL-terminated strings. */
    static byte[] request(int opcode, String... strings) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.write(opcode >> 8);
        b.write(opcode);
        for (String s : strings) {
            b.writeBytes(s.getBytes(StandardCharsets.UTF_8));
            b.write(0);
        }
        return b.toByteArray();
    }

    /** Sends one packet and waits for one reply. */
    static Optional<DatagramPacket> exchange(InetSocketAddress server, byte[] packet, int timeoutMillis) throws IOException {
        try (DatagramSocket s = new DatagramSocket(0, TftpFixtures.LOOPBACK)) {
            s.setSoTimeout(timeoutMillis);
            s.send(new DatagramPacket(packet, packet.length, server));
            DatagramPacket reply = new DatagramPacket(new byte[70_000], 70_000);
            try {
                s.receive(reply);
                return Optional.of(reply);
            } catch (SocketTimeoutException e) {
                return Optional.empty();
            }
        }
    }

    static int opcode(DatagramPacket p) {
        return p.getLength() < 2 ? -1 : ((p.getData()[0] & 0xff) << 8) | (p.getData()[1] & 0xff);
    }

    static int code(DatagramPacket p) {
        return ((p.getData()[2] & 0xff) << 8) | (p.getData()[3] & 0xff);
    }

    static String message(DatagramPacket p) {
        int end = 4;
        while (end < p.getLength() && p.getData()[end] != 0) {
            end++;
        }
        return new String(p.getData(), 4, end - 4, StandardCharsets.UTF_8);
    }
}

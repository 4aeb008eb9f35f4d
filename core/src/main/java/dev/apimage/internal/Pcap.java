package dev.apimage.internal;

import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;

/**
 * A classic pcap file of UDP over IPv4 (link type 101, raw IP) for a protocol analyser to read:
 * datagrams recorded at a socket, in order, with their real addresses and ports. No traffic is
 * captured or sent by this class.
 */
public final class Pcap {

    /**
     * One datagram.
     *
     * @param from its source
     * @param to its destination
     * @param payload its UDP payload
     * @param atMicros when it passed, in microseconds since the epoch; negative for none (then the
     *     file counts a millisecond per datagram)
     */
    public record Datagram(InetSocketAddress from, InetSocketAddress to, byte[] payload, long atMicros) {

        /**
         * A datagram without a time.
         *
         * @param from its source
         * @param to its destination
         * @param payload its UDP payload
         */
        public Datagram(InetSocketAddress from, InetSocketAddress to, byte[] payload) {
            this(from, to, payload, -1);
        }
    }

    private Pcap() {
    }

    /**
     * The file's bytes.
     *
     * @param datagrams in order
     * @return the pcap file
     */
    public static byte[] of(List<Datagram> datagrams) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteBuffer h = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN);
        h.putInt(0xa1b2c3d4).putShort((short) 2).putShort((short) 4).putInt(0).putInt(0).putInt(65535).putInt(101);
        out.writeBytes(h.array());
        int i = 0;
        for (Datagram d : datagrams) {
            byte[] packet = udp(d);
            ByteBuffer r = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
            long micros = d.atMicros() >= 0 ? d.atMicros() : 1_700_000_000_000_000L + i * 1000L;
            r.putInt((int) (micros / 1_000_000)).putInt((int) (micros % 1_000_000)).putInt(packet.length).putInt(packet.length);
            out.writeBytes(r.array());
            out.writeBytes(packet);
            i++;
        }
        return out.toByteArray();
    }

    private static byte[] udp(Datagram d) {
        byte[] payload = d.payload();
        ByteBuffer p = ByteBuffer.allocate(28 + payload.length);
        p.put((byte) 0x45).put((byte) 0).putShort((short) (28 + payload.length)).putShort((short) 1).putShort((short) 0)
                .put((byte) 64).put((byte) 17).putShort((short) 0).put(d.from().getAddress().getAddress()).put(d.to().getAddress().getAddress());
        int sum = 0;
        for (int k = 0; k < 20; k += 2) {
            sum += p.getShort(k) & 0xFFFF;
        }
        sum = (sum & 0xFFFF) + (sum >>> 16);
        sum = (sum & 0xFFFF) + (sum >>> 16);
        p.putShort(10, (short) ~sum);
        p.putShort((short) d.from().getPort()).putShort((short) d.to().getPort()).putShort((short) (8 + payload.length)).putShort((short) 0);
        p.put(payload);
        return p.array();
    }
}

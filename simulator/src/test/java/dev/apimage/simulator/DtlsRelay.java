package dev.apimage.simulator;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.SocketTimeoutException;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A UDP relay between a plain DTLS peer (OpenSSL) and a CAPWAP DTLS peer (ours): towards the
 * CAPWAP side it puts the 4-byte CAPWAP DTLS header in front of each datagram (RFC 5415, 4.2),
 * back from it it takes the header off. Each direction is a thread that ends when the relay is
 * closed or after a minute.
 */
final class DtlsRelay implements AutoCloseable {

    private final DatagramSocket plainSide;
    private final DatagramSocket capwapSide;
    private final InetSocketAddress capwapPeer;
    private final InetSocketAddress plainPeerFixed;
    private volatile SocketAddress plainPeer;
    private volatile boolean closed;
    /** What the plain peer sent, in order, without the header. */
    final List<byte[]> fromPlain = new CopyOnWriteArrayList<>();

    /**
     * A relay in front of a CAPWAP peer: the plain peer (openssl s_client) sends to {@link #plainAddress()}.
     *
     * @param capwapPeer our controller
     */
    static DtlsRelay toCapwap(InetSocketAddress capwapPeer) throws IOException {
        return new DtlsRelay(capwapPeer, null);
    }

    /**
     * A relay in front of a plain server (openssl s_server): our AP sends to {@link #capwapAddress()}.
     *
     * @param plainServer the server
     */
    static DtlsRelay toPlain(InetSocketAddress plainServer) throws IOException {
        return new DtlsRelay(null, plainServer);
    }

    private DtlsRelay(InetSocketAddress capwapPeer, InetSocketAddress plainServer) throws IOException {
        this.plainSide = new DatagramSocket(0, InetAddress.getLoopbackAddress());
        this.capwapSide = new DatagramSocket(0, InetAddress.getLoopbackAddress());
        this.capwapPeer = capwapPeer;
        this.plainPeerFixed = plainServer;
        this.plainPeer = plainServer;
        plainSide.setSoTimeout(100);
        capwapSide.setSoTimeout(100);
        start("relay-plain", () -> pump(plainSide, true));
        start("relay-capwap", () -> pump(capwapSide, false));
    }

    InetSocketAddress plainAddress() {
        return (InetSocketAddress) plainSide.getLocalSocketAddress();
    }

    InetSocketAddress capwapAddress() {
        return (InetSocketAddress) capwapSide.getLocalSocketAddress();
    }

    private static void start(String name, Runnable r) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        t.start();
    }

    private volatile SocketAddress capwapPeerSeen;

    private void pump(DatagramSocket in, boolean fromPlain) {
        byte[] buf = new byte[65536];
        long end = System.nanoTime() + 60_000_000_000L;
        while (!closed && System.nanoTime() < end) {
            DatagramPacket p = new DatagramPacket(buf, buf.length);
            try {
                in.receive(p);
            } catch (SocketTimeoutException e) {
                continue;
            } catch (IOException e) {
                return; // closed
            }
            try {
                if (fromPlain) {
                    if (plainPeerFixed == null) {
                        plainPeer = p.getSocketAddress();
                    }
                    fromPlain(Arrays.copyOfRange(buf, 0, p.getLength()));
                    byte[] out = new byte[p.getLength() + 4];
                    out[0] = 0x01; // preamble: version 0, type 1 (DTLS); 24 reserved bits
                    System.arraycopy(buf, 0, out, 4, p.getLength());
                    SocketAddress to = capwapPeer != null ? capwapPeer : capwapPeerSeen;
                    if (to != null) {
                        capwapSide.send(new DatagramPacket(out, out.length, to));
                    }
                } else {
                    if (capwapPeer == null) {
                        capwapPeerSeen = p.getSocketAddress();
                    }
                    if (p.getLength() < 4 || buf[0] != 0x01) {
                        continue; // cleartext CAPWAP (a Discovery): the plain peer would not understand it
                    }
                    SocketAddress to = plainPeer;
                    if (to != null) {
                        plainSide.send(new DatagramPacket(buf, 4, p.getLength() - 4, to));
                    }
                }
            } catch (IOException e) {
                return;
            }
        }
    }

    private void fromPlain(byte[] datagram) {
        if (fromPlain.size() < 1000) {
            fromPlain.add(datagram);
        }
    }

    @Override
    public void close() {
        closed = true;
        plainSide.close();
        capwapSide.close();
    }
}

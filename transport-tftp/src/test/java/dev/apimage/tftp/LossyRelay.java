package dev.apimage.tftp;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A UDP relay on loopback between one TFTP client and a server, that drops, duplicates and
 * reorders packets with a fixed seed. The client talks to {@link #address()}; the relay follows the
 * server's transfer port. Bounded: it forwards at most {@code maxPackets} and stops on close.
 */
final class LossyRelay implements AutoCloseable {

    private final DatagramSocket clientSide;
    private final DatagramSocket serverSide;
    private final InetSocketAddress server;
    private final double drop;
    private final double duplicate;
    private final double reorder;
    private final Random random;
    private final long maxPackets;
    private final Thread up;
    private final Thread down;
    private volatile InetSocketAddress client;
    private volatile InetSocketAddress serverTid;
    private volatile boolean closed;
    final AtomicLong dataFromServer = new AtomicLong();
    final AtomicLong dropped = new AtomicLong();
    private final AtomicLong forwarded = new AtomicLong();

    LossyRelay(InetSocketAddress server, double drop, double duplicate, double reorder, long seed, long maxPackets)
            throws SocketException {
        this.server = server;
        this.drop = drop;
        this.duplicate = duplicate;
        this.reorder = reorder;
        this.random = new Random(seed);
        this.maxPackets = maxPackets;
        this.clientSide = new DatagramSocket(0, TftpFixtures.LOOPBACK);
        this.serverSide = new DatagramSocket(0, TftpFixtures.LOOPBACK);
        clientSide.setSoTimeout(200);
        serverSide.setSoTimeout(200);
        up = new Thread(() -> pump(clientSide, true), "relay-up");
        down = new Thread(() -> pump(serverSide, false), "relay-down");
        up.setDaemon(true);
        down.setDaemon(true);
        up.start();
        down.start();
    }

    InetSocketAddress address() {
        return (InetSocketAddress) clientSide.getLocalSocketAddress();
    }

    private void pump(DatagramSocket in, boolean fromClient) {
        byte[] buf = new byte[70_000];
        DatagramPacket held = null;
        while (!closed && forwarded.get() < maxPackets) {
            DatagramPacket p = new DatagramPacket(buf, buf.length);
            try {
                in.receive(p);
            } catch (SocketTimeoutException e) {
                if (held != null) {
                    send(held, fromClient);
                    held = null;
                }
                continue;
            } catch (IOException e) {
                return;
            }
            DatagramPacket copy = new DatagramPacket(Arrays.copyOf(p.getData(), p.getLength()), p.getLength());
            copy.setSocketAddress(p.getSocketAddress());
            if (fromClient) {
                client = (InetSocketAddress) p.getSocketAddress();
            } else {
                serverTid = (InetSocketAddress) p.getSocketAddress();
                if (p.getLength() >= 2 && p.getData()[1] == TftpPackets.DATA) {
                    dataFromServer.incrementAndGet();
                }
            }
            double r;
            synchronized (random) {
                r = random.nextDouble();
            }
            if (r < drop) {
                dropped.incrementAndGet();
                continue;
            }
            if (r < drop + reorder && held == null) {
                held = copy; // goes out after the next packet
                continue;
            }
            send(copy, fromClient);
            if (r < drop + reorder + duplicate) {
                send(copy, fromClient);
            }
            if (held != null) {
                send(held, fromClient);
                held = null;
            }
        }
    }

    private void send(DatagramPacket p, boolean fromClient) {
        try {
            forwarded.incrementAndGet();
            if (fromClient) {
                // Requests go to the server's listening port; everything after to its transfer port.
                boolean request = p.getLength() >= 2 && (p.getData()[1] == TftpPackets.RRQ || p.getData()[1] == TftpPackets.WRQ);
                InetSocketAddress to = request || serverTid == null ? server : serverTid;
                serverSide.send(new DatagramPacket(p.getData(), p.getLength(), to));
            } else if (client != null) {
                clientSide.send(new DatagramPacket(p.getData(), p.getLength(), client));
            }
        } catch (IOException e) {
            // socket closed
        }
    }

    @Override
    public void close() throws InterruptedException {
        closed = true;
        clientSide.close();
        serverSide.close();
        up.join(2000);
        down.join(2000);
    }
}

package dev.apimage.bench;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.util.Arrays;
import java.util.concurrent.DelayQueue;
import java.util.concurrent.Delayed;
import java.util.concurrent.TimeUnit;

/**
 * A UDP relay on loopback that delays every packet by a fixed time in each direction, for TFTP
 * (it follows the server's transfer port). Bounded: it stops on close or after a packet limit.
 */
final class DelayRelay implements AutoCloseable {

    private final DatagramSocket clientSide;
    private final DatagramSocket serverSide;
    private final InetSocketAddress server;
    private final long delayNanos;
    private final long maxPackets;
    private final DelayQueue<Item> queue = new DelayQueue<>();
    private final Thread[] threads;
    private volatile InetSocketAddress client;
    private volatile InetSocketAddress serverTid;
    private volatile boolean closed;
    private long packets;

    private record Item(long due, byte[] data, boolean toServer) implements Delayed {
        @Override
        public long getDelay(TimeUnit unit) {
            return unit.convert(due - System.nanoTime(), TimeUnit.NANOSECONDS);
        }

        @Override
        public int compareTo(Delayed o) {
            return Long.compare(due, ((Item) o).due);
        }
    }

    DelayRelay(InetSocketAddress server, long delayMillis, long maxPackets) throws IOException {
        this.server = server;
        this.delayNanos = TimeUnit.MILLISECONDS.toNanos(delayMillis);
        this.maxPackets = maxPackets;
        InetAddress lo = InetAddress.getLoopbackAddress();
        clientSide = new DatagramSocket(0, lo);
        serverSide = new DatagramSocket(0, lo);
        clientSide.setReceiveBufferSize(4 << 20);
        serverSide.setReceiveBufferSize(4 << 20);
        clientSide.setSoTimeout(200);
        serverSide.setSoTimeout(200);
        threads = new Thread[] {
            new Thread(() -> receive(clientSide, true), "delay-up"),
            new Thread(() -> receive(serverSide, false), "delay-down"),
            new Thread(this::send, "delay-send")};
        for (Thread t : threads) {
            t.setDaemon(true);
            t.start();
        }
    }

    InetSocketAddress address() {
        return (InetSocketAddress) clientSide.getLocalSocketAddress();
    }

    private void receive(DatagramSocket in, boolean fromClient) {
        byte[] buf = new byte[70_000];
        while (!closed) {
            DatagramPacket p = new DatagramPacket(buf, buf.length);
            try {
                in.receive(p);
            } catch (SocketTimeoutException e) {
                continue;
            } catch (IOException e) {
                return;
            }
            synchronized (this) {
                if (++packets > maxPackets) {
                    return;
                }
            }
            if (fromClient) {
                client = (InetSocketAddress) p.getSocketAddress();
            } else {
                serverTid = (InetSocketAddress) p.getSocketAddress();
            }
            queue.add(new Item(System.nanoTime() + delayNanos, Arrays.copyOf(p.getData(), p.getLength()), fromClient));
        }
    }

    private void send() {
        while (!closed) {
            Item i;
            try {
                i = queue.poll(200, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                return;
            }
            if (i == null) {
                continue;
            }
            try {
                if (i.toServer()) {
                    boolean request = i.data().length >= 2 && (i.data()[1] == 1 || i.data()[1] == 2);
                    InetSocketAddress to = request || serverTid == null ? server : serverTid;
                    serverSide.send(new DatagramPacket(i.data(), i.data().length, to));
                } else if (client != null) {
                    clientSide.send(new DatagramPacket(i.data(), i.data().length, client));
                }
            } catch (IOException e) {
                return;
            }
        }
    }

    @Override
    public void close() throws InterruptedException {
        closed = true;
        clientSide.close();
        serverSide.close();
        for (Thread t : threads) {
            t.join(2000);
        }
    }
}

package dev.apimage.bench;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.FileChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.HexFormat;

/**
 * The floor for a Java TFTP client in a process of its own: the least a JVM can do to download a
 * file with RFC 7440 windows. One thread, one NIO {@link DatagramChannel} read into one direct
 * buffer, no Netty, no staging, no progress, no retransmission beyond re-acknowledging on a gap;
 * the file is written (and forced) and, with {@code --digests}, SHA-256 and MD5 are computed on the
 * receiving thread. Whatever
 * {@code apimage fetch} costs above this is the SDK's; what this costs is the JVM's.
 *
 * <pre>
 * java -cp benchmarks.jar dev.apimage.bench.MinimalTftpFetch PORT NAME OUT BLKSIZE WINDOWSIZE [--digests]
 * </pre>
 */
public final class MinimalTftpFetch {

    private static final int OACK = 6;
    private static final int DATA = 3;
    /** Gives up after this long without a datagram: every run is bounded. */
    private static final int SILENCE_MILLIS = 5_000;

    private MinimalTftpFetch() {
    }

    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[0]);
        String name = args[1];
        Path out = Path.of(args[2]);
        int blksize = Integer.parseInt(args[3]);
        int window = Integer.parseInt(args[4]);
        boolean digests = args.length > 5 && args[5].equals("--digests");
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        MessageDigest md5 = MessageDigest.getInstance("MD5");
        long total = 0;
        InetSocketAddress server = new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
        try (DatagramChannel ch = DatagramChannel.open(); Selector selector = Selector.open();
                FileChannel file = FileChannel.open(out, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                        StandardOpenOption.TRUNCATE_EXISTING)) {
            ch.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            ch.setOption(StandardSocketOptions.SO_RCVBUF, 4 << 20);
            ch.configureBlocking(false);
            ch.register(selector, SelectionKey.OP_READ);
            ch.send(ByteBuffer.wrap(request(name, blksize, window)), server);
            ByteBuffer in = ByteBuffer.allocateDirect(blksize + 4);
            ByteBuffer ack = ByteBuffer.allocateDirect(4);
            long expected = 1;
            int inWindow = 0;
            while (true) {
                in.clear();
                SocketAddress from = ch.isConnected() ? (ch.read(in) > 0 ? server : null) : ch.receive(in);
                if (from == null) {
                    if (selector.select(SILENCE_MILLIS) == 0) {
                        throw new IOException("no datagram for " + SILENCE_MILLIS + " ms after " + total + " bytes");
                    }
                    selector.selectedKeys().clear();
                    continue;
                }
                if (!ch.isConnected()) {
                    ch.connect(from); // the server's transfer port
                }
                in.flip();
                int op = in.getShort(0) & 0xFFFF;
                int block = in.getShort(2) & 0xFFFF;
                if (op == OACK) {
                    send(ch, ack, 0);
                    continue;
                }
                if (op != DATA) {
                    throw new IOException("server sent opcode " + op);
                }
                if (block != (int) (expected & 0xFFFF)) {
                    send(ch, ack, (int) ((expected - 1) & 0xFFFF)); // a gap: resend from the next one
                    inWindow = 0;
                    continue;
                }
                int length = in.limit() - 4;
                if (digests) {
                    sha.update(in.position(4));
                    md5.update(in.position(4));
                }
                in.position(4);
                while (in.hasRemaining()) {
                    file.write(in);
                }
                total += length;
                expected++;
                if (length < blksize || ++inWindow == window) {
                    send(ch, ack, block);
                    inWindow = 0;
                }
                if (length < blksize) {
                    break;
                }
            }
            file.force(true);
        }
        System.out.println(total + " bytes" + (digests ? ", SHA-256 " + HexFormat.of().formatHex(sha.digest())
                + ", MD5 " + HexFormat.of().formatHex(md5.digest()) : ""));
    }

    private static void send(DatagramChannel ch, ByteBuffer ack, int block) throws IOException {
        ack.clear();
        ack.putShort((short) 4).putShort((short) block).flip();
        ch.write(ack);
    }

    private static byte[] request(String name, int blksize, int window) {
        String r = "\0\1" + name + "\0octet\0blksize\0" + blksize + "\0" + (window > 1 ? "windowsize\0" + window + "\0" : "");
        return r.getBytes(StandardCharsets.US_ASCII);
    }
}

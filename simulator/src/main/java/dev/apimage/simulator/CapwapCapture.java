package dev.apimage.simulator;

import dev.apimage.internal.Pcap;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.channel.socket.DatagramPacket;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Records the datagrams a CAPWAP socket receives and sends, as they are on the wire, and writes
 * them as a pcap file for Wireshark or tshark (decode the controller's port as {@code capwap}). For
 * labs and tests: put {@link #handler()} first in the controller's pipeline
 * ({@code CapwapController.Builder.streaming(b -> b.pipelineHook(p -> p.addFirst(capture.handler())))}).
 *
 * <p>It keeps copies in memory, at most the number of datagrams it was made for; later ones are
 * counted, not kept. IPv4 only: datagrams of other families are counted as skipped.
 */
public final class CapwapCapture {

    private final int limit;
    private final Clock clock;
    private final List<Pcap.Datagram> datagrams = new ArrayList<>();
    private long skipped;

    /**
     * A capture that keeps at most {@code limit} datagrams.
     *
     * @param limit at least 1
     */
    public CapwapCapture(int limit) {
        if (limit < 1) {
            throw new IllegalArgumentException("limit must be at least 1: " + limit);
        }
        this.limit = limit;
        this.clock = Clock.systemUTC();
    }

    /**
     * The handler that records; shareable between channels.
     *
     * @return the handler
     */
    public ChannelHandler handler() {
        return new Recorder();
    }

    /**
     * The datagrams recorded so far.
     *
     * @return how many
     */
    public synchronized int size() {
        return datagrams.size();
    }

    /**
     * Datagrams not kept: past the limit, or not IPv4.
     *
     * @return how many
     */
    public synchronized long skipped() {
        return skipped;
    }

    /**
     * Writes what was recorded as a pcap file: to a temporary file beside it, then moved into
     * place, so a reader never sees half a file.
     *
     * @param file the file
     * @throws IOException when it cannot be written
     */
    public void writeTo(Path file) throws IOException {
        byte[] bytes;
        synchronized (this) {
            bytes = Pcap.of(datagrams);
        }
        Path dir = file.toAbsolutePath().getParent();
        Path part = Files.createTempFile(dir, ".capture-", ".part");
        try {
            Files.write(part, bytes);
            Files.move(part, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(part);
        }
    }

    private synchronized void record(InetSocketAddress from, InetSocketAddress to, DatagramPacket p) {
        if (datagrams.size() >= limit || !(from.getAddress() instanceof Inet4Address) || !(to.getAddress() instanceof Inet4Address)) {
            skipped++;
            return;
        }
        Instant now = clock.instant();
        datagrams.add(new Pcap.Datagram(from, to, ByteBufUtil.getBytes(p.content()), now.getEpochSecond() * 1_000_000 + now.getNano() / 1000));
    }

    @ChannelHandler.Sharable
    private final class Recorder extends ChannelDuplexHandler {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof DatagramPacket p) {
                record(p.sender(), (InetSocketAddress) ctx.channel().localAddress(), p);
            }
            ctx.fireChannelRead(msg);
        }

        @Override
        public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
            if (msg instanceof DatagramPacket p) {
                record((InetSocketAddress) ctx.channel().localAddress(), p.recipient(), p);
            }
            ctx.write(msg, promise);
        }
    }
}

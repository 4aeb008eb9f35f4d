package dev.apimage.tftp;

import io.netty.buffer.ByteBuf;
import java.net.InetSocketAddress;

/** Serves one RRQ: OACK (when options were accepted), then windowed DATA from the mapped file. */
final class ServerReadTransfer extends ServerTransfer implements WindowedSender.Out {

    private final MappedFileSource source;
    private final Negotiation negotiation;
    private final WindowedSender sender;
    private boolean sending;

    ServerReadTransfer(TftpServer server, InetSocketAddress peer, String filename, MappedFileSource source,
            Negotiation negotiation, long retransmitNanos) {
        super(server, peer, filename, retransmitNanos);
        this.source = source;
        this.negotiation = negotiation;
        this.sender = new WindowedSender(source, this, source.size(), negotiation.blockSize, negotiation.window);
        sender.resendOnRepeatedAck(Math.max(1_000_000L, retransmitNanos / 100));
    }

    @Override
    void begin() {
        if (negotiation.oack.isEmpty()) {
            sending = true;
            sender.sendWindow();
        } else {
            sendOack(negotiation.oack);
        }
    }

    @Override
    int receiveBufferSize() {
        return 512;
    }

    @Override
    void onPacket(ByteBuf p, long now) {
        if (TftpPackets.opcode(p) != TftpPackets.ACK || p.readableBytes() < 4) {
            return; // RFC 1350: anything else from the peer is ignored here
        }
        int block = TftpPackets.block(p);
        if (!sending) {
            if (block == 0) {
                sending = true;
                progress(now);
                sender.sendWindow();
            }
            return;
        }
        switch (sender.onAck(block)) {
            case PROGRESS -> progress(now);
            case DONE -> end(true, "complete");
            case RESENT, DUPLICATE -> { }
        }
    }

    @Override
    void retransmit() {
        if (sending) {
            sender.onTimeout();
        } else {
            sendOack(negotiation.oack);
        }
    }

    @Override
    void release(boolean success) {
        server.countBytesSent(success ? source.size() : sender.acknowledgedBytes());
        server.countRetransmittedBlocks(sender.retransmittedBlocks());
        source.close();
    }

    @Override
    public ByteBuf buffer(int capacity) {
        return channel.alloc().directBuffer(capacity);
    }

    @Override
    public void send(ByteBuf packet) {
        channel.write(packet, channel.voidPromise());
    }

    @Override
    public void flush() {
        channel.flush();
    }

    @Override
    public int maxSegments(int segmentSize) {
        return UdpTransport.maxSegments(segmentSize);
    }

    @Override
    public void sendSegments(ByteBuf datagrams, int segmentSize) {
        channel.write(UdpTransport.segmented(datagrams, segmentSize, peer), channel.voidPromise());
    }
}

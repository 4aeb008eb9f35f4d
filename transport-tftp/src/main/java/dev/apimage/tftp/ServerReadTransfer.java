package dev.apimage.tftp;

import io.netty.buffer.ByteBuf;
import java.net.InetSocketAddress;

/** Serves one RRQ: OACK (when options were accepted), then windowed DATA read from the file. */
final class ServerReadTransfer extends ServerTransfer implements WindowedSender.Out {

    private final FileBlockSource source;
    private final Negotiation negotiation;
    private final WindowedSender sender;
    private boolean sending;

    ServerReadTransfer(TftpServer server, InetSocketAddress peer, String filename, FileBlockSource source,
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
            try {
                sender.sendWindow(clock.nanoTime());
            } catch (FileBlockSource.SourceChangedException e) {
                sourceFailed(e.getMessage());
            }
        } else {
            sendOack(negotiation.oack);
        }
    }

    /**
     * A file that changed under the sender ends the transfer with an ERROR to the client and one
     * log line, never a stack trace, and frees the slot, port and file.
     */
    @Override
    void sourceFailed(String why) {
        sendError(TftpError.NOT_DEFINED, "File changed during transfer, try again");
        end(false, why);
    }

    @Override
    boolean finalWindowOutstanding() {
        return sending && acknowledged && sender.finalWindowOutstanding();
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
        WindowedSender.AckResult result;
        try {
            if (!sending) {
                if (block == 0) {
                    sending = true;
                    progress(now);
                    sender.sendWindow(now);
                }
                return;
            }
            result = sender.onAck(block, now);
        } catch (FileBlockSource.SourceChangedException e) {
            sourceFailed(e.getMessage());
            return;
        }
        switch (result) {
            case PROGRESS -> progress(now);
            case DONE -> end(true, "complete");
            case RESENT, DUPLICATE -> { }
        }
    }

    @Override
    void retransmit(long now) {
        if (sending) {
            try {
                sender.onTimeout(now);
            } catch (FileBlockSource.SourceChangedException e) {
                sourceFailed(e.getMessage());
            }
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

package dev.apimage.tftp;

import io.netty.buffer.ByteBuf;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.Executor;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Receives one WRQ into a hidden temporary file beside the target, written on the pump's executor
 * (never on the event loop), flushed and renamed over the target only when the last block is
 * stored; the final ACK goes out after the rename. Any failure deletes the temporary file.
 */
final class ServerWriteTransfer extends ServerTransfer implements BlockPump.Consumer {

    private final Path target;
    private final Path temp;
    private final Negotiation negotiation;
    private final WindowedReceiver receiver;
    private final BlockPump pump;
    private FileChannel file;
    private long written;
    private boolean receiving;
    private boolean committed;

    ServerWriteTransfer(TftpServer server, InetSocketAddress peer, String filename, Path target,
            Negotiation negotiation, long retransmitNanos, Executor diskExecutor) throws IOException {
        super(server, peer, filename, retransmitNanos);
        this.target = target;
        this.temp = target.resolveSibling("." + target.getFileName() + "."
                + Long.toHexString(ThreadLocalRandom.current().nextLong()) + ".tftp-part");
        this.negotiation = negotiation;
        this.file = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        this.pump = new BlockPump(TftpClientSession.pumpCapacity(negotiation.blockSize, negotiation.window), diskExecutor, this);
        this.receiver = new WindowedReceiver(negotiation.blockSize, negotiation.window, retransmitNanos,
                this::sendAck, pump::offer);
        receiver.deferFinalAck();
    }

    @Override
    void begin() {
        if (negotiation.oack.isEmpty()) {
            sendAck(0);
        } else {
            sendOack(negotiation.oack);
        }
    }

    private void sendAck(int block) {
        ByteBuf b = channel.alloc().directBuffer(4);
        TftpPackets.writeAck(b, block);
        channel.writeAndFlush(b, channel.voidPromise());
    }

    @Override
    int receiveBufferSize() {
        return Math.max(1024, negotiation.blockSize + 8);
    }

    @Override
    void onPacket(ByteBuf p, long now) {
        if (TftpPackets.opcode(p) != TftpPackets.DATA || p.readableBytes() < 4) {
            return;
        }
        receiving = true;
        long before = receiver.blocks();
        receiver.onData(p, now);
        if (receiver.blocks() != before) {
            progress(now);
        }
    }

    @Override
    void retransmit(long now) {
        if (!receiving) {
            begin();
        } else if (!receiver.done()) {
            receiver.onTimeout(now);
        } else if (committed) {
            end(true, "complete");
        }
    }

    // --- on the disk executor ---

    @Override
    public void block(ByteBuf payload, int index, int length, boolean last) throws IOException {
        if (length > 0) {
            java.nio.ByteBuffer nio = payload.internalNioBuffer(index, length);
            while (nio.hasRemaining()) {
                written += file.write(nio, written);
            }
        }
        if (last) {
            file.force(true);
            file.close();
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            channel.eventLoop().execute(this::committed);
        }
    }

    @Override
    public void failed(Exception e) {
        channel.eventLoop().execute(() -> {
            String m = String.valueOf(e.getMessage());
            boolean full = m.contains("No space left on device");
            sendError(full ? TftpError.DISK_FULL : TftpError.NOT_DEFINED, full ? "Disk full or allocation exceeded"
                    : "write failed");
            end(false, "write failed: " + m);
        });
    }

    @Override
    public void drainedAfterRefusal() {
        channel.eventLoop().execute(() -> {
            if (!ended() && !receiver.done()) {
                receiver.onTimeout(clock.nanoTime());
            }
        });
    }

    private void committed() {
        committed = true;
        server.countBytesReceived(written);
        long now = clock.nanoTime();
        receiver.sendFinalAck(now);
        // Dally one interval for a repeated last DATA (our final ACK lost), then end.
        progress(now);
    }

    @Override
    void release(boolean success) {
        pump.close();
        if (!committed) {
            server.countBytesReceived(written);
            try {
                file.close();
            } catch (IOException e) {
                // closing a file we are about to delete
            }
            try {
                Files.deleteIfExists(temp);
            } catch (IOException e) {
                server.log().warn("cannot delete unfinished upload {}: {}", temp, e.toString());
            }
        }
    }
}

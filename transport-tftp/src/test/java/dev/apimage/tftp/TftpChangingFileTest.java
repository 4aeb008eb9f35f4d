package dev.apimage.tftp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.apimage.testing.CapturedLogs;
import dev.apimage.transfer.BlockSink;
import dev.apimage.transfer.TransferException;
import dev.apimage.transfer.TransferOptions;
import dev.apimage.transfer.TransferSession;
import dev.apimage.transfer.Transports;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A served file that changes under a windowed transfer: the client gets an ERROR, the server frees
 * the transfer's slot, port and mapping at once and logs one line, and the restored file is then
 * served whole.
 */
class TftpChangingFileTest {

    @TempDir
    Path dir;

    private TftpServer server;
    private InetSocketAddress address;
    private Path root;

    @BeforeEach
    void start() throws Exception {
        root = dir.resolve("root");
        Files.createDirectories(root);
        server = TftpServer.builder().root(root).port(0).build();
        address = server.start();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    /** What happens to the file once a megabyte has arrived. */
    enum Change {
        TRUNCATE {
            @Override
            void apply(Path f) throws IOException {
                try (FileChannel ch = FileChannel.open(f, StandardOpenOption.WRITE)) {
                    ch.truncate(100_000);
                }
            }
        },
        REWRITE_IN_PLACE {
            @Override
            void apply(Path f) throws IOException {
                // Same inode, same size, other bytes: what "dd conv=notrunc" or an editor saving in place does.
                try (FileChannel ch = FileChannel.open(f, StandardOpenOption.WRITE)) {
                    ByteBuffer junk = ByteBuffer.allocate(64 * 1024);
                    for (long pos = 0; pos < ch.size(); pos += junk.capacity()) {
                        junk.clear();
                        ch.write(junk, pos);
                    }
                }
            }
        },
        DELETE {
            @Override
            void apply(Path f) throws IOException {
                Files.delete(f);
            }
        };

        abstract void apply(Path f) throws IOException;
    }

    @ParameterizedTest
    @EnumSource(Change.class)
    void aFileThatChangesMidTransferEndsItWithAnErrorAndFreesEverything(Change change) throws Exception {
        Path f = TftpFixtures.file(root, "EWC/ap1g8", 4 << 20);
        byte[] original = Files.readAllBytes(f);
        CapturedLogs.clear();
        TransferOptions o = TransferOptions.builder().set(TftpOptions.BLOCK_SIZE, 1468).set(TftpOptions.WINDOW_SIZE, 4).build();
        boolean[] changed = {false};
        BlockSink sink = (block, offset) -> {
            if (!changed[0] && offset >= 1 << 20) {
                changed[0] = true;
                change.apply(f);
            }
        };
        try (TransferSession s = Transports.open(TftpFixtures.uri(address, "/EWC/ap1g8"), o)) {
            ExecutionException e = assertThrows(ExecutionException.class, () -> s.start(sink).get(30, TimeUnit.SECONDS));
            TransferException te = (TransferException) e.getCause();
            assertTrue(te.getMessage().contains("File changed during transfer"), "the client heard why: " + te.getMessage());
        }
        assertTrue(changed[0]);
        assertTrue(server.awaitIdle(java.time.Duration.ofSeconds(5)), () -> server.stats().toString());
        TftpServer.Stats stats = server.stats();
        assertEquals(0, stats.active(), "slot and port free: " + stats);
        assertEquals(1, stats.failed(), stats.toString());
        assertEquals(1, CapturedLogs.containing("filename /EWC/ap1g8 ended: file ").size(), CapturedLogs.lines().toString());
        assertFalse(CapturedLogs.lines().stream().anyMatch(l -> l.contains("Exception") || l.contains("InternalError")),
                "no stack trace: " + CapturedLogs.containing("xception"));

        Files.write(f, original);
        Path got = TftpFixtures.download(TftpFixtures.uri(address, "/EWC/ap1g8"), o, dir.resolve("ap"), "ap1g8");
        assertTrue(TftpFixtures.sameContent(f, got), "the restored file is served whole");
    }
}

package dev.apimage.tftp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.channel.EventLoopGroup;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The test run's BlockHound is live and sees file-system calls: a stat on an event loop fails the
 * code that made it, while the SDK's disk workers may block; and a blocking call whose error the
 * code swallows still fails the test it happened in ({@code BlockingCallGate}).
 */
class BlockingCallsAreCaughtTest {

    @TempDir
    Path dir;

    @Test
    void aFileSystemCallOnAnEventLoopFailsAndOnADiskWorkerDoesNot() throws Exception {
        Path f = Files.writeString(dir.resolve("f"), "x");
        EventLoopGroup loop = UdpTransport.group(1, "blocking-check");
        ExecutorService disk = dev.apimage.internal.DaemonThreads.workerPool("disk-check", 1);
        try {
            ExecutionException e = assertThrows(ExecutionException.class, () -> loop.submit(() -> Files.size(f)).get(10, TimeUnit.SECONDS));
            assertTrue(e.getCause().getClass().getName().equals("reactor.blockhound.BlockingOperationError"), e.getCause().toString());
            assertTrue(e.getCause().getMessage().contains("UnixNativeDispatcher"), e.getCause().getMessage());
            // Recorded too, for the gate that fails a test in which this happens unseen; taken here, as it was meant.
            java.util.List<String> caught = dev.apimage.testing.FileSystemBlockHound.drain();
            assertEquals(1, caught.size(), caught.toString());
            assertTrue(caught.get(0).contains("blocking-check"), caught.toString());
            assertEquals(1L, disk.submit(() -> Files.size(f)).get(10, TimeUnit.SECONDS));
        } finally {
            loop.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
            disk.shutdown();
        }
    }

    @Test
    void aBlockingCallWhoseErrorIsSwallowedStillFailsTheTest() throws Exception {
        Path f = Files.writeString(dir.resolve("f"), "x");
        EventLoopGroup loop = UdpTransport.group(1, "swallowing");
        try {
            // Code that catches everything, as a careless handler would: BlockHound's error goes nowhere.
            loop.submit(() -> {
                try {
                    Files.size(f);
                } catch (Throwable swallowed) {
                    // nothing
                }
            }).get(10, TimeUnit.SECONDS);
            AssertionError e = assertThrows(AssertionError.class, () -> dev.apimage.testing.BlockingCallGate.check("the swallowing task"));
            assertTrue(e.getMessage().contains("UnixNativeDispatcher") && e.getMessage().contains("swallowing"), e.getMessage());
            dev.apimage.testing.BlockingCallGate.check("nothing more"); // taken once: the test itself passes
        } finally {
            loop.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }
}

package dev.apimage.testing;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import reactor.blockhound.BlockHound;
import reactor.blockhound.BlockingOperationError;
import reactor.blockhound.integration.BlockHoundIntegration;

/**
 * Makes BlockHound, which the test run installs, also see file-system calls as blocking: out of
 * the box it knows sockets, {@code java.io} streams, sleeps and parks, but not NIO's open, stat,
 * map, fsync or directory calls, which are the ones a protocol engine on an event loop is tempted
 * to make (a path check, a free-space query, an fsync of a staging file).
 *
 * <p>Two reads stay allowed on event loops by design, each a positional read or stat of a file
 * that is already open and whose pages the server expects in the page cache (the alternative, a
 * hand-off to a disk thread per block, costs more than it saves): the TFTP server's per-block
 * {@code pread} and its periodic check that the served file is unchanged, and the CAPWAP
 * streamer's per-block {@code pread} and its periodic check of the image file.
 *
 * <p>Every blocking call it catches is also recorded, and {@link BlockingCallGate} fails the test
 * during which it happened: the error BlockHound throws on an event loop may end in a handler's
 * {@code exceptionCaught} or a future nobody reads, and must not pass unseen.
 */
public final class FileSystemBlockHound implements BlockHoundIntegration {

    private static final ConcurrentLinkedQueue<String> CAUGHT = new ConcurrentLinkedQueue<>();

    /**
     * The blocking calls caught since the last call, and forgets them.
     *
     * @return each as the method and the thread it blocked
     */
    public static List<String> drain() {
        List<String> all = new ArrayList<>();
        for (String s = CAUGHT.poll(); s != null; s = CAUGHT.poll()) {
            all.add(s);
        }
        return all;
    }

    private static final String FS = "sun.nio.fs.UnixNativeDispatcher";
    private static final String ATTRS = "Lsun/nio/fs/UnixFileAttributes;";
    private static final String DISPATCH = "sun.nio.ch.FileDispatcherImpl";
    private static final String FD = "Ljava/io/FileDescriptor;";

    @Override
    public void applyTo(BlockHound.Builder builder) {
        builder.blockingMethodCallback(method -> {
            CAUGHT.add(method + " on " + Thread.currentThread().getName());
            throw new BlockingOperationError(method);
        });
        builder.markAsBlocking(FS, "open0", "(JII)I");
        builder.markAsBlocking(FS, "openat0", "(IJII)I");
        builder.markAsBlocking(FS, "stat0", "(J" + ATTRS + ")V");
        builder.markAsBlocking(FS, "lstat0", "(J" + ATTRS + ")V");
        builder.markAsBlocking(FS, "fstatat0", "(IJI" + ATTRS + ")V");
        builder.markAsBlocking(FS, "realpath0", "(J)[B");
        builder.markAsBlocking(FS, "readlink0", "(J)[B");
        builder.markAsBlocking(FS, "opendir0", "(J)J");
        builder.markAsBlocking(FS, "statvfs0", "(JLsun/nio/fs/UnixFileStoreAttributes;)V");
        builder.markAsBlocking(FS, "mkdir0", "(JI)V");
        builder.markAsBlocking(FS, "unlink0", "(J)V");
        builder.markAsBlocking(FS, "rename0", "(JJ)V");
        builder.markAsBlocking(FS, "renameat0", "(IJIJ)V");
        builder.markAsBlocking(FS, "access0", "(JI)V");
        builder.markAsBlocking("sun.nio.ch.FileChannelImpl", "map0", "(IJJZ)J");
        builder.markAsBlocking(DISPATCH, "force0", "(" + FD + "Z)I");
        builder.markAsBlocking(DISPATCH, "read0", "(" + FD + "JI)I");
        builder.markAsBlocking(DISPATCH, "pread0", "(" + FD + "JIJ)I");
        builder.markAsBlocking(DISPATCH, "write0", "(" + FD + "JI)I");
        builder.markAsBlocking(DISPATCH, "pwrite0", "(" + FD + "JIJ)I");
        builder.markAsBlocking(DISPATCH, "truncate0", "(" + FD + "J)I");

        builder.allowBlockingCallsInside("dev.apimage.tftp.FileBlockSource", "read");
        builder.allowBlockingCallsInside("dev.apimage.tftp.FileBlockSource", "check");
        builder.allowBlockingCallsInside("dev.apimage.capwap.wire.CapwapMessageWriter", "imageData");
        builder.allowBlockingCallsInside("dev.apimage.capwap.internal.OpenImageFile", "changed");
        // Netty's adaptive allocator takes a brief lock when it grows its magazines, on whichever
        // loop allocates then; Netty's own integration allows the same for its pooled arenas.
        builder.allowBlockingCallsInside("io.netty.buffer.AdaptivePoolingAllocator$MagazineGroup", "tryExpandMagazines");
        builder.allowBlockingCallsInside("io.netty.buffer.AdaptivePoolingAllocator$Magazine", "free");
        // Netty loads its native transport and reads /proc and /etc settings once, on whichever thread comes first.
        builder.allowBlockingCallsInside("io.netty.util.internal.NativeLibraryLoader", "load");
        builder.allowBlockingCallsInside("io.netty.util.NetUtil", "<clinit>");
        // Logging writes to the test's captured stream; a real deployment's appender is its own business.
        builder.allowBlockingCallsInside("dev.apimage.testing.CapturingLoggerProvider$CapturingLogger", "handleNormalizedLoggingCall");
    }
}

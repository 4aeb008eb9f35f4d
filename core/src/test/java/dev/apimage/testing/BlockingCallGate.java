package dev.apimage.testing;

import java.util.List;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Fails a test during which BlockHound caught a blocking call on a non-blocking thread, wherever
 * the error it threw went (a handler, a future nobody read). Registered for every test of the
 * build by extension auto-detection; a test that provokes a blocking call on purpose takes it
 * with {@link FileSystemBlockHound#drain()}.
 */
public final class BlockingCallGate implements AfterEachCallback {

    @Override
    public void afterEach(ExtensionContext context) {
        check(context.getDisplayName());
    }

    /**
     * Fails when blocking calls were caught since the last check, and forgets them.
     *
     * @param during what ran meanwhile, for the message
     * @throws AssertionError naming each call and its thread
     */
    public static void check(String during) {
        List<String> caught = FileSystemBlockHound.drain();
        if (!caught.isEmpty()) {
            throw new AssertionError("blocking calls on non-blocking threads during " + during + ": " + caught);
        }
    }
}

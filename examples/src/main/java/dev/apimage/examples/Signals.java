package dev.apimage.examples;

/** SIGINT and SIGTERM as an event, so a serving command can close cleanly and exit with 0. */
final class Signals {

    private Signals() {
    }

    @SuppressWarnings("restriction")
    static void onTermination(Runnable action) {
        for (String name : new String[] {"INT", "TERM"}) {
            try {
                sun.misc.Signal.handle(new sun.misc.Signal(name), s -> action.run());
            } catch (IllegalArgumentException | UnsupportedOperationException | LinkageError e) {
                // Not available on this platform: the shutdown hook below still closes the server.
                Runtime.getRuntime().addShutdownHook(new Thread(action));
            }
        }
    }

    /**
     * Runs an action on a signal such as USR1, where the platform has it; nothing otherwise.
     *
     * @param name the signal's name without SIG
     * @param action what to do, on the signal's thread
     */
    @SuppressWarnings("restriction")
    static void on(String name, Runnable action) {
        try {
            sun.misc.Signal.handle(new sun.misc.Signal(name), s -> action.run());
        } catch (IllegalArgumentException | UnsupportedOperationException | LinkageError e) {
            // not available here: the stdin command 'show' does the same
        }
    }
}

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
}

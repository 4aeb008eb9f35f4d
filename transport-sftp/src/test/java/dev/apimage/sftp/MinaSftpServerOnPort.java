package dev.apimage.sftp;

import java.io.IOException;
import java.nio.file.Path;

/** A MINA server bound to a given port (to present a new host key at an old address). */
final class MinaSftpServerOnPort {

    private final MinaSftpServer server;

    MinaSftpServerOnPort(Path root, Path hostKey, String authorizedKey, int port) throws IOException {
        this.server = MinaSftpServer.onPort(root, hostKey, authorizedKey, port);
    }

    MinaSftpServer server() {
        return server;
    }
}

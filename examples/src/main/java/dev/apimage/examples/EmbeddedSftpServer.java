package dev.apimage.examples;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.util.List;
import org.apache.sshd.common.config.keys.PublicKeyEntry;
import org.apache.sshd.common.file.virtualfs.VirtualFileSystemFactory;
import org.apache.sshd.server.SshServer;
import org.apache.sshd.server.keyprovider.SimpleGeneratorHostKeyProvider;
import org.apache.sshd.sftp.server.SftpSubsystemFactory;

/**
 * The demo's SFTP image server: Apache MINA SSHD on a free loopback port, a virtual root (the
 * chroot of the field's OpenSSH setup), one password user, a host key generated for the run.
 */
final class EmbeddedSftpServer implements AutoCloseable {

    private final SshServer server;

    EmbeddedSftpServer(Path root, Path hostKeyFile, String user, char[] password) throws IOException {
        server = SshServer.setUpDefaultServer();
        server.setHost("127.0.0.1");
        server.setPort(0);
        server.setKeyPairProvider(new SimpleGeneratorHostKeyProvider(hostKeyFile));
        String secret = new String(password);
        server.setPasswordAuthenticator((u, p, s) -> user.equals(u) && secret.equals(p));
        server.setFileSystemFactory(new VirtualFileSystemFactory(root));
        server.setSubsystemFactories(List.of(new SftpSubsystemFactory()));
        server.start();
    }

    int port() {
        return ((InetSocketAddress) server.getBoundAddresses().iterator().next()).getPort();
    }

    /** The known_hosts line for this server, so the client verifies its host key. */
    String knownHostsLine() throws IOException {
        try {
            KeyPair kp = server.getKeyPairProvider().loadKeys(null).iterator().next();
            return "[127.0.0.1]:" + port() + " " + PublicKeyEntry.toString(kp.getPublic());
        } catch (GeneralSecurityException e) {
            throw new IOException(e);
        }
    }

    @Override
    public void close() throws IOException {
        server.stop(true);
    }
}

package dev.apimage.sftp;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.Files;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileAttribute;
import java.security.KeyPair;
import java.security.PublicKey;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.sshd.common.config.keys.AuthorizedKeyEntry;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.config.keys.PublicKeyEntry;
import org.apache.sshd.common.config.keys.PublicKeyEntryResolver;
import org.apache.sshd.common.session.Session;
import org.apache.sshd.common.session.SessionListener;
import org.apache.sshd.server.SshServer;
import org.apache.sshd.server.keyprovider.SimpleGeneratorHostKeyProvider;
import org.apache.sshd.common.file.virtualfs.VirtualFileSystemFactory;
import org.apache.sshd.sftp.server.FileHandle;
import org.apache.sshd.sftp.server.SftpFileSystemAccessor;
import org.apache.sshd.sftp.server.SftpSubsystemFactory;
import org.apache.sshd.sftp.server.SftpSubsystemProxy;

/**
 * Apache MINA SSHD as an embedded SFTP server on a free loopback port: a virtual root (the
 * chroot of the field document), a password user and a public-key user, and a switch that freezes
 * the SFTP subsystem (reads block) while SSH keeps answering.
 */
public final class MinaSftpServer implements AutoCloseable {

    /** The password user. */
    public static final String USER = "calo";
    /** Its password. */
    public static final String PASSWORD = "Cisco-123!secret";
    /** The public-key user. */
    public static final String KEY_USER = "emorenoa";

    final SshServer server;
    final Path root;
    final AtomicInteger sessionsOpened = new AtomicInteger();
    volatile long freezeAfterBytes = Long.MAX_VALUE;
    final CountDownLatch thaw = new CountDownLatch(1);

    /**
     * Starts a server on a free loopback port.
     *
     * @param root the virtual root
     * @param hostKeyFile where the generated host key is kept
     * @param authorizedKey the public-key user's key (authorized_keys line), or null
     * @throws IOException when the server cannot start
     */
    public MinaSftpServer(Path root, Path hostKeyFile, String authorizedKey) throws IOException {
        this(root, hostKeyFile, authorizedKey, 0);
    }

    static MinaSftpServer onPort(Path root, Path hostKeyFile, String authorizedKey, int port) throws IOException {
        return new MinaSftpServer(root, hostKeyFile, authorizedKey, port);
    }

    private MinaSftpServer(Path root, Path hostKeyFile, String authorizedKey, int port) throws IOException {
        this.root = root;
        server = SshServer.setUpDefaultServer();
        server.setHost("127.0.0.1");
        server.setPort(port);
        server.setKeyPairProvider(new SimpleGeneratorHostKeyProvider(hostKeyFile));
        server.setPasswordAuthenticator((u, p, s) -> USER.equals(u) && PASSWORD.equals(p));
        PublicKey allowed = authorizedKey == null ? null : parse(authorizedKey);
        server.setPublickeyAuthenticator((u, k, s) -> KEY_USER.equals(u) && allowed != null && KeyUtils.compareKeys(allowed, k));
        server.setFileSystemFactory(new VirtualFileSystemFactory(root));
        SftpFileSystemAccessor freezing = new SftpFileSystemAccessor() {
            @Override
            public SeekableByteChannel openFile(SftpSubsystemProxy subsystem, FileHandle fileHandle, Path file, String handle,
                    Set<? extends OpenOption> options, FileAttribute<?>... attrs) throws IOException {
                return new Freezable(Files.newByteChannel(file, options, attrs));
            }
        };
        server.setSubsystemFactories(List.of(new SftpSubsystemFactory.Builder().withFileSystemAccessor(freezing).build()));
        server.addSessionListener(new SessionListener() {
            @Override
            public void sessionCreated(Session session) {
                sessionsOpened.incrementAndGet();
            }
        });
        server.start();
    }

    private static PublicKey parse(String line) throws IOException {
        try {
            return AuthorizedKeyEntry.parseAuthorizedKeyEntry(line).resolvePublicKey(null, PublicKeyEntryResolver.IGNORING);
        } catch (java.security.GeneralSecurityException e) {
            throw new IOException(e);
        }
    }

    /**
     * The bound port.
     *
     * @return the port
     */
    public int port() {
        return ((InetSocketAddress) server.getBoundAddresses().iterator().next()).getPort();
    }

    /**
     * The known_hosts line for this server.
     *
     * @return the line
     * @throws IOException when the host key cannot be read
     */
    public String knownHostsLine() throws IOException {
        try {
            KeyPair kp = server.getKeyPairProvider().loadKeys(null).iterator().next();
            return "[127.0.0.1]:" + port() + " " + PublicKeyEntry.toString(kp.getPublic());
        } catch (java.security.GeneralSecurityException e) {
            throw new IOException(e);
        }
    }

    /** Reads past {@code bytes} (counted over all files) block until {@link #thaw}. */
    void freezeAfter(long bytes) {
        freezeAfterBytes = bytes;
    }

    private final AtomicInteger served = new AtomicInteger();

    private final class Freezable implements SeekableByteChannel {
        private final SeekableByteChannel in;

        Freezable(SeekableByteChannel in) {
            this.in = in;
        }

        @Override
        public int read(ByteBuffer dst) throws IOException {
            if (served.get() >= freezeAfterBytes) {
                try {
                    thaw.await(60, TimeUnit.SECONDS); // the SFTP subsystem stops answering
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            int n = in.read(dst);
            if (n > 0) {
                served.addAndGet(n);
            }
            return n;
        }

        @Override
        public int write(ByteBuffer src) throws IOException {
            return in.write(src);
        }

        @Override
        public long position() throws IOException {
            return in.position();
        }

        @Override
        public SeekableByteChannel position(long p) throws IOException {
            in.position(p);
            return this;
        }

        @Override
        public long size() throws IOException {
            return in.size();
        }

        @Override
        public SeekableByteChannel truncate(long size) throws IOException {
            in.truncate(size);
            return this;
        }

        @Override
        public boolean isOpen() {
            return in.isOpen();
        }

        @Override
        public void close() throws IOException {
            in.close();
        }
    }

    @Override
    public void close() throws IOException {
        thaw.countDown();
        server.stop(true);
    }
}

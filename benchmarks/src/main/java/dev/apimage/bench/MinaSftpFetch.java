package dev.apimage.bench;

import dev.apimage.staging.CommittedImage;
import dev.apimage.staging.ExpectedImage;
import dev.apimage.staging.StagedImage;
import dev.apimage.staging.StagingArea;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import org.apache.sshd.client.SshClient;
import org.apache.sshd.client.keyverifier.KnownHostsServerKeyVerifier;
import org.apache.sshd.client.keyverifier.RejectAllServerKeyVerifier;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.keyprovider.FileKeyPairProvider;
import org.apache.sshd.sftp.client.SftpClient;
import org.apache.sshd.sftp.client.SftpClientFactory;

/**
 * One SFTP download with Apache MINA SSHD's client instead of JSch, doing what {@code apimage
 * fetch} does with the bytes: a staged image (digests on the digest workers, file written, commit).
 * The harness runs it as a whole process beside {@code apimage fetch} and OpenSSH's {@code sftp};
 * {@link SftpLoopbackBench} calls {@link #fetch} in its warm JVM beside our provider.
 *
 * <pre>java -cp benchmarks.jar dev.apimage.bench.MinaSftpFetch PORT IDENTITY KNOWN_HOSTS REMOTE_PATH OUT_FILE</pre>
 */
public final class MinaSftpFetch {

    private MinaSftpFetch() {
    }

    public static void main(String[] args) throws Exception {
        CommittedImage c = fetch(Integer.parseInt(args[0]), Path.of(args[1]), Path.of(args[2]), args[3], Path.of(args[4]));
        System.out.println("SHA-256    : " + c.digests().sha256());
    }

    /**
     * Downloads {@code remote} from 127.0.0.1 as root into a staged image at {@code out}, committed
     * with its digests; a client of its own each call (a fresh SSH session, as a new process has).
     *
     * @param port the server's port
     * @param identity the private key
     * @param knownHosts the server's host key, checked
     * @param remote the path on the server
     * @param out where the committed image lands
     * @return the committed image
     * @throws Exception when the download fails
     */
    static CommittedImage fetch(int port, Path identity, Path knownHosts, String remote, Path out) throws Exception {
        out = out.toAbsolutePath();
        SshClient client = SshClient.setUpDefaultClient();
        client.setServerKeyVerifier(new KnownHostsServerKeyVerifier(RejectAllServerKeyVerifier.INSTANCE, knownHosts));
        client.start();
        try (ClientSession session = client.connect("root", "127.0.0.1", port).verify(Duration.ofSeconds(30)).getSession()) {
            for (KeyPair k : new FileKeyPairProvider(identity).loadKeys(session)) {
                session.addPublicKeyIdentity(k);
            }
            session.auth().verify(Duration.ofSeconds(30));
            try (SftpClient sftp = SftpClientFactory.instance().createSftpClient(session);
                    StagedImage staged = StagingArea.open(out.getParent()).begin(out.getFileName().toString(), -1);
                    InputStream in = sftp.read(remote, 256 << 10)) {
                byte[] buf = new byte[256 << 10];
                long offset = 0;
                for (int n = in.read(buf); n >= 0; n = in.read(buf)) {
                    staged.write(ByteBuffer.wrap(buf, 0, n), offset);
                    offset += n;
                }
                return staged.commit(ExpectedImage.ofSize(offset));
            }
        } finally {
            client.stop();
        }
    }
}

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
 * The harness runs it as a whole process beside {@code apimage fetch} and OpenSSH's {@code sftp}.
 *
 * <pre>java -cp benchmarks.jar dev.apimage.bench.MinaSftpFetch PORT IDENTITY KNOWN_HOSTS REMOTE_PATH OUT_FILE</pre>
 */
public final class MinaSftpFetch {

    private MinaSftpFetch() {
    }

    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[0]);
        Path identity = Path.of(args[1]);
        Path knownHosts = Path.of(args[2]);
        String remote = args[3];
        Path out = Path.of(args[4]).toAbsolutePath();
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
                CommittedImage c = staged.commit(ExpectedImage.ofSize(offset));
                System.out.println("SHA-256    : " + c.digests().sha256());
            }
        } finally {
            client.stop();
        }
    }
}

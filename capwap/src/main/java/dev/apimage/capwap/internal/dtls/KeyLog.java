package dev.apimage.capwap.internal.dtls;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HexFormat;
import org.bouncycastle.tls.SecurityParameters;
import org.bouncycastle.tls.TlsContext;
import org.bouncycastle.tls.crypto.TlsEncryptor;
import org.bouncycastle.tls.crypto.TlsSecret;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The NSS key log format ({@code CLIENT_RANDOM <client random> <master secret>}, one line per
 * session), which Wireshark reads to decrypt DTLS 1.2. Written only when the settings ask for it.
 */
final class KeyLog {

    private static final Logger LOG = LoggerFactory.getLogger(KeyLog.class);
    static final KeyLog OFF = new KeyLog(null);

    private final Path file;

    KeyLog(Path file) {
        this.file = file;
    }

    /** Only its owner may read it: it holds the sessions' secrets. */
    private static void create(Path file) throws IOException {
        try {
            Files.createFile(file, java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                    java.nio.file.attribute.PosixFilePermissions.fromString("rw-------")));
        } catch (UnsupportedOperationException e) {
            Files.createFile(file);
        } catch (java.nio.file.FileAlreadyExistsException e) {
            // another session's line came first
        }
    }

    void write(TlsContext context) {
        if (file == null) {
            return;
        }
        SecurityParameters p = context.getSecurityParametersConnection();
        TlsSecret master = p.getMasterSecret();
        if (master == null) {
            return;
        }
        try {
            // A copy through an "encryptor" that encrypts nothing: extract() would destroy the session's secret.
            byte[] secret = master.encrypt(new TlsEncryptor() {
                @Override
                public byte[] encrypt(byte[] input, int off, int len) {
                    return java.util.Arrays.copyOfRange(input, off, off + len);
                }
            });
            String line = "CLIENT_RANDOM " + HexFormat.of().formatHex(p.getClientRandom()) + " " + HexFormat.of().formatHex(secret) + "\n";
            java.util.Arrays.fill(secret, (byte) 0);
            synchronized (KeyLog.class) {
                if (!Files.exists(file)) {
                    create(file);
                }
                Files.writeString(file, line, StandardCharsets.US_ASCII, StandardOpenOption.APPEND);
            }
        } catch (IOException e) {
            LOG.warn("cannot write the DTLS key log {}: {}", file.getFileName(), e.getMessage());
        }
    }
}

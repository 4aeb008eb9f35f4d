package dev.apimage.capwap.internal.dtls;

import io.netty.buffer.ByteBuf;
import java.security.GeneralSecurityException;
import javax.crypto.Cipher;
import javax.crypto.ShortBufferException;
import javax.crypto.spec.SecretKeySpec;
import org.bouncycastle.crypto.modes.gcm.Tables4kGCMMultiplier;
import org.bouncycastle.tls.CipherSuite;
import org.bouncycastle.tls.TlsContext;

/**
 * The record layer of an established DTLS 1.2 session with an AES-128-GCM suite (RFC 6347 4.1,
 * RFC 5288), without an allocation per record: the block cipher is the JDK's AES (in ECB mode,
 * keyed once, so the CPU's AES instructions do the work) turned into GCM here, with Bouncy
 * Castle's table-driven GHASH multiplier; every buffer is the session's own. Bouncy Castle's record
 * layer, which allocates several arrays per record, keeps the handshake, its retransmissions, and
 * the sessions of other suites.
 *
 * <p>Records this layer writes carry sequence numbers from 2^40 up in the session's epoch, far above
 * any Bouncy Castle wrote in it, so that no GCM nonce is ever used twice with a key. Records it
 * reads pass a 64-record replay window (RFC 6347, 4.1.2.6) after their tag is verified. Not
 * thread-safe: one session, one event loop.
 */
final class GcmRecords {

    static final short APPLICATION_DATA = 23;
    static final short ALERT = 21;
    private static final int HEADER = 13;
    private static final int EXPLICIT_NONCE = 8;
    private static final int TAG = 16;
    /** The most plaintext one record carries here; larger records go through Bouncy Castle. */
    static final int MAX_PLAINTEXT = 2048;

    private final int epoch;
    private final Cipher writeAes;
    private final Cipher readAes;
    private final Tables4kGCMMultiplier writeH = new Tables4kGCMMultiplier();
    private final Tables4kGCMMultiplier readH = new Tables4kGCMMultiplier();
    private final byte[] writeSalt;
    private final byte[] readSalt;
    private long writeSeq = 1L << 40;
    private long readMax = -1;
    private long readWindow;

    /** Scratch of the thread sealing or opening, shared by its sessions: a record is done before the next starts. */
    private static final class Scratch {
        final byte[] counters = new byte[MAX_PLAINTEXT + 32];
        final byte[] stream = new byte[MAX_PLAINTEXT + 32];
        final byte[] text = new byte[MAX_PLAINTEXT + 32];
    }

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    private byte[] counters;
    private byte[] stream;
    private byte[] text;
    private final byte[] ghash = new byte[16];
    private final byte[] block = new byte[16];

    private GcmRecords(int epoch, byte[] writeKey, byte[] writeSalt, byte[] readKey, byte[] readSalt) throws GeneralSecurityException {
        this.epoch = epoch;
        this.writeAes = aes(writeKey);
        this.readAes = aes(readKey);
        this.writeSalt = writeSalt;
        this.readSalt = readSalt;
        writeH.init(hashKey(writeAes));
        readH.init(hashKey(readAes));
    }

    /**
     * The record layer for a session just established, or null when its suite is not AES-128-GCM.
     *
     * @param context the session (its master secret still alive)
     * @param server whether this side is the server
     */
    static GcmRecords of(TlsContext context, boolean server) {
        int suite = context.getSecurityParametersConnection().getCipherSuite();
        if (!isAes128Gcm(suite)) {
            return null;
        }
        // RFC 5246 6.3: client and server write keys (16 each), then their implicit nonce parts (4 each).
        org.bouncycastle.tls.SecurityParameters sp = context.getSecurityParametersConnection();
        byte[] seed = org.bouncycastle.util.Arrays.concatenate(sp.getServerRandom(), sp.getClientRandom());
        byte[] kb = sp.getMasterSecret().deriveUsingPRF(sp.getPRFAlgorithm(), org.bouncycastle.tls.ExporterLabel.key_expansion, seed, 40)
                .extract();
        byte[] clientKey = java.util.Arrays.copyOfRange(kb, 0, 16);
        byte[] serverKey = java.util.Arrays.copyOfRange(kb, 16, 32);
        byte[] clientSalt = java.util.Arrays.copyOfRange(kb, 32, 36);
        byte[] serverSalt = java.util.Arrays.copyOfRange(kb, 36, 40);
        java.util.Arrays.fill(kb, (byte) 0);
        try {
            return server ? new GcmRecords(1, serverKey, serverSalt, clientKey, clientSalt)
                    : new GcmRecords(1, clientKey, clientSalt, serverKey, serverSalt);
        } catch (GeneralSecurityException e) {
            return null; // no AES in this JDK: Bouncy Castle's record layer carries the session
        } finally {
            java.util.Arrays.fill(clientKey, (byte) 0);
            java.util.Arrays.fill(serverKey, (byte) 0);
        }
    }

    static boolean isAes128Gcm(int suite) {
        return suite == CipherSuite.TLS_ECDHE_PSK_WITH_AES_128_GCM_SHA256 || suite == CipherSuite.TLS_DHE_PSK_WITH_AES_128_GCM_SHA256
                || suite == CipherSuite.TLS_PSK_WITH_AES_128_GCM_SHA256 || suite == CipherSuite.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256
                || suite == CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 || suite == CipherSuite.TLS_DHE_RSA_WITH_AES_128_GCM_SHA256;
    }

    /** For tests: a layer from raw keys. */
    static GcmRecords ofKeys(int epoch, byte[] writeKey, byte[] writeSalt, byte[] readKey, byte[] readSalt) throws GeneralSecurityException {
        return new GcmRecords(epoch, writeKey, writeSalt, readKey, readSalt);
    }

    private static Cipher aes(byte[] key) throws GeneralSecurityException {
        Cipher c = Cipher.getInstance("AES/ECB/NoPadding");
        c.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key, "AES"));
        return c;
    }

    private static byte[] hashKey(Cipher aes) throws GeneralSecurityException {
        return aes.doFinal(new byte[16]); // H = E(K, 0^128)
    }

    /**
     * Whether a record (after the CAPWAP DTLS header) is one this layer reads: this session's
     * epoch, application data or an alert.
     */
    boolean reads(ByteBuf record) {
        if (record.readableBytes() < HEADER + EXPLICIT_NONCE + TAG) {
            return false;
        }
        int at = record.readerIndex();
        short type = record.getUnsignedByte(at);
        return (type == APPLICATION_DATA || type == ALERT) && record.getUnsignedShort(at + 3) == epoch;
    }

    /**
     * Writes one record: the CAPWAP DTLS header, the DTLS record header, the explicit nonce, the
     * ciphertext and the tag.
     *
     * @param type the content type
     * @param plaintext the bytes to seal, from its reader index; not consumed
     * @param out where the datagram goes, with room for {@code plaintext + 45} bytes
     * @return false when the plaintext is too large for this layer
     */
    boolean seal(short type, ByteBuf plaintext, ByteBuf out) {
        int n = plaintext.readableBytes();
        if (n > MAX_PLAINTEXT) {
            return false;
        }
        bind();
        plaintext.getBytes(plaintext.readerIndex(), text, 0, n);
        return seal(type, text, n, out);
    }

    boolean seal(short type, byte[] plain, int n, ByteBuf out) {
        if (n > MAX_PLAINTEXT) {
            return false;
        }
        bind();
        long seq = encrypt(type, plain, n);
        out.writeInt(0x01000000); // CAPWAP DTLS header (RFC 5415, 4.2)
        out.writeByte(type);
        out.writeShort(0xFEFD); // DTLS 1.2
        out.writeShort(epoch);
        out.writeShort((int) (seq >>> 32));
        out.writeInt((int) seq);
        out.writeShort(EXPLICIT_NONCE + n + TAG);
        out.writeLong(((long) epoch << 48) | seq);
        out.writeBytes(text, 0, n);
        for (int i = 0; i < TAG; i++) {
            out.writeByte(ghash[i] ^ stream[i]);
        }
        return true;
    }

    /** Room a buffer needs before its plaintext for {@link #sealInPlace}: the CAPWAP DTLS and record headers and the explicit nonce. */
    static final int HEADROOM = 4 + HEADER + EXPLICIT_NONCE;
    /** Room it needs after: the tag. */
    static final int TAILROOM = TAG;

    /**
     * Seals the buffer's readable bytes where they are: the headers go into the room before them,
     * the tag after them, and the buffer then holds the whole datagram. No buffer is taken.
     *
     * @param type the content type
     * @param b the plaintext, with {@link #HEADROOM} before its reader index and {@link #TAILROOM} writable
     * @return false (and the buffer untouched) when there is not the room, or the plaintext is too large
     */
    boolean sealInPlace(short type, ByteBuf b) {
        int n = b.readableBytes();
        int at = b.readerIndex();
        if (n > MAX_PLAINTEXT || at < HEADROOM || b.writableBytes() < TAILROOM) {
            return false;
        }
        bind();
        b.getBytes(at, text, 0, n);
        long seq = encrypt(type, text, n);
        b.setBytes(at, text, 0, n);
        int h = at - HEADROOM;
        b.setInt(h, 0x01000000);
        b.setByte(h + 4, type);
        b.setShort(h + 5, 0xFEFD);
        b.setShort(h + 7, epoch);
        b.setShort(h + 9, (int) (seq >>> 32));
        b.setInt(h + 11, (int) seq);
        b.setShort(h + 15, EXPLICIT_NONCE + n + TAG);
        b.setLong(h + 17, ((long) epoch << 48) | seq);
        for (int i = 0; i < TAG; i++) {
            b.writeByte(ghash[i] ^ stream[i]);
        }
        b.readerIndex(h);
        return true;
    }

    /** Encrypts {@code plain} into {@code text} and leaves the tag's two halves in ghash and stream[0..16). */
    private long encrypt(short type, byte[] plain, int n) {
        long seq = writeSeq++;
        long explicit = ((long) epoch << 48) | seq;
        keystream(writeAes, writeSalt, explicit, n);
        for (int i = 0; i < n; i++) {
            text[i] = (byte) (plain[i] ^ stream[16 + i]);
        }
        tag(writeH, explicit, type, n, text, n);
        return seq;
    }

    /**
     * Opens one record.
     *
     * @param record the record (after the CAPWAP DTLS header), from its reader index; consumed
     * @param into where the plaintext goes
     * @return the plaintext's length, or -1 when the record is forged, replayed, too old or malformed
     */
    int open(ByteBuf record, byte[] into) {
        int at = record.readerIndex();
        int length = record.getUnsignedShort(at + 11);
        if (record.readableBytes() < HEADER + length || length < EXPLICIT_NONCE + TAG || length - EXPLICIT_NONCE - TAG > MAX_PLAINTEXT) {
            record.skipBytes(record.readableBytes());
            return -1;
        }
        short type = record.getUnsignedByte(at);
        long seq = ((long) record.getUnsignedShort(at + 5) << 32) | record.getUnsignedInt(at + 7);
        record.skipBytes(HEADER + length);
        if (isReplay(seq)) {
            return -1;
        }
        bind();
        long explicit = record.getLong(at + HEADER);
        int n = length - EXPLICIT_NONCE - TAG;
        record.getBytes(at + HEADER + EXPLICIT_NONCE, text, 0, n);
        keystream(readAes, readSalt, explicit, n);
        tag(readH, ((long) epoch << 48) | seq, type, n, text, n);
        int diff = 0;
        int tagAt = at + HEADER + EXPLICIT_NONCE + n;
        for (int i = 0; i < TAG; i++) {
            diff |= (ghash[i] ^ stream[i]) ^ record.getByte(tagAt + i);
        }
        if (diff != 0) {
            return -1; // forged or corrupted: dropped, as DTLS does (RFC 6347, 4.1.2.7)
        }
        accept(seq);
        for (int i = 0; i < n; i++) {
            into[i] = (byte) (text[i] ^ stream[16 + i]);
        }
        return n;
    }

    private void bind() {
        Scratch x = SCRATCH.get();
        counters = x.counters;
        stream = x.stream;
        text = x.text;
    }

    /** E(K, J0) in stream[0..16), then the counter blocks' keystream for n bytes after it. */
    private void keystream(Cipher aes, byte[] salt, long explicit, int n) {
        int blocks = (n + 15) / 16 + 1;
        for (int b = 0; b < blocks; b++) {
            int o = b * 16;
            System.arraycopy(salt, 0, counters, o, 4);
            for (int i = 0; i < 8; i++) {
                counters[o + 4 + i] = (byte) (explicit >>> (56 - 8 * i));
            }
            int ctr = b + 1; // J0 = IV || 1, then inc32: 2, 3, ...
            counters[o + 12] = (byte) (ctr >>> 24);
            counters[o + 13] = (byte) (ctr >>> 16);
            counters[o + 14] = (byte) (ctr >>> 8);
            counters[o + 15] = (byte) ctr;
        }
        try {
            aes.update(counters, 0, blocks * 16, stream, 0);
        } catch (ShortBufferException e) {
            throw new IllegalStateException(e);
        }
    }

    /** GHASH over the additional data (RFC 5246 6.2.3.3: seq_num, type, version, length) and the ciphertext. */
    private void tag(Tables4kGCMMultiplier h, long seqNum, short type, int n, byte[] ciphertext, int len) {
        java.util.Arrays.fill(ghash, (byte) 0);
        for (int i = 0; i < 8; i++) {
            ghash[i] = (byte) (seqNum >>> (56 - 8 * i));
        }
        ghash[8] = (byte) type;
        ghash[9] = (byte) 0xFE;
        ghash[10] = (byte) 0xFD;
        ghash[11] = (byte) (n >>> 8);
        ghash[12] = (byte) n;
        h.multiplyH(ghash); // the 13 bytes of additional data, zero-padded to one block
        for (int o = 0; o < len; o += 16) {
            int k = Math.min(16, len - o);
            for (int i = 0; i < k; i++) {
                ghash[i] ^= ciphertext[o + i];
            }
            h.multiplyH(ghash);
        }
        long aBits = 13L * 8;
        long cBits = (long) len * 8;
        for (int i = 0; i < 8; i++) {
            block[i] = (byte) (aBits >>> (56 - 8 * i));
            block[8 + i] = (byte) (cBits >>> (56 - 8 * i));
        }
        for (int i = 0; i < 16; i++) {
            ghash[i] ^= block[i];
        }
        h.multiplyH(ghash);
    }

    private boolean isReplay(long seq) {
        if (seq > readMax) {
            return false;
        }
        long behind = readMax - seq;
        return behind >= 64 || (readWindow & (1L << behind)) != 0;
    }

    private void accept(long seq) {
        if (seq > readMax) {
            long shift = readMax < 0 ? 64 : seq - readMax;
            readWindow = shift >= 64 ? 1L : (readWindow << shift) | 1L;
            readMax = seq;
        } else {
            readWindow |= 1L << (readMax - seq);
        }
    }
}

package dev.apimage.capwap.internal.dtls;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.Random;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

/**
 * The allocation-free GCM record layer against the JDK's AES/GCM, the reference: what one seals the
 * other opens, byte for byte, with the additional data of RFC 5246 6.2.3.3 and the DTLS sequence
 * number; forged, replayed and too-old records are refused.
 */
class GcmRecordsTest {

    private static byte[] random(Random r, int n) {
        byte[] b = new byte[n];
        r.nextBytes(b);
        return b;
    }

    @Test
    void whatItSealsTheJdksGcmOpensAndTheOtherWayRound() {
        qt().forAll(integers().between(0, GcmRecords.MAX_PLAINTEXT), integers().all()).checkAssert((boxedSize, seed) -> {
            int size = boxedSize;
            try {
                Random r = new Random(seed);
                byte[] key = random(r, 16);
                byte[] salt = random(r, 4);
                byte[] plain = random(r, size);
                GcmRecords ours = GcmRecords.ofKeys(1, key, salt, key, salt);
                ByteBuf out = Unpooled.buffer();
                ours.seal(GcmRecords.APPLICATION_DATA, Unpooled.wrappedBuffer(plain), out);
                byte[] datagram = new byte[out.readableBytes()];
                out.getBytes(0, datagram);
                // The JDK opens it: nonce = salt || explicit, AAD = epoch||seq, type, version, length.
                byte[] nonce = new byte[12];
                System.arraycopy(salt, 0, nonce, 0, 4);
                System.arraycopy(datagram, 4 + 13, nonce, 4, 8);
                byte[] aad = new byte[13];
                System.arraycopy(datagram, 4 + 3, aad, 0, 8); // epoch and sequence number
                aad[8] = datagram[4];
                aad[9] = datagram[5];
                aad[10] = datagram[6];
                aad[11] = (byte) (size >>> 8);
                aad[12] = (byte) size;
                Cipher jdk = Cipher.getInstance("AES/GCM/NoPadding");
                jdk.init(Cipher.DECRYPT_MODE, new SecretKeySpec(key, "AES"), new GCMParameterSpec(128, nonce));
                jdk.updateAAD(aad);
                assertArrayEquals(plain, jdk.doFinal(datagram, 4 + 13 + 8, datagram.length - 4 - 13 - 8));

                // The JDK seals with another sequence number; ours opens it.
                byte[] header = {23, (byte) 0xFE, (byte) 0xFD, 0, 1, 0, 0, 0, 0, 0, 7, 0, 0};
                byte[] nonce2 = nonce.clone();
                nonce2[11] ^= 0x55;
                byte[] aad2 = {0, 1, 0, 0, 0, 0, 0, 7, 23, (byte) 0xFE, (byte) 0xFD, (byte) (size >>> 8), (byte) size};
                jdk.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key, "AES"), new GCMParameterSpec(128, nonce2));
                jdk.updateAAD(aad2);
                byte[] sealed = jdk.doFinal(plain);
                int length = 8 + sealed.length;
                header[11] = (byte) (length >>> 8);
                header[12] = (byte) length;
                ByteBuf record = Unpooled.buffer();
                record.writeBytes(header).writeBytes(nonce2, 4, 8).writeBytes(sealed);
                byte[] opened = new byte[GcmRecords.MAX_PLAINTEXT];
                assertEquals(size, ours.open(record.duplicate(), opened));
                assertArrayEquals(plain, java.util.Arrays.copyOf(opened, size));
                assertEquals(-1, ours.open(record.duplicate(), opened), "a replay is refused");
                ByteBuf forged = record.copy();
                forged.setByte(forged.writerIndex() - 1, forged.getByte(forged.writerIndex() - 1) ^ 1);
                forged.setByte(10, 8); // a fresh sequence number, but the tag no longer matches
                assertEquals(-1, GcmRecords.ofKeys(1, key, salt, key, salt).open(forged, opened), "a forged record is refused");
            } catch (java.security.GeneralSecurityException e) {
                throw new AssertionError(e);
            }
        });
    }

    @Test
    void theReplayWindowTakesLateRecordsOnceAndRefusesTooOldOnes() throws Exception {
        byte[] key = new byte[16];
        byte[] salt = new byte[4];
        GcmRecords sender = GcmRecords.ofKeys(1, key, salt, key, salt);
        GcmRecords receiver = GcmRecords.ofKeys(1, key, salt, key, salt);
        ByteBuf[] records = new ByteBuf[100];
        for (int i = 0; i < records.length; i++) {
            records[i] = Unpooled.buffer();
            sender.seal(GcmRecords.APPLICATION_DATA, Unpooled.wrappedBuffer(new byte[] {(byte) i}), records[i]);
            records[i].skipBytes(4);
        }
        byte[] into = new byte[16];
        assertEquals(1, receiver.open(records[80].duplicate(), into));
        assertEquals(1, receiver.open(records[50].duplicate(), into), "late, within 64: taken");
        assertEquals(-1, receiver.open(records[50].duplicate(), into), "but only once");
        assertEquals(-1, receiver.open(records[10].duplicate(), into), "70 behind: too old");
        assertEquals(1, receiver.open(records[99].duplicate(), into));
        assertEquals(99, into[0]);
    }
}

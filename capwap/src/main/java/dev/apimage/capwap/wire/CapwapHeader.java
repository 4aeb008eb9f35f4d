package dev.apimage.capwap.wire;

import io.netty.buffer.ByteBuf;

/**
 * Flyweight over the CAPWAP header (RFC 5415, 4.3) at an offset of a buffer. Reads are absolute;
 * nothing is copied or allocated.
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |CAPWAP Preamble|  HLEN   |   RID   | WBID    |T|F|L|W|M|K|Flags|
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |          Fragment ID          |     Frag Offset         |Rsvd |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                 (optional) Radio MAC Address                  |
 * |            (optional) Wireless Specific Information           |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * </pre>
 *
 * The preamble is version (4 bits, 0) and type (4 bits: 0 cleartext, 1 DTLS). HLEN counts the
 * whole header, optional fields included, in 4-byte words, so a decoder skips the optional fields
 * by HLEN alone.
 */
public final class CapwapHeader {

    /** Length of the header without optional fields. */
    public static final int MIN_LENGTH = 8;
    /** WBID of IEEE 802.11. */
    public static final int WBID_IEEE_80211 = 1;

    private static final int PREAMBLE = 0;
    private static final int BITS = 0;      // 32-bit word: preamble, HLEN, RID, WBID, flags
    private static final int FRAGMENT_ID = 4;
    private static final int FRAGMENT_OFFSET = 6;

    private static final int FLAG_T = 1 << 8;
    private static final int FLAG_F = 1 << 7;
    private static final int FLAG_L = 1 << 6;
    private static final int FLAG_W = 1 << 5;
    private static final int FLAG_M = 1 << 4;
    private static final int FLAG_K = 1 << 3;

    private ByteBuf buf;
    private int offset;

    /**
     * Points the flyweight at a header.
     *
     * @param buffer the datagram
     * @param at where the header starts
     * @return this flyweight
     */
    public CapwapHeader wrap(ByteBuf buffer, int at) {
        this.buf = buffer;
        this.offset = at;
        return this;
    }

    /**
     * Checks the header against the buffer once: preamble version 0, cleartext, HLEN at least 2
     * words and within the buffer.
     *
     * @param limit the index just past the datagram
     * @return this flyweight
     * @throws CapwapDecodeException naming the field and offset
     */
    public CapwapHeader validate(int limit) throws CapwapDecodeException {
        if (limit - offset < MIN_LENGTH) {
            throw new CapwapDecodeException("CAPWAP header", offset, "needs 8 bytes, datagram has " + (limit - offset));
        }
        int pre = buf.getUnsignedByte(offset + PREAMBLE);
        if ((pre >>> 4) != 0) {
            throw new CapwapDecodeException("preamble version", offset, "is " + (pre >>> 4) + ", expected 0");
        }
        if ((pre & 0x0F) != 0) {
            throw new CapwapDecodeException("preamble type", offset, "is " + (pre & 0x0F) + " (DTLS), expected 0 (cleartext)");
        }
        int hlen = headerLength();
        if (hlen < MIN_LENGTH) {
            throw new CapwapDecodeException("HLEN", offset + 1, "is " + hlen / 4 + " words, less than 2");
        }
        if (offset + hlen > limit) {
            throw new CapwapDecodeException("HLEN", offset + 1, "says " + hlen + " bytes, datagram has " + (limit - offset));
        }
        return this;
    }

    private int word() {
        return buf.getInt(offset + BITS);
    }

    /**
     * Header length in bytes, optional fields included (HLEN x 4).
     *
     * @return bytes
     */
    public int headerLength() {
        return ((word() >>> 19) & 0x1F) * 4;
    }

    /**
     * Radio ID.
     *
     * @return 0..31
     */
    public int radioId() {
        return (word() >>> 14) & 0x1F;
    }

    /**
     * Wireless binding ID.
     *
     * @return 0..31
     */
    public int wirelessBindingId() {
        return (word() >>> 9) & 0x1F;
    }

    /**
     * T: the payload is in the binding's native format.
     *
     * @return the flag
     */
    public boolean nativeFormat() {
        return (word() & FLAG_T) != 0;
    }

    /**
     * F: this is a fragment.
     *
     * @return the flag
     */
    public boolean fragment() {
        return (word() & FLAG_F) != 0;
    }

    /**
     * L: the last fragment.
     *
     * @return the flag
     */
    public boolean lastFragment() {
        return (word() & FLAG_L) != 0;
    }

    /**
     * W: wireless specific information present.
     *
     * @return the flag
     */
    public boolean wirelessInfoPresent() {
        return (word() & FLAG_W) != 0;
    }

    /**
     * M: radio MAC address present.
     *
     * @return the flag
     */
    public boolean radioMacPresent() {
        return (word() & FLAG_M) != 0;
    }

    /**
     * K: keep-alive (data channel).
     *
     * @return the flag
     */
    public boolean keepAlive() {
        return (word() & FLAG_K) != 0;
    }

    /**
     * Fragment ID.
     *
     * @return 0..65535
     */
    public int fragmentId() {
        return buf.getUnsignedShort(offset + FRAGMENT_ID);
    }

    /**
     * Fragment offset, in 8-byte units.
     *
     * @return 0..8191
     */
    public int fragmentOffset() {
        return buf.getUnsignedShort(offset + FRAGMENT_OFFSET) >>> 3;
    }

    /**
     * Writes a header without optional fields (HLEN 2) at the writer index: cleartext preamble,
     * the given radio and binding IDs, no flags, fragment fields 0.
     *
     * @param out the buffer
     * @param radioId 0..31
     * @param wirelessBindingId 0..31
     */
    public static void write(ByteBuf out, int radioId, int wirelessBindingId) {
        int w = (2 << 19) | ((radioId & 0x1F) << 14) | ((wirelessBindingId & 0x1F) << 9);
        out.writeInt(w); // preamble byte 0 (version 0, type 0) is the top byte of this word
        out.writeInt(0);
    }
}

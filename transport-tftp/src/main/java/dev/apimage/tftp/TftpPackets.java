package dev.apimage.tftp;

import dev.apimage.internal.LogText;
import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * TFTP wire format (RFC 1350, 2347). Encoders write at the buffer's writer index; decoders read at
 * absolute offsets and never move indices.
 *
 * <pre>
 *  RRQ/WRQ | 01/02 | filename | 0 | mode | 0 | opt1 | 0 | value1 | 0 | ...
 *  DATA    | 03    | block #  | data (0..blksize bytes)
 *  ACK     | 04    | block #
 *  ERROR   | 05    | code     | message | 0
 *  OACK    | 06    | opt1 | 0 | value1 | 0 | ...
 *            2 bytes  2 bytes
 * </pre>
 */
final class TftpPackets {

    static final int RRQ = 1;
    static final int WRQ = 2;
    static final int DATA = 3;
    static final int ACK = 4;
    static final int ERROR = 5;
    static final int OACK = 6;

    /** Offset of the opcode. */
    static final int OPCODE_OFFSET = 0;
    /** Offset of the block number in DATA and ACK, and of the code in ERROR. */
    static final int BLOCK_OFFSET = 2;
    /** Offset of the payload in DATA. */
    static final int DATA_OFFSET = 4;
    /** Size of the DATA header. */
    static final int HEADER = 4;

    /** RFC 2347: a request must not exceed 512 octets. */
    static final int MAX_REQUEST = 512;

    private TftpPackets() {
    }

    /** The opcode of a packet at its reader index, or -1 when shorter than 2 bytes. */
    static int opcode(ByteBuf p) {
        return p.readableBytes() < 2 ? -1 : p.getUnsignedShort(p.readerIndex() + OPCODE_OFFSET);
    }

    /** The block number of a DATA or ACK packet (caller checked the length). */
    static int block(ByteBuf p) {
        return p.getUnsignedShort(p.readerIndex() + BLOCK_OFFSET);
    }

    static void writeDataHeader(ByteBuf out, int block) {
        out.writeShort(DATA).writeShort(block & 0xFFFF);
    }

    static void writeAck(ByteBuf out, int block) {
        out.writeShort(ACK).writeShort(block & 0xFFFF);
    }

    static void writeError(ByteBuf out, TftpError error, String message) {
        out.writeShort(ERROR).writeShort(error.code());
        writeString(out, message == null ? error.name() : message);
    }

    static void writeRequest(ByteBuf out, int opcode, String filename, String mode, Map<String, String> options) {
        out.writeShort(opcode);
        writeString(out, filename);
        writeString(out, mode);
        writeOptions(out, options);
    }

    static void writeOack(ByteBuf out, Map<String, String> options) {
        out.writeShort(OACK);
        writeOptions(out, options);
    }

    private static void writeOptions(ByteBuf out, Map<String, String> options) {
        for (Map.Entry<String, String> e : options.entrySet()) {
            writeString(out, e.getKey());
            writeString(out, e.getValue());
        }
    }

    private static void writeString(ByteBuf out, String s) {
        // Names are bytes on the wire; UTF-8 keeps non-ASCII names intact for peers that do the same.
        out.writeBytes(s.getBytes(StandardCharsets.UTF_8));
        out.writeByte(0);
    }

    /** A decoded ERROR packet's message, or the code's name when it has none. */
    static String errorMessage(ByteBuf p) {
        int start = p.readerIndex() + 4;
        int end = p.writerIndex();
        if (start >= end) {
            return "";
        }
        int nul = p.indexOf(start, end, (byte) 0);
        int stop = nul < 0 ? end : nul;
        return dev.apimage.internal.LogText.printable(p.toString(start, stop - start, StandardCharsets.UTF_8), 200);
    }

    /** A malformed packet; the message names the field and offset. */
    static final class MalformedPacketException extends Exception {
        private static final long serialVersionUID = 1L;

        MalformedPacketException(String message) {
            super(message);
        }
    }

    /** A decoded RRQ or WRQ. Option names are lower-cased; order is kept. */
    record Request(int opcode, String filename, String mode, Map<String, String> options) {
    }

    /**
     * Decodes a request (not on the hot path: once per transfer).
     *
     * @throws MalformedPacketException naming the field and offset
     */
    static Request decodeRequest(ByteBuf p) throws MalformedPacketException {
        int base = p.readerIndex();
        int len = p.readableBytes();
        if (len > MAX_REQUEST) {
            throw new MalformedPacketException("request of " + len + " bytes exceeds " + MAX_REQUEST);
        }
        int op = opcode(p);
        if (op != RRQ && op != WRQ) {
            throw new MalformedPacketException("opcode " + op + " at offset 0 is not a request");
        }
        int[] pos = {base + 2};
        int end = base + len;
        String filename = readString(p, pos, end, "filename");
        String mode = readString(p, pos, end, "mode");
        Map<String, String> options = new LinkedHashMap<>();
        while (pos[0] < end) {
            int at = pos[0] - base;
            String name = readString(p, pos, end, "option name").toLowerCase(Locale.ROOT);
            if (pos[0] >= end) {
                throw new MalformedPacketException("option '" + LogText.printable(name, 64) + "' at offset " + at + " has no value");
            }
            String value = readString(p, pos, end, "value of option '" + name + "'");
            if (name.isEmpty()) {
                throw new MalformedPacketException("empty option name at offset " + at);
            }
            if (options.putIfAbsent(name, value) != null) {
                throw new MalformedPacketException("option '" + LogText.printable(name, 64) + "' given twice (offset " + at + ")");
            }
        }
        return new Request(op, filename, mode.toLowerCase(Locale.ROOT), options);
    }

    /**
     * Decodes the options of an OACK.
     *
     * @throws MalformedPacketException naming the field and offset
     */
    static Map<String, String> decodeOack(ByteBuf p) throws MalformedPacketException {
        int base = p.readerIndex();
        int end = p.writerIndex();
        int[] pos = {base + 2};
        Map<String, String> options = new LinkedHashMap<>();
        while (pos[0] < end) {
            int at = pos[0] - base;
            String name = readString(p, pos, end, "option name").toLowerCase(Locale.ROOT);
            String value = readString(p, pos, end, "value of option '" + name + "'");
            if (options.putIfAbsent(name, value) != null) {
                throw new MalformedPacketException("OACK option '" + LogText.printable(name, 64) + "' given twice (offset " + at + ")");
            }
        }
        return options;
    }

    private static String readString(ByteBuf p, int[] pos, int end, String field) throws MalformedPacketException {
        int start = pos[0];
        int nul = p.indexOf(start, end, (byte) 0);
        if (nul < 0) {
            throw new MalformedPacketException(field + " at offset " + (start - p.readerIndex()) + " lacks its NUL terminator");
        }
        pos[0] = nul + 1;
        return p.toString(start, nul - start, StandardCharsets.UTF_8);
    }
}

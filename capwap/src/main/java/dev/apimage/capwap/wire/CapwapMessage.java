package dev.apimage.capwap.wire;

import io.netty.buffer.ByteBuf;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * Flyweight decoder of one CAPWAP control message (RFC 5415, 4.5) in a datagram: the CAPWAP
 * header, the control header and the message elements the image download uses.
 *
 * <p>{@link #wrap(ByteBuf, int, int)} validates the whole message once (every length against the
 * buffer, each known element's length against its definition) and records where the known
 * elements are; the accessors then read from the buffer in place. Nothing is copied or allocated
 * except by the accessors documented as allocating (the image name). Unknown elements are skipped
 * by their length; Vendor Specific Payloads (37) are kept for the caller to pass through. One
 * instance is reused for every datagram of a channel; it is not thread-safe.
 *
 * <pre>
 *  Control header (after the CAPWAP header):
 *  |                       Message Type (32)                        |
 *  |    Seq Num    |        Msg Element Length     |     Flags     |
 *  Message element:
 *  |              Type (16)        |             Length (16)       |  Value ...
 * </pre>
 *
 * Msg Element Length counts the bytes after the sequence number: its own two bytes, the flags
 * byte and the elements.
 */
public final class CapwapMessage {

    /** Echo Request. */
    public static final int ECHO_REQUEST = 13;
    /** Echo Response. */
    public static final int ECHO_RESPONSE = 14;
    /** Image Data Request. */
    public static final int IMAGE_DATA_REQUEST = 15;
    /** Image Data Response. */
    public static final int IMAGE_DATA_RESPONSE = 16;
    /** Reset Request. */
    public static final int RESET_REQUEST = 17;
    /** Reset Response. */
    public static final int RESET_RESPONSE = 18;

    /** Image Data element. */
    public static final int ELEMENT_IMAGE_DATA = 24;
    /** Image Identifier element. */
    public static final int ELEMENT_IMAGE_IDENTIFIER = 25;
    /** Image Information element. */
    public static final int ELEMENT_IMAGE_INFORMATION = 26;
    /** Initiate Download element. */
    public static final int ELEMENT_INITIATE_DOWNLOAD = 27;
    /** Result Code element. */
    public static final int ELEMENT_RESULT_CODE = 33;
    /** Vendor Specific Payload element. */
    public static final int ELEMENT_VENDOR_SPECIFIC = 37;

    /** Image Data type: a block of the image. */
    public static final int DATA_TYPE_DATA = 1;
    /** Image Data type: the last block (end of file), with data or empty. */
    public static final int DATA_TYPE_EOF = 2;
    /** Image Data type: the sender aborts the transfer; no data. */
    public static final int DATA_TYPE_ERROR = 5;

    /** Bytes of the control header. */
    public static final int CONTROL_HEADER_LENGTH = 8;
    /** The most data bytes RFC 5415 allows in an Image Data element, and in an image name. */
    public static final int RFC_MAX_DATA = 1024;
    /** Vendor Specific Payloads kept per message; more is treated as hostile. */
    public static final int MAX_VENDOR_SPECIFIC = 16;

    private final CapwapHeader header = new CapwapHeader();
    private final int[] vendorSpecificAt = new int[MAX_VENDOR_SPECIFIC];
    private final int[] vendorSpecificLength = new int[MAX_VENDOR_SPECIFIC];
    private ByteBuf buf;
    private int control;
    private int end;
    private int imageDataAt;
    private int imageDataLength;
    private int imageIdentifierAt;
    private int imageIdentifierLength;
    private int imageInformationAt;
    private int resultCodeAt;
    private boolean initiateDownload;
    private int vendorSpecificCount;
    private int unknownElements;

    /**
     * Decodes and validates the message in {@code buffer[at, limit)}.
     *
     * @param buffer the datagram
     * @param at where the CAPWAP header starts
     * @param limit the index just past the datagram
     * @return this flyweight
     * @throws CapwapDecodeException naming the field and its offset when anything is malformed
     */
    public CapwapMessage wrap(ByteBuf buffer, int at, int limit) throws CapwapDecodeException {
        this.buf = buffer;
        imageDataAt = imageIdentifierAt = imageInformationAt = resultCodeAt = -1;
        initiateDownload = false;
        vendorSpecificCount = 0;
        unknownElements = 0;
        header.wrap(buffer, at).validate(limit);
        if (header.fragment()) {
            throw new CapwapDecodeException("F flag", at + 2, "fragmented control messages are not supported");
        }
        control = at + header.headerLength();
        if (limit - control < CONTROL_HEADER_LENGTH) {
            throw new CapwapDecodeException("control header", control, "needs 8 bytes, " + (limit - control) + " left");
        }
        int elementLength = buf.getUnsignedShort(control + 5);
        if (elementLength < 3) {
            throw new CapwapDecodeException("Msg Element Length", control + 5, "is " + elementLength + ", less than 3");
        }
        end = control + 5 + elementLength;
        if (end != limit) {
            throw new CapwapDecodeException("Msg Element Length", control + 5,
                    "says the message ends at " + end + ", the datagram ends at " + limit);
        }
        int p = control + CONTROL_HEADER_LENGTH;
        while (p < end) {
            if (end - p < 4) {
                throw new CapwapDecodeException("message element header", p, "needs 4 bytes, " + (end - p) + " left");
            }
            int type = buf.getUnsignedShort(p);
            int length = buf.getUnsignedShort(p + 2);
            int value = p + 4;
            if (length > end - value) {
                throw new CapwapDecodeException("element " + type + " length", p + 2,
                        "is " + length + ", only " + (end - value) + " bytes left");
            }
            element(type, value, length, p);
            p = value + length;
        }
        return this;
    }

    private void element(int type, int value, int length, int at) throws CapwapDecodeException {
        switch (type) {
            case ELEMENT_IMAGE_DATA -> {
                once(imageDataAt, "Image Data", at);
                if (length < 1) {
                    throw new CapwapDecodeException("Image Data length", at + 2, "is 0, needs the data type");
                }
                int dataType = buf.getUnsignedByte(value);
                if (dataType != DATA_TYPE_DATA && dataType != DATA_TYPE_EOF && dataType != DATA_TYPE_ERROR) {
                    throw new CapwapDecodeException("Image Data type", value, "is " + dataType + ", expected 1, 2 or 5");
                }
                imageDataAt = value;
                imageDataLength = length;
            }
            case ELEMENT_IMAGE_IDENTIFIER -> {
                once(imageIdentifierAt, "Image Identifier", at);
                if (length < 5 || length > 4 + RFC_MAX_DATA) {
                    throw new CapwapDecodeException("Image Identifier length", at + 2,
                            "is " + length + ", expected 5 to " + (4 + RFC_MAX_DATA));
                }
                imageIdentifierAt = value;
                imageIdentifierLength = length;
            }
            case ELEMENT_IMAGE_INFORMATION -> {
                once(imageInformationAt, "Image Information", at);
                exact(length, 20, "Image Information length", at);
                imageInformationAt = value;
            }
            case ELEMENT_INITIATE_DOWNLOAD -> {
                if (initiateDownload) {
                    throw new CapwapDecodeException("Initiate Download", at, "appears twice");
                }
                exact(length, 0, "Initiate Download length", at);
                initiateDownload = true;
            }
            case ELEMENT_RESULT_CODE -> {
                once(resultCodeAt, "Result Code", at);
                exact(length, 4, "Result Code length", at);
                resultCodeAt = value;
            }
            case ELEMENT_VENDOR_SPECIFIC -> {
                if (length < 6) {
                    throw new CapwapDecodeException("Vendor Specific Payload length", at + 2, "is " + length + ", less than 6");
                }
                if (vendorSpecificCount == MAX_VENDOR_SPECIFIC) {
                    throw new CapwapDecodeException("Vendor Specific Payload", at, "more than " + MAX_VENDOR_SPECIFIC + " in one message");
                }
                vendorSpecificAt[vendorSpecificCount] = value;
                vendorSpecificLength[vendorSpecificCount++] = length;
            }
            default -> unknownElements++;
        }
    }

    private static void once(int seenAt, String name, int at) throws CapwapDecodeException {
        if (seenAt >= 0) {
            throw new CapwapDecodeException(name, at, "appears twice");
        }
    }

    private static void exact(int length, int expected, String field, int at) throws CapwapDecodeException {
        if (length != expected) {
            throw new CapwapDecodeException(field, at + 2, "is " + length + ", expected " + expected);
        }
    }

    /**
     * The CAPWAP header of the message.
     *
     * @return the header flyweight
     */
    public CapwapHeader header() {
        return header;
    }

    /**
     * Message Type: the enterprise number times 256 plus the type; the IETF types here are below 256.
     *
     * @return the 32-bit type as an unsigned value
     */
    public long messageType() {
        return buf.getUnsignedInt(control);
    }

    /**
     * Tells whether the message is a request: RFC 5415 gives requests odd types.
     *
     * @return true for a request
     */
    public boolean isRequest() {
        return (messageType() & 1) == 1;
    }

    /**
     * Sequence number; a response echoes its request's.
     *
     * @return 0..255
     */
    public int sequenceNumber() {
        return buf.getUnsignedByte(control + 4);
    }

    /**
     * Number of elements of types this decoder does not know, which it skipped.
     *
     * @return the count
     */
    public int unknownElements() {
        return unknownElements;
    }

    /**
     * Whether an Image Data element is present.
     *
     * @return true when present
     */
    public boolean hasImageData() {
        return imageDataAt >= 0;
    }

    /**
     * The Image Data type: {@link #DATA_TYPE_DATA}, {@link #DATA_TYPE_EOF} or {@link #DATA_TYPE_ERROR}.
     *
     * @return the type
     */
    public int imageDataType() {
        return buf.getUnsignedByte(imageDataAt);
    }

    /**
     * Where the Image Data bytes start in the buffer.
     *
     * @return the index
     */
    public int imageDataIndex() {
        return imageDataAt + 1;
    }

    /**
     * How many Image Data bytes there are.
     *
     * @return 0 or more
     */
    public int imageDataLength() {
        return imageDataLength - 1;
    }

    /**
     * The Image Data bytes as a buffer view for a file channel: no copy, and no allocation for
     * pooled or heap buffers, whose internal view is reused. Valid until the next call.
     *
     * @return the view, positioned at the data
     */
    public ByteBuffer imageDataView() {
        int index = imageDataIndex();
        int length = imageDataLength();
        return buf.nioBufferCount() == 1 ? buf.internalNioBuffer(index, length) : buf.nioBuffer(index, length);
    }

    /**
     * Whether an Image Identifier element is present.
     *
     * @return true when present
     */
    public boolean hasImageIdentifier() {
        return imageIdentifierAt >= 0;
    }

    /**
     * Image Identifier vendor id (any value is accepted).
     *
     * @return the 32-bit id as an unsigned value
     */
    public long imageVendorId() {
        return buf.getUnsignedInt(imageIdentifierAt);
    }

    /**
     * Image Identifier name, decoded from UTF-8. Allocates; for the control path only.
     *
     * @return the name
     */
    public String imageName() {
        return buf.toString(imageIdentifierAt + 4, imageIdentifierLength - 4, StandardCharsets.UTF_8);
    }

    /**
     * Whether an Image Information element is present.
     *
     * @return true when present
     */
    public boolean hasImageInformation() {
        return imageInformationAt >= 0;
    }

    /**
     * Image Information file size.
     *
     * @return bytes, 0..4294967295
     */
    public long imageFileSize() {
        return buf.getUnsignedInt(imageInformationAt);
    }

    /**
     * Copies the Image Information MD5 hash.
     *
     * @param into 16 or more bytes
     * @return {@code into}
     */
    public byte[] imageMd5(byte[] into) {
        buf.getBytes(imageInformationAt + 4, into, 0, 16);
        return into;
    }

    /**
     * Whether the Initiate Download element is present.
     *
     * @return true when present
     */
    public boolean hasInitiateDownload() {
        return initiateDownload;
    }

    /**
     * Whether a Result Code element is present.
     *
     * @return true when present
     */
    public boolean hasResultCode() {
        return resultCodeAt >= 0;
    }

    /**
     * The Result Code value; see {@link ResultCode#of(long)}.
     *
     * @return the 32-bit value as an unsigned value
     */
    public long resultCode() {
        return buf.getUnsignedInt(resultCodeAt);
    }

    /**
     * Number of Vendor Specific Payload elements.
     *
     * @return 0..{@value #MAX_VENDOR_SPECIFIC}
     */
    public int vendorSpecificCount() {
        return vendorSpecificCount;
    }

    /**
     * Vendor id of a Vendor Specific Payload.
     *
     * @param i 0 to {@link #vendorSpecificCount()} - 1
     * @return the 32-bit id as an unsigned value
     */
    public long vendorSpecificVendorId(int i) {
        return buf.getUnsignedInt(vendorSpecificAt(i));
    }

    /**
     * Element id of a Vendor Specific Payload.
     *
     * @param i 0 to {@link #vendorSpecificCount()} - 1
     * @return 0..65535
     */
    public int vendorSpecificElementId(int i) {
        return buf.getUnsignedShort(vendorSpecificAt(i) + 4);
    }

    /**
     * Where a Vendor Specific Payload's data starts in the buffer.
     *
     * @param i 0 to {@link #vendorSpecificCount()} - 1
     * @return the index
     */
    public int vendorSpecificDataIndex(int i) {
        return vendorSpecificAt(i) + 6;
    }

    /**
     * Length of a Vendor Specific Payload's data.
     *
     * @param i 0 to {@link #vendorSpecificCount()} - 1
     * @return bytes
     */
    public int vendorSpecificDataLength(int i) {
        vendorSpecificAt(i);
        return vendorSpecificLength[i] - 6;
    }

    private int vendorSpecificAt(int i) {
        if (i < 0 || i >= vendorSpecificCount) {
            throw new IndexOutOfBoundsException("vendor specific payload " + i + " of " + vendorSpecificCount);
        }
        return vendorSpecificAt[i];
    }

    /**
     * The buffer the flyweight reads.
     *
     * @return the buffer
     */
    public ByteBuf buffer() {
        return buf;
    }

    /**
     * Names a message type for logs.
     *
     * @param type the message type
     * @return the RFC name, or {@code Message Type N}
     */
    public static String typeName(long type) {
        return switch ((int) type) {
            case 1 -> "Discovery Request";
            case 2 -> "Discovery Response";
            case 3 -> "Join Request";
            case 4 -> "Join Response";
            case 5 -> "Configuration Status Request";
            case 6 -> "Configuration Status Response";
            case 7 -> "Configuration Update Request";
            case 8 -> "Configuration Update Response";
            case 9 -> "WTP Event Request";
            case 10 -> "WTP Event Response";
            case 11 -> "Change State Event Request";
            case 12 -> "Change State Event Response";
            case ECHO_REQUEST -> "Echo Request";
            case ECHO_RESPONSE -> "Echo Response";
            case IMAGE_DATA_REQUEST -> "Image Data Request";
            case IMAGE_DATA_RESPONSE -> "Image Data Response";
            case RESET_REQUEST -> "Reset Request";
            case RESET_RESPONSE -> "Reset Response";
            default -> "Message Type " + type;
        };
    }
}

package dev.apimage.capwap.wire;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;

/**
 * Flyweight encoder of one CAPWAP control message into a buffer: {@link #begin}, the elements,
 * {@link #finish()}. Writes exactly the bytes RFC 5415 specifies (cleartext header with HLEN 2,
 * RID 0, WBID 1, no flags; control header flags 0) and allocates nothing.
 *
 * <p>An Image Data block can be copied from another buffer ({@link #imageData(int, ByteBuf, int,
 * int)}) or left out and appended by the caller as a further component of a composite buffer
 * ({@link #imageDataHeader(int, int)}), so the block itself is never copied.
 * One instance is reused; it is not thread-safe.
 */
public final class CapwapMessageWriter {

    private ByteBuf out;
    private int start;
    private int lengthAt;
    private int appended;

    /**
     * Starts a message at the buffer's writer index.
     *
     * @param buffer where the message goes
     * @param messageType the message type, for example {@link CapwapMessage#IMAGE_DATA_REQUEST}
     * @param sequenceNumber 0..255
     * @return this writer
     */
    public CapwapMessageWriter begin(ByteBuf buffer, long messageType, int sequenceNumber) {
        this.out = buffer;
        this.start = buffer.writerIndex();
        this.appended = 0;
        CapwapHeader.write(buffer, 0, CapwapHeader.WBID_IEEE_80211);
        buffer.writeInt((int) messageType);
        buffer.writeByte(sequenceNumber);
        lengthAt = buffer.writerIndex();
        buffer.writeShort(0);
        buffer.writeByte(0);
        return this;
    }

    private void element(int type, int length) {
        out.writeShort(type);
        out.writeShort(length);
    }

    /**
     * Adds a Result Code element.
     *
     * @param code the value
     * @return this writer
     */
    public CapwapMessageWriter resultCode(long code) {
        element(CapwapMessage.ELEMENT_RESULT_CODE, 4);
        out.writeInt((int) code);
        return this;
    }

    /**
     * Adds a Result Code element.
     *
     * @param code the code
     * @return this writer
     */
    public CapwapMessageWriter resultCode(ResultCode code) {
        return resultCode(code.code());
    }

    /**
     * Adds an Image Identifier element: the vendor id and the image name in UTF-8, no NUL.
     *
     * @param vendorId the vendor id (unsigned 32 bits)
     * @param name the image name, 1 to 1024 bytes in UTF-8
     * @return this writer
     * @throws IllegalArgumentException when the name is empty or too long
     */
    public CapwapMessageWriter imageIdentifier(long vendorId, CharSequence name) {
        int bytes = ByteBufUtil.utf8Bytes(name);
        if (bytes < 1 || bytes > CapwapMessage.RFC_MAX_DATA) {
            throw new IllegalArgumentException("image name must have 1 to 1024 UTF-8 bytes, has " + bytes);
        }
        element(CapwapMessage.ELEMENT_IMAGE_IDENTIFIER, 4 + bytes);
        out.writeInt((int) vendorId);
        ByteBufUtil.writeUtf8(out, name);
        return this;
    }

    /**
     * Adds an Image Information element.
     *
     * @param fileSize the image size, at most 4294967295 bytes
     * @param md5 the 16-byte MD5 hash
     * @return this writer
     * @throws IllegalArgumentException when the size does not fit 32 bits or the hash is not 16 bytes
     */
    public CapwapMessageWriter imageInformation(long fileSize, byte[] md5) {
        if (fileSize < 0 || fileSize > 0xFFFF_FFFFL) {
            throw new IllegalArgumentException("Image Information holds sizes up to 4294967295 bytes, not " + fileSize);
        }
        if (md5.length != 16) {
            throw new IllegalArgumentException("an MD5 hash has 16 bytes, not " + md5.length);
        }
        element(CapwapMessage.ELEMENT_IMAGE_INFORMATION, 20);
        out.writeInt((int) fileSize);
        out.writeBytes(md5);
        return this;
    }

    /**
     * Adds the (empty) Initiate Download element.
     *
     * @return this writer
     */
    public CapwapMessageWriter initiateDownload() {
        element(CapwapMessage.ELEMENT_INITIATE_DOWNLOAD, 0);
        return this;
    }

    /**
     * Adds an Image Data element whose data is copied from another buffer.
     *
     * @param dataType {@link CapwapMessage#DATA_TYPE_DATA}, {@link CapwapMessage#DATA_TYPE_EOF} or
     *     {@link CapwapMessage#DATA_TYPE_ERROR}
     * @param src the bytes
     * @param index where they start in {@code src}
     * @param length how many, at most 65534
     * @return this writer
     */
    public CapwapMessageWriter imageData(int dataType, ByteBuf src, int index, int length) {
        imageDataHeader(dataType, length);
        appended -= length;
        out.writeBytes(src, index, length);
        return this;
    }

    /**
     * Adds an Image Data element whose bytes are read from a file at a position ({@code pread}
     * straight into the message buffer: no intermediate copy, nothing allocated for a direct buffer).
     *
     * @param dataType the data type
     * @param file the image file
     * @param position where the block starts in the file
     * @param length how many bytes, at most 65534
     * @return this writer
     * @throws java.io.EOFException when the file ends before {@code position + length} (it shrank)
     * @throws java.io.IOException when the file cannot be read
     */
    public CapwapMessageWriter imageData(int dataType, java.nio.channels.FileChannel file, long position, int length)
            throws java.io.IOException {
        imageDataHeader(dataType, length);
        appended -= length;
        int done = 0;
        while (done < length) {
            int n = out.writeBytes(file, position + done, length - done);
            if (n <= 0) {
                throw new java.io.EOFException("image file ends at " + (position + done) + " bytes");
            }
            done += n;
        }
        return this;
    }

    /**
     * Adds the head of an Image Data element (type, length, data type) and counts {@code length}
     * data bytes that the caller appends after this buffer, as the next component of a composite
     * buffer, before sending.
     *
     * @param dataType the data type
     * @param length how many data bytes follow, at most 65534
     * @return this writer
     */
    public CapwapMessageWriter imageDataHeader(int dataType, int length) {
        if (length < 0 || length > 0xFFFE) {
            throw new IllegalArgumentException("Image Data length " + length);
        }
        element(CapwapMessage.ELEMENT_IMAGE_DATA, 1 + length);
        out.writeByte(dataType);
        appended += length;
        return this;
    }

    /**
     * Adds a Vendor Specific Payload element, copying its data.
     *
     * @param vendorId the vendor id
     * @param elementId the vendor's element id
     * @param src the data
     * @param index where it starts in {@code src}
     * @param length how many bytes
     * @return this writer
     */
    public CapwapMessageWriter vendorSpecific(long vendorId, int elementId, ByteBuf src, int index, int length) {
        element(CapwapMessage.ELEMENT_VENDOR_SPECIFIC, 6 + length);
        out.writeInt((int) vendorId);
        out.writeShort(elementId);
        out.writeBytes(src, index, length);
        return this;
    }

    /**
     * Completes the message: fills in the Msg Element Length.
     *
     * @return the message's length in bytes, appended data included
     * @throws IllegalStateException when the elements exceed what the 16-bit length can say
     */
    public int finish() {
        int elementLength = out.writerIndex() + appended - lengthAt;
        if (elementLength > 0xFFFF) {
            throw new IllegalStateException("message elements of " + elementLength + " bytes do not fit a CAPWAP message");
        }
        out.setShort(lengthAt, elementLength);
        return out.writerIndex() + appended - start;
    }

    /**
     * Answers a request that the endpoint's own state has no handling for, as every CAPWAP
     * endpoint must: an Echo Request with an Echo Response (RFC 5415, 7.1 and 7.2), anything else
     * with a response of the next message type carrying Result Code 19, "Message Unexpected
     * (Unrecognized Request)" (RFC 5415, 4.5 and 4.6.35). The one place both the AP and the
     * controller take this answer from.
     *
     * @param buffer where the answer goes
     * @param requestType the request's message type (odd)
     * @param sequenceNumber the request's sequence number
     * @return the Result Code sent, 0 for an Echo Response (which carries none)
     */
    public long answerUnhandled(ByteBuf buffer, long requestType, int sequenceNumber) {
        if (requestType == CapwapMessage.ECHO_REQUEST) {
            begin(buffer, CapwapMessage.ECHO_RESPONSE, sequenceNumber).finish();
            return 0;
        }
        long result = ResultCode.MESSAGE_UNEXPECTED_UNRECOGNIZED_REQUEST.code();
        begin(buffer, requestType + 1, sequenceNumber).resultCode(result).finish();
        return result;
    }
}

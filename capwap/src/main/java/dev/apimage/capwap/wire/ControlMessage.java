package dev.apimage.capwap.wire;

import io.netty.buffer.ByteBuf;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A CAPWAP control message as a value (RFC 5415, 4.5): its type, sequence number and elements, for
 * the control session's messages (Discovery, Join, Configuration Status, Configuration Update, WTP
 * Event, Change State Event, Echo, Reset). The Image Data exchange uses the allocation-free
 * {@link CapwapMessage} flyweight; both read the same bytes.
 *
 * <p>Sent messages are exactly RFC 5415's: HLEN 2, WBID 1 (IEEE 802.11), no flags. Read messages
 * may carry WBID 0 (some peers send it) and optional header fields; elements of types this codec
 * does not read are kept ({@link MessageElement.Unknown}) in their order.
 *
 * @param type the message type (for example {@link #JOIN_REQUEST}); enterprise-specific types carry the enterprise number in the upper 24 bits
 * @param sequence 0..255
 * @param elements the message elements, in order
 */
public record ControlMessage(long type, int sequence, List<MessageElement> elements) {

    /** Discovery Request (1). */
    public static final int DISCOVERY_REQUEST = 1;
    /** Discovery Response (2). */
    public static final int DISCOVERY_RESPONSE = 2;
    /** Join Request (3). */
    public static final int JOIN_REQUEST = 3;
    /** Join Response (4). */
    public static final int JOIN_RESPONSE = 4;
    /** Configuration Status Request (5). */
    public static final int CONFIGURATION_STATUS_REQUEST = 5;
    /** Configuration Status Response (6). */
    public static final int CONFIGURATION_STATUS_RESPONSE = 6;
    /** Configuration Update Request (7). */
    public static final int CONFIGURATION_UPDATE_REQUEST = 7;
    /** Configuration Update Response (8). */
    public static final int CONFIGURATION_UPDATE_RESPONSE = 8;
    /** WTP Event Request (9). */
    public static final int WTP_EVENT_REQUEST = 9;
    /** WTP Event Response (10). */
    public static final int WTP_EVENT_RESPONSE = 10;
    /** Change State Event Request (11). */
    public static final int CHANGE_STATE_EVENT_REQUEST = 11;
    /** Change State Event Response (12). */
    public static final int CHANGE_STATE_EVENT_RESPONSE = 12;
    /** Echo Request (13). */
    public static final int ECHO_REQUEST = CapwapMessage.ECHO_REQUEST;
    /** Echo Response (14). */
    public static final int ECHO_RESPONSE = CapwapMessage.ECHO_RESPONSE;
    /** Image Data Request (15). */
    public static final int IMAGE_DATA_REQUEST = CapwapMessage.IMAGE_DATA_REQUEST;
    /** Image Data Response (16). */
    public static final int IMAGE_DATA_RESPONSE = CapwapMessage.IMAGE_DATA_RESPONSE;
    /** Reset Request (17). */
    public static final int RESET_REQUEST = CapwapMessage.RESET_REQUEST;
    /** Reset Response (18). */
    public static final int RESET_RESPONSE = CapwapMessage.RESET_RESPONSE;

    /** The most elements one message may carry here: a bound against crafted messages. */
    public static final int MAX_ELEMENTS = 256;

    /** Checks the values. */
    public ControlMessage {
        if (type < 0 || type > 0xFFFF_FFFFL) {
            throw new IllegalArgumentException("message type is 32 bits unsigned: " + type);
        }
        if (sequence < 0 || sequence > 0xFF) {
            throw new IllegalArgumentException("sequence number is 8 bits: " + sequence);
        }
        elements = List.copyOf(elements);
    }

    /**
     * A message.
     *
     * @param type the type
     * @param sequence the sequence number
     * @param elements the elements
     * @return the message
     */
    public static ControlMessage of(long type, int sequence, MessageElement... elements) {
        return new ControlMessage(type, sequence, List.of(elements));
    }

    /**
     * Whether this is a request (odd types).
     *
     * @return true for requests
     */
    public boolean isRequest() {
        return (type & 1) == 1;
    }

    /**
     * The first element of a kind.
     *
     * @param kind the element's record class
     * @param <T> the kind
     * @return the element
     */
    public <T extends MessageElement> Optional<T> find(Class<T> kind) {
        for (MessageElement e : elements) {
            if (kind.isInstance(e)) {
                return Optional.of(kind.cast(e));
            }
        }
        return Optional.empty();
    }

    /**
     * Every element of a kind, in order.
     *
     * @param kind the element's record class
     * @param <T> the kind
     * @return the elements
     */
    public <T extends MessageElement> List<T> all(Class<T> kind) {
        List<T> found = new ArrayList<>();
        for (MessageElement e : elements) {
            if (kind.isInstance(e)) {
                found.add(kind.cast(e));
            }
        }
        return found;
    }

    /**
     * The Result Code, if the message carries one.
     *
     * @return the result
     */
    public Optional<ResultCode> resultCode() {
        return find(MessageElement.Result.class).map(MessageElement.Result::code);
    }

    /**
     * Writes the message: CAPWAP header (HLEN 2, WBID 1), control header, elements.
     *
     * @param out where it goes, from its writer index
     * @return the message's length in bytes
     * @throws IllegalStateException when the elements exceed the 16-bit Msg Element Length
     */
    public int writeTo(ByteBuf out) {
        int start = out.writerIndex();
        CapwapHeader.write(out, 0, CapwapHeader.WBID_IEEE_80211);
        out.writeInt((int) type);
        out.writeByte(sequence);
        int lengthAt = out.writerIndex();
        out.writeShort(0);
        out.writeByte(0); // flags: 0 (RFC 5415, 4.5.1)
        for (MessageElement e : elements) {
            e.writeTo(out);
        }
        // Msg Element Length: the bytes after the Sequence Number, i.e. itself, the flags and the elements (3 + elements).
        int msgElementLength = out.writerIndex() - lengthAt;
        if (msgElementLength > 0xFFFF) {
            throw new IllegalStateException("message elements of " + msgElementLength + " bytes do not fit a CAPWAP message");
        }
        out.setShort(lengthAt, msgElementLength);
        return out.writerIndex() - start;
    }

    /**
     * Reads a whole (not fragmented) control message.
     *
     * @param in the datagram
     * @param at where the CAPWAP header starts
     * @param limit just past the datagram
     * @return the message
     * @throws CapwapDecodeException naming the field and offset when anything does not fit RFC 5415
     */
    public static ControlMessage read(ByteBuf in, int at, int limit) throws CapwapDecodeException {
        CapwapHeader header = new CapwapHeader().wrap(in, at).validate(limit);
        if (header.fragment()) {
            throw new CapwapDecodeException("F flag", at + 2, "is set: reassemble the fragments first");
        }
        return readControl(in, at + header.headerLength(), limit);
    }

    /**
     * Reads the control header and elements, after the CAPWAP header (a reassembled message).
     *
     * @param in the bytes
     * @param control where the control header starts
     * @param limit just past the message
     * @return the message
     * @throws CapwapDecodeException naming the field and offset
     */
    static ControlMessage readControl(ByteBuf in, int control, int limit) throws CapwapDecodeException {
        if (limit - control < CapwapMessage.CONTROL_HEADER_LENGTH) {
            throw new CapwapDecodeException("control header", control, "needs 8 bytes, " + (limit - control) + " left");
        }
        long type = in.getUnsignedInt(control);
        int sequence = in.getUnsignedByte(control + 4);
        int elementLength = in.getUnsignedShort(control + 5);
        if (elementLength < 3) {
            throw new CapwapDecodeException("Msg Element Length", control + 5, "is " + elementLength + ", less than 3");
        }
        int end = control + 5 + elementLength;
        if (end != limit) {
            throw new CapwapDecodeException("Msg Element Length", control + 5,
                    "says the message ends at " + end + ", it ends at " + limit);
        }
        List<MessageElement> elements = new ArrayList<>();
        int p = control + CapwapMessage.CONTROL_HEADER_LENGTH;
        while (p < end) {
            if (end - p < 4) {
                throw new CapwapDecodeException("message element header", p, "needs 4 bytes, " + (end - p) + " left");
            }
            int t = in.getUnsignedShort(p);
            int length = in.getUnsignedShort(p + 2);
            if (length > end - p - 4) {
                throw new CapwapDecodeException("element " + t + " length", p + 2, "is " + length + ", only " + (end - p - 4) + " bytes left");
            }
            if (elements.size() == MAX_ELEMENTS) {
                throw new CapwapDecodeException("message elements", p, "more than " + MAX_ELEMENTS);
            }
            elements.add(MessageElement.decode(t, in, p + 4, length));
            p += 4 + length;
        }
        return new ControlMessage(type, sequence, elements);
    }

    /**
     * The message type's name, as logs show it: {@code CAPWAP_JOIN_REQUEST(type 3)}.
     *
     * @return the name
     */
    public String typeName() {
        return CapwapMessage.typeName(type);
    }

    /**
     * The message type as an AP's log names it: {@code CAPWAP_WTP_EVENT_REQUEST(type 9)}, as in
     * "Discarding msg CAPWAP_WTP_EVENT_REQUEST(type 9) in CAPWAP state: Image Data".
     *
     * @param type the message type
     * @return the name
     */
    public static String logName(long type) {
        String name = CapwapMessage.typeName(type);
        String constant = name.startsWith("Message Type") ? "UNKNOWN"
                : name.toUpperCase(java.util.Locale.ROOT).replace(' ', '_');
        return "CAPWAP_" + constant + "(type " + type + ")";
    }

    @Override
    public String toString() {
        return typeName() + " seq " + sequence + " " + elements;
    }
}

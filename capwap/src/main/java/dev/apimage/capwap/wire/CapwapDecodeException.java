package dev.apimage.capwap.wire;

/**
 * A CAPWAP message that does not decode: the message names the field and its byte offset in the
 * datagram. Decoders throw nothing else for malformed input.
 */
public class CapwapDecodeException extends Exception {
    private static final long serialVersionUID = 1L;

    private final int offset;

    /**
     * Creates the exception.
     *
     * @param field the field that is wrong, for example {@code HLEN}
     * @param offset its byte offset in the datagram
     * @param problem what is wrong with it
     */
    public CapwapDecodeException(String field, int offset, String problem) {
        super(field + " at offset " + offset + ": " + problem);
        this.offset = offset;
    }

    /**
     * Where the offending field starts.
     *
     * @return the byte offset in the datagram
     */
    public int offset() {
        return offset;
    }
}

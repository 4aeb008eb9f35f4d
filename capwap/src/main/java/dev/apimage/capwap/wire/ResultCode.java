package dev.apimage.capwap.wire;

/**
 * A value of the Result Code message element (RFC 5415, 4.6.35), with the RFC's name. An open
 * value class, as Netty's {@code DnsResponseCode}: the RFC's values are constants, and any other
 * value a peer sends is a result code too ({@link #valueOf} never returns null), so an unknown code
 * is reported as such instead of lost. Values 14 to 17 are the image data errors an AP answers an
 * Image Data Request with.
 */
public final class ResultCode {

    /** 0: Success. */
    public static final ResultCode SUCCESS = new ResultCode(0, "Success");
    /** 1: Failure (AC List Message Element MUST Be Present). */
    public static final ResultCode FAILURE_AC_LIST_REQUIRED = new ResultCode(1, "Failure (AC List Message Element MUST Be Present)");
    /** 2: Success (NAT Detected). */
    public static final ResultCode SUCCESS_NAT_DETECTED = new ResultCode(2, "Success (NAT Detected)");
    /** 3: Join Failure (Unspecified). */
    public static final ResultCode JOIN_FAILURE_UNSPECIFIED = new ResultCode(3, "Join Failure (Unspecified)");
    /** 4: Join Failure (Resource Depletion). */
    public static final ResultCode JOIN_FAILURE_RESOURCE_DEPLETION = new ResultCode(4, "Join Failure (Resource Depletion)");
    /** 5: Join Failure (Unknown Source). */
    public static final ResultCode JOIN_FAILURE_UNKNOWN_SOURCE = new ResultCode(5, "Join Failure (Unknown Source)");
    /** 6: Join Failure (Incorrect Data). */
    public static final ResultCode JOIN_FAILURE_INCORRECT_DATA = new ResultCode(6, "Join Failure (Incorrect Data)");
    /** 7: Join Failure (Session ID Already in Use). */
    public static final ResultCode JOIN_FAILURE_SESSION_ID_IN_USE = new ResultCode(7, "Join Failure (Session ID Already in Use)");
    /** 8: Join Failure (WTP Hardware Not Supported). */
    public static final ResultCode JOIN_FAILURE_HARDWARE_NOT_SUPPORTED = new ResultCode(8, "Join Failure (WTP Hardware Not Supported)");
    /** 9: Join Failure (Binding Not Supported). */
    public static final ResultCode JOIN_FAILURE_BINDING_NOT_SUPPORTED = new ResultCode(9, "Join Failure (Binding Not Supported)");
    /** 10: Reset Failure (Unable to Reset). */
    public static final ResultCode RESET_FAILURE_UNABLE_TO_RESET = new ResultCode(10, "Reset Failure (Unable to Reset)");
    /** 11: Reset Failure (Firmware Write Error). */
    public static final ResultCode RESET_FAILURE_FIRMWARE_WRITE_ERROR = new ResultCode(11, "Reset Failure (Firmware Write Error)");
    /** 12: Configuration Failure (Unable to Apply Requested Configuration - Service Provided Anyhow). */
    public static final ResultCode CONFIGURATION_FAILURE_SERVICE_PROVIDED = new ResultCode(12, "Configuration Failure (Unable to Apply Requested Configuration - Service Provided Anyhow)");
    /** 13: Configuration Failure (Unable to Apply Requested Configuration - Service Not Provided). */
    public static final ResultCode CONFIGURATION_FAILURE_SERVICE_NOT_PROVIDED = new ResultCode(13, "Configuration Failure (Unable to Apply Requested Configuration - Service Not Provided)");
    /** 14: Image Data Error (Invalid Checksum). */
    public static final ResultCode IMAGE_DATA_INVALID_CHECKSUM = new ResultCode(14, "Image Data Error (Invalid Checksum)");
    /** 15: Image Data Error (Invalid Data Length). */
    public static final ResultCode IMAGE_DATA_INVALID_LENGTH = new ResultCode(15, "Image Data Error (Invalid Data Length)");
    /** 16: Image Data Error (Other Error). */
    public static final ResultCode IMAGE_DATA_OTHER_ERROR = new ResultCode(16, "Image Data Error (Other Error)");
    /** 17: Image Data Error (Image Already Present). */
    public static final ResultCode IMAGE_DATA_ALREADY_PRESENT = new ResultCode(17, "Image Data Error (Image Already Present)");
    /** 18: Message Unexpected (Invalid in Current State). */
    public static final ResultCode MESSAGE_UNEXPECTED_INVALID_STATE = new ResultCode(18, "Message Unexpected (Invalid in Current State)");
    /** 19: Message Unexpected (Unrecognized Request). */
    public static final ResultCode MESSAGE_UNEXPECTED_UNRECOGNIZED_REQUEST = new ResultCode(19, "Message Unexpected (Unrecognized Request)");
    /** 20: Failure - Missing Mandatory Message Element. */
    public static final ResultCode FAILURE_MISSING_MANDATORY_ELEMENT = new ResultCode(20, "Failure - Missing Mandatory Message Element");
    /** 21: Failure - Unrecognized Message Element. */
    public static final ResultCode FAILURE_UNRECOGNIZED_ELEMENT = new ResultCode(21, "Failure - Unrecognized Message Element");
    /** 22: Data Transfer Error (No Information to Transfer). */
    public static final ResultCode DATA_TRANSFER_ERROR_NO_INFORMATION = new ResultCode(22, "Data Transfer Error (No Information to Transfer)");

    private static final ResultCode[] DEFINED = {
        SUCCESS,
        FAILURE_AC_LIST_REQUIRED,
        SUCCESS_NAT_DETECTED,
        JOIN_FAILURE_UNSPECIFIED,
        JOIN_FAILURE_RESOURCE_DEPLETION,
        JOIN_FAILURE_UNKNOWN_SOURCE,
        JOIN_FAILURE_INCORRECT_DATA,
        JOIN_FAILURE_SESSION_ID_IN_USE,
        JOIN_FAILURE_HARDWARE_NOT_SUPPORTED,
        JOIN_FAILURE_BINDING_NOT_SUPPORTED,
        RESET_FAILURE_UNABLE_TO_RESET,
        RESET_FAILURE_FIRMWARE_WRITE_ERROR,
        CONFIGURATION_FAILURE_SERVICE_PROVIDED,
        CONFIGURATION_FAILURE_SERVICE_NOT_PROVIDED,
        IMAGE_DATA_INVALID_CHECKSUM,
        IMAGE_DATA_INVALID_LENGTH,
        IMAGE_DATA_OTHER_ERROR,
        IMAGE_DATA_ALREADY_PRESENT,
        MESSAGE_UNEXPECTED_INVALID_STATE,
        MESSAGE_UNEXPECTED_UNRECOGNIZED_REQUEST,
        FAILURE_MISSING_MANDATORY_ELEMENT,
        FAILURE_UNRECOGNIZED_ELEMENT,
        DATA_TRANSFER_ERROR_NO_INFORMATION
    };

    private final long code;
    private final String rfcName;

    private ResultCode(long code, String rfcName) {
        this.code = code;
        this.rfcName = rfcName;
    }

    /**
     * The result code for a wire value: the RFC's constant when it defines one, else a result code
     * named {@code Unknown}.
     *
     * @param code the value (32 bits unsigned on the wire)
     * @return the result code, never null
     */
    public static ResultCode valueOf(long code) {
        return code >= 0 && code < DEFINED.length ? DEFINED[(int) code] : new ResultCode(code, "Unknown");
    }

    /**
     * The values RFC 5415 defines, in order.
     *
     * @return a fresh array
     */
    public static ResultCode[] defined() {
        return DEFINED.clone();
    }

    /**
     * The value on the wire.
     *
     * @return the value; 0..22 for the RFC's
     */
    public long code() {
        return code;
    }

    /**
     * The name RFC 5415 gives the value.
     *
     * @return the name, {@code Unknown} for values it does not define
     */
    public String rfcName() {
        return rfcName;
    }

    /**
     * Tells whether the value is one RFC 5415 defines.
     *
     * @return true for 0..22
     */
    public boolean isDefined() {
        return code >= 0 && code < DEFINED.length;
    }

    /**
     * Tells whether the value reports success (0 or 2).
     *
     * @return true for success
     */
    public boolean isSuccess() {
        return code == 0 || code == 2;
    }

    /**
     * Text for any wire value, as logs show it: {@code 14 Image Data Error (Invalid Checksum)}.
     *
     * @param code the value
     * @return the text
     */
    public static String describe(long code) {
        return valueOf(code).toString();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ResultCode r && r.code == code;
    }

    @Override
    public int hashCode() {
        return Long.hashCode(code);
    }

    /** The value and its name: {@code 14 Image Data Error (Invalid Checksum)}. */
    @Override
    public String toString() {
        return code + " " + (isDefined() ? rfcName : "(unknown)");
    }
}

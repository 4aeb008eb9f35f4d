package dev.apimage.capwap;

/**
 * The values of the Result Code message element (RFC 5415, 4.6.35), with the RFC's names.
 * Values 14 to 17 are the image data errors an AP answers an Image Data Request with.
 */
public enum ResultCode {
    /** 0. */
    SUCCESS(0, "Success"),
    /** 1. */
    FAILURE_AC_LIST_REQUIRED(1, "Failure (AC List Message Element MUST Be Present)"),
    /** 2. */
    SUCCESS_NAT_DETECTED(2, "Success (NAT Detected)"),
    /** 3. */
    JOIN_FAILURE_UNSPECIFIED(3, "Join Failure (Unspecified)"),
    /** 4. */
    JOIN_FAILURE_RESOURCE_DEPLETION(4, "Join Failure (Resource Depletion)"),
    /** 5. */
    JOIN_FAILURE_UNKNOWN_SOURCE(5, "Join Failure (Unknown Source)"),
    /** 6. */
    JOIN_FAILURE_INCORRECT_DATA(6, "Join Failure (Incorrect Data)"),
    /** 7. */
    JOIN_FAILURE_SESSION_ID_IN_USE(7, "Join Failure (Session ID Already in Use)"),
    /** 8. */
    JOIN_FAILURE_HARDWARE_NOT_SUPPORTED(8, "Join Failure (WTP Hardware Not Supported)"),
    /** 9. */
    JOIN_FAILURE_BINDING_NOT_SUPPORTED(9, "Join Failure (Binding Not Supported)"),
    /** 10. */
    RESET_FAILURE_UNABLE_TO_RESET(10, "Reset Failure (Unable to Reset)"),
    /** 11. */
    RESET_FAILURE_FIRMWARE_WRITE_ERROR(11, "Reset Failure (Firmware Write Error)"),
    /** 12. */
    CONFIGURATION_FAILURE_SERVICE_PROVIDED(12,
            "Configuration Failure (Unable to Apply Requested Configuration - Service Provided Anyhow)"),
    /** 13. */
    CONFIGURATION_FAILURE_SERVICE_NOT_PROVIDED(13,
            "Configuration Failure (Unable to Apply Requested Configuration - Service Not Provided)"),
    /** 14. */
    IMAGE_DATA_INVALID_CHECKSUM(14, "Image Data Error (Invalid Checksum)"),
    /** 15. */
    IMAGE_DATA_INVALID_LENGTH(15, "Image Data Error (Invalid Data Length)"),
    /** 16. */
    IMAGE_DATA_OTHER_ERROR(16, "Image Data Error (Other Error)"),
    /** 17. */
    IMAGE_DATA_ALREADY_PRESENT(17, "Image Data Error (Image Already Present)"),
    /** 18. */
    MESSAGE_UNEXPECTED_INVALID_STATE(18, "Message Unexpected (Invalid in Current State)"),
    /** 19. */
    MESSAGE_UNEXPECTED_UNRECOGNIZED_REQUEST(19, "Message Unexpected (Unrecognized Request)"),
    /** 20. */
    FAILURE_MISSING_MANDATORY_ELEMENT(20, "Failure - Missing Mandatory Message Element"),
    /** 21. */
    FAILURE_UNRECOGNIZED_ELEMENT(21, "Failure - Unrecognized Message Element"),
    /** 22. */
    DATA_TRANSFER_ERROR_NO_INFORMATION(22, "Data Transfer Error (No Information to Transfer)");

    private static final ResultCode[] BY_CODE = values();

    private final int code;
    private final String rfcName;

    ResultCode(int code, String rfcName) {
        this.code = code;
        this.rfcName = rfcName;
    }

    /**
     * The value on the wire.
     *
     * @return 0..22
     */
    public int code() {
        return code;
    }

    /**
     * The name RFC 5415 gives the value.
     *
     * @return the name
     */
    public String rfcName() {
        return rfcName;
    }

    /**
     * Tells whether the value reports success (0 or 2).
     *
     * @return true for success
     */
    public boolean isSuccess() {
        return this == SUCCESS || this == SUCCESS_NAT_DETECTED;
    }

    /**
     * The result code for a wire value.
     *
     * @param code the value
     * @return the result code, or null for a value RFC 5415 does not define
     */
    public static ResultCode of(long code) {
        return code >= 0 && code < BY_CODE.length ? BY_CODE[(int) code] : null;
    }

    /**
     * Text for any wire value, as logs show it: {@code 14 Image Data Error (Invalid Checksum)}.
     *
     * @param code the value
     * @return the text, {@code unknown} for values RFC 5415 does not define
     */
    public static String describe(long code) {
        ResultCode rc = of(code);
        return code + " " + (rc == null ? "(unknown)" : rc.rfcName);
    }
}

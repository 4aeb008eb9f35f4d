package dev.apimage.capwap.wire;

import dev.apimage.image.ImageVersion;
import io.netty.buffer.ByteBuf;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One message element of a CAPWAP control message (RFC 5415, 4.6; the IEEE 802.11 binding's in
 * RFC 5416), as an immutable value: what the control session sends and reads. The Image Data
 * exchange keeps its allocation-free flyweight ({@link CapwapMessage}); these values are for the
 * messages that come once per session. Every decoder validates every length and count against the
 * RFC and names the field and its offset when it does not fit ({@link CapwapDecodeException});
 * elements of any other type are kept as {@link Unknown} and written back unchanged.
 */
public sealed interface MessageElement {

    /** AC Descriptor (1). */
    int AC_DESCRIPTOR = 1;
    /** AC IPv4 List (2). */
    int AC_IPV4_LIST = 2;
    /** AC Name (4). */
    int AC_NAME = 4;
    /** CAPWAP Control IPv4 Address (10). */
    int CONTROL_IPV4_ADDRESS = 10;
    /** CAPWAP Timers (12). */
    int CAPWAP_TIMERS = 12;
    /** Decryption Error Report Period (16). */
    int DECRYPTION_ERROR_REPORT_PERIOD = 16;
    /** Discovery Type (20). */
    int DISCOVERY_TYPE = 20;
    /** Idle Timeout (23). */
    int IDLE_TIMEOUT = 23;
    /** Image Identifier (25). */
    int IMAGE_IDENTIFIER = 25;
    /** Location Data (28). */
    int LOCATION_DATA = 28;
    /** Maximum Message Length (29). */
    int MAXIMUM_MESSAGE_LENGTH = 29;
    /** CAPWAP Local IPv4 Address (30). */
    int LOCAL_IPV4_ADDRESS = 30;
    /** Radio Administrative State (31). */
    int RADIO_ADMINISTRATIVE_STATE = 31;
    /** Radio Operational State (32). */
    int RADIO_OPERATIONAL_STATE = 32;
    /** Result Code (33). */
    int RESULT_CODE = 33;
    /** Session ID (35). */
    int SESSION_ID = 35;
    /** Statistics Timer (36). */
    int STATISTICS_TIMER = 36;
    /** Vendor Specific Payload (37). */
    int VENDOR_SPECIFIC = 37;
    /** WTP Board Data (38). */
    int WTP_BOARD_DATA = 38;
    /** WTP Descriptor (39). */
    int WTP_DESCRIPTOR = 39;
    /** WTP Fallback (40). */
    int WTP_FALLBACK = 40;
    /** WTP Frame Tunnel Mode (41). */
    int WTP_FRAME_TUNNEL_MODE = 41;
    /** WTP MAC Type (44). */
    int WTP_MAC_TYPE = 44;
    /** WTP Name (45). */
    int WTP_NAME = 45;
    /** WTP Reboot Statistics (48). */
    int WTP_REBOOT_STATISTICS = 48;
    /** ECN Support (53). */
    int ECN_SUPPORT = 53;
    /** IEEE 802.11 WTP Radio Information (RFC 5416, 6.25). */
    int IEEE80211_WTP_RADIO_INFORMATION = 1048;

    /** The most bytes a sub-element's value may have (RFC 5415, 4.6.1, 4.6.40, 4.6.41). */
    int MAX_SUB_ELEMENT = 1024;
    /** The most sub-elements one element may carry here: a bound against a crafted element, far above the RFC's few. */
    int MAX_SUB_ELEMENTS = 64;

    /**
     * The element's type.
     *
     * @return the type number
     */
    int type();

    /**
     * Writes the element's value (without the type and length header).
     *
     * @param out where it goes
     */
    void writeValue(ByteBuf out);

    /**
     * Writes the whole element: type, length, value.
     *
     * @param out where it goes
     */
    default void writeTo(ByteBuf out) {
        int at = out.writerIndex();
        out.writeShort(type());
        out.writeShort(0);
        writeValue(out);
        int length = out.writerIndex() - at - 4;
        if (length > 0xFFFF) {
            throw new IllegalStateException("element " + type() + " of " + length + " bytes does not fit its 16-bit length");
        }
        out.setShort(at + 2, length);
    }

    // --- the elements ---

    /**
     * AC Descriptor (RFC 5415, 4.6.1): what the controller is and supports.
     *
     * @param stations stations served now
     * @param limit most stations
     * @param activeWtps WTPs joined now
     * @param maxWtps most WTPs
     * @param security bit mask: 0x04 pre-shared key (S), 0x02 X.509 certificates (X)
     * @param rMac 1 supported, 2 not supported
     * @param dtlsPolicy bit mask: 0x04 DTLS data channel (D), 0x02 clear data channel (C)
     * @param information the AC Information sub-elements; hardware (4) and software (5) versions must be there
     */
    record AcDescriptor(int stations, int limit, int activeWtps, int maxWtps, int security, int rMac, int dtlsPolicy,
            List<Information> information) implements MessageElement {

        /** Hardware Version (4). */
        public static final int HARDWARE_VERSION = 4;
        /** Software Version (5). */
        public static final int SOFTWARE_VERSION = 5;

        /**
         * One AC Information sub-element.
         *
         * @param vendor 0 for the RFC's types
         * @param type 4 hardware or 5 software version, or a vendor's
         * @param data the value
         */
        public record Information(long vendor, int type, Octets data) {
            /** Checks the values. */
            public Information {
                Objects.requireNonNull(data, "data");
                checkU32(vendor, "vendor");
                checkU16(type, "type");
                if (data.length() > MAX_SUB_ELEMENT) {
                    throw new IllegalArgumentException("AC Information of " + data.length() + " bytes, at most 1024");
                }
            }
        }

        /** Checks the values. */
        public AcDescriptor {
            checkU16(stations, "stations");
            checkU16(limit, "limit");
            checkU16(activeWtps, "activeWtps");
            checkU16(maxWtps, "maxWtps");
            checkU8(security, "security");
            checkU8(rMac, "rMac");
            checkU8(dtlsPolicy, "dtlsPolicy");
            information = List.copyOf(information);
        }

        /**
         * A descriptor with the two mandatory sub-elements as text.
         *
         * @param activeWtps joined now
         * @param maxWtps most
         * @param hardware the hardware version
         * @param software the software version
         * @return the descriptor
         */
        public static AcDescriptor of(int activeWtps, int maxWtps, String hardware, ImageVersion software) {
            return new AcDescriptor(0, 0, activeWtps, maxWtps, 0x06, 2, 0x02,
                    List.of(new Information(0, HARDWARE_VERSION, Octets.utf8(hardware)),
                            new Information(0, SOFTWARE_VERSION, SoftwareVersions.text(software))));
        }

        /**
         * The software version sub-element, read in either form.
         *
         * @return the version
         */
        public Optional<ImageVersion> softwareVersion() {
            return information.stream().filter(i -> i.vendor() == 0 && i.type() == SOFTWARE_VERSION).findFirst()
                    .flatMap(i -> SoftwareVersions.decode(i.data()));
        }

        @Override
        public int type() {
            return AC_DESCRIPTOR;
        }

        @Override
        public void writeValue(ByteBuf out) {
            out.writeShort(stations).writeShort(limit).writeShort(activeWtps).writeShort(maxWtps);
            out.writeByte(security).writeByte(rMac).writeByte(0).writeByte(dtlsPolicy);
            for (Information i : information) {
                out.writeInt((int) i.vendor()).writeShort(i.type()).writeShort(i.data().length());
                i.data().writeTo(out);
            }
        }

        static AcDescriptor decode(ByteBuf b, int at, int length) throws CapwapDecodeException {
            atLeast(length, 12, "AC Descriptor", at);
            List<Information> info = new ArrayList<>();
            int p = at + 12;
            int end = at + length;
            while (p < end) {
                need(end - p, 8, "AC Information sub-element", p);
                int len = b.getUnsignedShort(p + 6);
                subLength(len, end - p - 8, "AC Information Length", p + 6);
                info.add(new Information(b.getUnsignedInt(p), b.getUnsignedShort(p + 4), octets(b, p + 8, len)));
                bound(info.size(), "AC Information sub-elements", p);
                p += 8 + len;
            }
            return new AcDescriptor(b.getUnsignedShort(at), b.getUnsignedShort(at + 2), b.getUnsignedShort(at + 4),
                    b.getUnsignedShort(at + 6), b.getUnsignedByte(at + 8), b.getUnsignedByte(at + 9), b.getUnsignedByte(at + 11), info);
        }
    }

    /**
     * AC Name (RFC 5415, 4.6.4).
     *
     * @param name 1 to 512 bytes of UTF-8
     */
    record AcName(String name) implements MessageElement {
        /** Checks the name. */
        public AcName {
            checkText(name, 512, "AC Name");
        }

        @Override
        public int type() {
            return AC_NAME;
        }

        @Override
        public void writeValue(ByteBuf out) {
            out.writeBytes(name.getBytes(StandardCharsets.UTF_8));
        }
    }

    /**
     * CAPWAP Control IPv4 Address (RFC 5415, 4.6.9): where a WTP joins, and how many have.
     *
     * @param address the controller's IPv4 address
     * @param wtpCount WTPs joined through it
     */
    record ControlIpv4Address(Inet4Address address, int wtpCount) implements MessageElement {
        /** Checks the values. */
        public ControlIpv4Address {
            Objects.requireNonNull(address, "address");
            checkU16(wtpCount, "wtpCount");
        }

        @Override
        public int type() {
            return CONTROL_IPV4_ADDRESS;
        }

        @Override
        public void writeValue(ByteBuf out) {
            out.writeBytes(address.getAddress()).writeShort(wtpCount);
        }

        static ControlIpv4Address decode(ByteBuf b, int at, int length) throws CapwapDecodeException {
            exactly(length, 6, "CAPWAP Control IPv4 Address", at);
            return new ControlIpv4Address(ipv4(b, at), b.getUnsignedShort(at + 4));
        }
    }

    /**
     * CAPWAP Timers (RFC 5415, 4.6.13).
     *
     * @param discovery MaxDiscoveryInterval, seconds (2 to 180)
     * @param echoRequest EchoInterval, seconds
     */
    record CapwapTimers(int discovery, int echoRequest) implements MessageElement {
        /** Checks the values. */
        public CapwapTimers {
            checkU8(discovery, "discovery");
            checkU8(echoRequest, "echoRequest");
        }

        @Override
        public int type() {
            return CAPWAP_TIMERS;
        }

        @Override
        public void writeValue(ByteBuf out) {
            out.writeByte(discovery).writeByte(echoRequest);
        }
    }

    /**
     * Discovery Type (RFC 5415, 4.6.21): how the WTP found the controller.
     *
     * @param value 0 unknown, 1 static configuration, 2 DHCP, 3 DNS, 4 AC referral
     */
    record DiscoveryType(int value) implements MessageElement {
        /** Unknown (0). */
        public static final int UNKNOWN = 0;
        /** Static configuration (1). */
        public static final int STATIC = 1;

        /** Checks the value. */
        public DiscoveryType {
            checkU8(value, "discovery type");
        }

        @Override
        public int type() {
            return DISCOVERY_TYPE;
        }

        @Override
        public void writeValue(ByteBuf out) {
            out.writeByte(value);
        }
    }

    /**
     * Idle Timeout (RFC 5415, 4.6.24).
     *
     * @param seconds the station idle timeout
     */
    record IdleTimeout(long seconds) implements MessageElement {
        /** Checks the value. */
        public IdleTimeout {
            checkU32(seconds, "seconds");
        }

        @Override
        public int type() {
            return IDLE_TIMEOUT;
        }

        @Override
        public void writeValue(ByteBuf out) {
            out.writeInt((int) seconds);
        }
    }

    /**
     * Image Identifier (RFC 5415, 4.6.27): the image a controller wants its WTPs to run, or a WTP
     * asks for.
     *
     * @param vendor the vendor (Cisco APs put 14179, Airespace)
     * @param name 1 to 1024 bytes of UTF-8, no NUL
     */
    record ImageIdentifier(long vendor, String name) implements MessageElement {
        /** Checks the values. */
        public ImageIdentifier {
            checkU32(vendor, "vendor");
            checkText(name, 1024, "image name");
        }

        @Override
        public int type() {
            return IMAGE_IDENTIFIER;
        }

        @Override
        public void writeValue(ByteBuf out) {
            out.writeInt((int) vendor).writeBytes(name.getBytes(StandardCharsets.UTF_8));
        }

        static ImageIdentifier decode(ByteBuf b, int at, int length) throws CapwapDecodeException {
            atLeast(length, 5, "Image Identifier", at);
            if (length > 4 + 1024) {
                throw new CapwapDecodeException("Image Identifier length", at, "is " + length + ", at most 1028");
            }
            return new ImageIdentifier(b.getUnsignedInt(at), text(b, at + 4, length - 4, "image name"));
        }
    }

    /**
     * Location Data (RFC 5415, 4.6.30).
     *
     * @param location 1 to 1024 bytes of UTF-8
     */
    record LocationData(String location) implements MessageElement {
        /** Checks the value. */
        public LocationData {
            checkText(location, 1024, "Location Data");
        }

        @Override
        public int type() {
            return LOCATION_DATA;
        }

        @Override
        public void writeValue(ByteBuf out) {
            out.writeBytes(location.getBytes(StandardCharsets.UTF_8));
        }
    }

    /**
     * Maximum Message Length (RFC 5415, 4.6.31).
     *
     * @param bytes the longest message the sender accepts
     */
    record MaximumMessageLength(int bytes) implements MessageElement {
        /** Checks the value. */
        public MaximumMessageLength {
            checkU16(bytes, "bytes");
        }

        @Override
        public int type() {
            return MAXIMUM_MESSAGE_LENGTH;
        }

        @Override
        public void writeValue(ByteBuf out) {
            out.writeShort(bytes);
        }
    }

    /**
     * CAPWAP Local IPv4 Address (RFC 5415, 4.6.11): the address the WTP sends from, for NAT detection.
     *
     * @param address the address
     */
    record LocalIpv4Address(Inet4Address address) implements MessageElement {
        /** Checks the value. */
        public LocalIpv4Address {
            Objects.requireNonNull(address, "address");
        }

        @Override
        public int type() {
            return LOCAL_IPV4_ADDRESS;
        }

        @Override
        public void writeValue(ByteBuf out) {
            out.writeBytes(address.getAddress());
        }
    }

    /**
     * Radio Administrative State (RFC 5415, 4.6.33).
     *
     * @param radioId 1 to 31, or 255 for the whole WTP
     * @param state 1 enabled, 2 disabled
     */
    record RadioAdministrativeState(int radioId, int state) implements MessageElement {
        /** Checks the values. */
        public RadioAdministrativeState {
            checkU8(radioId, "radioId");
            checkU8(state, "state");
        }

        @Override
        public int type() {
            return RADIO_ADMINISTRATIVE_STATE;
        }

        @Override
        public void writeValue(ByteBuf out) {
            out.writeByte(radioId).writeByte(state);
        }
    }

    /**
     * Result Code (RFC 5415, 4.6.35).
     *
     * @param code the result
     */
    record Result(ResultCode code) implements MessageElement {
        /** Checks the value. */
        public Result {
            Objects.requireNonNull(code, "code");
        }

        @Override
        public int type() {
            return RESULT_CODE;
        }

        @Override
        public void writeValue(ByteBuf out) {
            out.writeInt((int) code.code());
        }
    }

    /**
     * Session ID (RFC 5415, 4.6.37): 128 random bits naming one WTP's session.
     *
     * @param id 16 bytes
     */
    record SessionId(Octets id) implements MessageElement {
        /** Checks the value. */
        public SessionId {
            if (id.length() != 16) {
                throw new IllegalArgumentException("a Session ID has 16 bytes, not " + id.length());
            }
        }

        @Override
        public int type() {
            return SESSION_ID;
        }

        @Override
        public void writeValue(ByteBuf out) {
            id.writeTo(out);
        }
    }

    /**
     * Vendor Specific Payload (RFC 5415, 4.6.39), passed through as it came.
     *
     * @param vendor the vendor
     * @param elementId the vendor's element id
     * @param data the payload
     */
    record VendorSpecific(long vendor, int elementId, Octets data) implements MessageElement {
        /** Checks the values. */
        public VendorSpecific {
            checkU32(vendor, "vendor");
            checkU16(elementId, "elementId");
            Objects.requireNonNull(data, "data");
        }

        @Override
        public int type() {
            return VENDOR_SPECIFIC;
        }

        @Override
        public void writeValue(ByteBuf out) {
            out.writeInt((int) vendor).writeShort(elementId);
            data.writeTo(out);
        }
    }

    /**
     * WTP Board Data (RFC 5415, 4.6.40): the hardware.
     *
     * @param vendor the manufacturer (not 0)
     * @param items the sub-elements; model number (0) and serial number (1) must be there
     */
    record WtpBoardData(long vendor, List<Item> items) implements MessageElement {
        /** WTP Model Number (0). */
        public static final int MODEL_NUMBER = 0;
        /** WTP Serial Number (1). */
        public static final int SERIAL_NUMBER = 1;
        /** Board ID (2). */
        public static final int BOARD_ID = 2;
        /** Board Revision (3). */
        public static final int BOARD_REVISION = 3;
        /** Base MAC Address (4). */
        public static final int BASE_MAC = 4;

        /**
         * One Board Data sub-element.
         *
         * @param type the Board Data Type
         * @param value at most 1024 bytes
         */
        public record Item(int type, Octets value) {
            /** Checks the values. */
            public Item {
                checkU16(type, "type");
                if (value.length() > MAX_SUB_ELEMENT) {
                    throw new IllegalArgumentException("Board Data of " + value.length() + " bytes, at most 1024");
                }
            }
        }

        /** Checks the values. */
        public WtpBoardData {
            checkU32(vendor, "vendor");
            items = List.copyOf(items);
        }

        /**
         * Board data with the usual sub-elements.
         *
         * @param vendor the manufacturer
         * @param model the model number, for example {@code C9105AXI-B}
         * @param serial the serial number
         * @param baseMac the base MAC address, six bytes
         * @return the element
         */
        public static WtpBoardData of(long vendor, String model, String serial, Octets baseMac) {
            return new WtpBoardData(vendor, List.of(new Item(MODEL_NUMBER, Octets.utf8(model)), new Item(SERIAL_NUMBER, Octets.utf8(serial)),
                    new Item(BASE_MAC, baseMac)));
        }

        private Optional<Octets> item(int type) {
            return items.stream().filter(i -> i.type() == type).map(Item::value).findFirst();
        }

        /**
         * The model number.
         *
         * @return the text
         */
        public Optional<String> modelNumber() {
            return item(MODEL_NUMBER).map(Octets::utf8);
        }

        /**
         * The serial number.
         *
         * @return the text
         */
        public Optional<String> serialNumber() {
            return item(SERIAL_NUMBER).map(Octets::utf8);
        }

        /**
         * The base MAC address.
         *
         * @return its bytes
         */
        public Optional<Octets> baseMac() {
            return item(BASE_MAC);
        }

        @Override
        public int type() {
            return WTP_BOARD_DATA;
        }

        @Override
        public void writeValue(ByteBuf out) {
            out.writeInt((int) vendor);
            for (Item i : items) {
                out.writeShort(i.type()).writeShort(i.value().length());
                i.value().writeTo(out);
            }
        }

        static WtpBoardData decode(ByteBuf b, int at, int length) throws CapwapDecodeException {
            atLeast(length, 4, "WTP Board Data", at);
            List<Item> items = new ArrayList<>();
            int p = at + 4;
            int end = at + length;
            while (p < end) {
                need(end - p, 4, "Board Data sub-element", p);
                int len = b.getUnsignedShort(p + 2);
                subLength(len, end - p - 4, "Board Data Length", p + 2);
                items.add(new Item(b.getUnsignedShort(p), octets(b, p + 4, len)));
                bound(items.size(), "Board Data sub-elements", p);
                p += 4 + len;
            }
            return new WtpBoardData(b.getUnsignedInt(at), items);
        }
    }

    /**
     * WTP Descriptor (RFC 5415, 4.6.41): the radios, the encryption per binding and the versions.
     *
     * @param maxRadios radios supported
     * @param radiosInUse radios in use
     * @param encryption one per binding, at least one
     * @param descriptors the Descriptor sub-elements: hardware (0), active software (1), boot (2), other software (3)
     */
    record WtpDescriptor(int maxRadios, int radiosInUse, List<Encryption> encryption, List<Descriptor> descriptors)
            implements MessageElement {

        /** Hardware Version (0). */
        public static final int HARDWARE_VERSION = 0;
        /** Active Software Version (1). */
        public static final int ACTIVE_SOFTWARE_VERSION = 1;
        /** Boot Version (2). */
        public static final int BOOT_VERSION = 2;
        /** Other Software Version (3): the backup image. */
        public static final int OTHER_SOFTWARE_VERSION = 3;

        /**
         * One Encryption sub-element.
         *
         * @param wbid the wireless binding (1 for IEEE 802.11)
         * @param capabilities the binding's encryption capabilities
         */
        public record Encryption(int wbid, int capabilities) {
            /** Checks the values. */
            public Encryption {
                if (wbid < 0 || wbid > 31) {
                    throw new IllegalArgumentException("WBID is 5 bits: " + wbid);
                }
                checkU16(capabilities, "capabilities");
            }
        }

        /**
         * One Descriptor sub-element.
         *
         * @param vendor 0 for the RFC's types
         * @param type the Descriptor Type
         * @param data at most 1024 bytes
         */
        public record Descriptor(long vendor, int type, Octets data) {
            /** Checks the values. */
            public Descriptor {
                checkU32(vendor, "vendor");
                checkU16(type, "type");
                if (data.length() > MAX_SUB_ELEMENT) {
                    throw new IllegalArgumentException("Descriptor of " + data.length() + " bytes, at most 1024");
                }
            }
        }

        /** Checks the values. */
        public WtpDescriptor {
            checkU8(maxRadios, "maxRadios");
            checkU8(radiosInUse, "radiosInUse");
            encryption = List.copyOf(encryption);
            descriptors = List.copyOf(descriptors);
            if (encryption.isEmpty() || encryption.size() > 255) {
                throw new IllegalArgumentException("a WTP Descriptor has 1 to 255 Encryption sub-elements, not " + encryption.size());
            }
        }

        /**
         * The descriptor of an AP, its versions in the four-byte form Cisco APs use when they have
         * one, else as text.
         *
         * @param vendor the vendor of the descriptors
         * @param radios radios, all in use
         * @param hardware the hardware version text
         * @param active the running version
         * @param boot the boot loader version
         * @param other the backup version, if any
         * @return the element
         */
        public static WtpDescriptor of(long vendor, int radios, String hardware, ImageVersion active, ImageVersion boot,
                Optional<ImageVersion> other) {
            List<Descriptor> d = new ArrayList<>();
            d.add(new Descriptor(vendor, HARDWARE_VERSION, Octets.utf8(hardware)));
            d.add(new Descriptor(vendor, ACTIVE_SOFTWARE_VERSION, form(active)));
            d.add(new Descriptor(vendor, BOOT_VERSION, form(boot)));
            other.ifPresent(v -> d.add(new Descriptor(vendor, OTHER_SOFTWARE_VERSION, form(v))));
            return new WtpDescriptor(radios, radios, List.of(new Encryption(1, 0)), d);
        }

        private static Octets form(ImageVersion v) {
            return SoftwareVersions.hasBinaryForm(v) ? SoftwareVersions.binary(v) : SoftwareVersions.text(v);
        }

        private Optional<ImageVersion> version(int type) {
            return descriptors.stream().filter(d -> d.type() == type).findFirst().flatMap(d -> SoftwareVersions.decode(d.data()));
        }

        /**
         * The running version (the AP log's "AP image version").
         *
         * @return the version, read in either form
         */
        public Optional<ImageVersion> activeSoftwareVersion() {
            return version(ACTIVE_SOFTWARE_VERSION);
        }

        /**
         * The version kept in the other flash partition (the AP log's "backup").
         *
         * @return the version, read in either form
         */
        public Optional<ImageVersion> otherSoftwareVersion() {
            return version(OTHER_SOFTWARE_VERSION);
        }

        @Override
        public int type() {
            return WTP_DESCRIPTOR;
        }

        @Override
        public void writeValue(ByteBuf out) {
            out.writeByte(maxRadios).writeByte(radiosInUse).writeByte(encryption.size());
            for (Encryption e : encryption) {
                out.writeByte(e.wbid()).writeShort(e.capabilities());
            }
            for (Descriptor d : descriptors) {
                out.writeInt((int) d.vendor()).writeShort(d.type()).writeShort(d.data().length());
                d.data().writeTo(out);
            }
        }

        static WtpDescriptor decode(ByteBuf b, int at, int length) throws CapwapDecodeException {
            atLeast(length, 3, "WTP Descriptor", at);
            int numEncrypt = b.getUnsignedByte(at + 2);
            if (numEncrypt < 1) {
                throw new CapwapDecodeException("Num Encrypt", at + 2, "is 0, at least 1");
            }
            int end = at + length;
            int p = at + 3;
            if (end - p < 3 * numEncrypt) {
                throw new CapwapDecodeException("Encryption sub-elements", p, numEncrypt + " of 3 bytes need " + 3 * numEncrypt
                        + ", " + (end - p) + " left");
            }
            List<Encryption> enc = new ArrayList<>(numEncrypt);
            for (int i = 0; i < numEncrypt; i++, p += 3) {
                enc.add(new Encryption(b.getUnsignedByte(p) & 0x1F, b.getUnsignedShort(p + 1)));
            }
            List<Descriptor> ds = new ArrayList<>();
            while (p < end) {
                need(end - p, 8, "Descriptor sub-element", p);
                int len = b.getUnsignedShort(p + 6);
                subLength(len, end - p - 8, "Descriptor Length", p + 6);
                ds.add(new Descriptor(b.getUnsignedInt(p), b.getUnsignedShort(p + 4), octets(b, p + 8, len)));
                bound(ds.size(), "Descriptor sub-elements", p);
                p += 8 + len;
            }
            return new WtpDescriptor(b.getUnsignedByte(at), b.getUnsignedByte(at + 1), enc, ds);
        }
    }

    /**
     * WTP Fallback (RFC 5415, 4.6.42).
     *
     * @param mode 1 enabled, 2 disabled
     */
    record WtpFallback(int mode) implements MessageElement {
        /** Checks the value. */
        public WtpFallback {
            checkU8(mode, "mode");
        }

        @Override
        public int type() {
            return WTP_FALLBACK;
        }

        @Override
        public void writeValue(ByteBuf out) {
            out.writeByte(mode);
        }
    }

    /**
     * WTP Frame Tunnel Mode (RFC 5415, 4.6.43).
     *
     * @param flags bit mask: 0x08 native (N), 0x04 802.3 (E), 0x02 local bridging (L)
     */
    record WtpFrameTunnelMode(int flags) implements MessageElement {
        /** Checks the value. */
        public WtpFrameTunnelMode {
            checkU8(flags, "flags");
        }

        @Override
        public int type() {
            return WTP_FRAME_TUNNEL_MODE;
        }

        @Override
        public void writeValue(ByteBuf out) {
            out.writeByte(flags);
        }
    }

    /**
     * WTP MAC Type (RFC 5415, 4.6.44).
     *
     * @param value 0 local MAC, 1 split MAC, 2 both
     */
    record WtpMacType(int value) implements MessageElement {
        /** Checks the value. */
        public WtpMacType {
            checkU8(value, "value");
        }

        @Override
        public int type() {
            return WTP_MAC_TYPE;
        }

        @Override
        public void writeValue(ByteBuf out) {
            out.writeByte(value);
        }
    }

    /**
     * WTP Name (RFC 5415, 4.6.45).
     *
     * @param name 1 to 512 bytes of UTF-8
     */
    record WtpName(String name) implements MessageElement {
        /** Checks the value. */
        public WtpName {
            checkText(name, 512, "WTP Name");
        }

        @Override
        public int type() {
            return WTP_NAME;
        }

        @Override
        public void writeValue(ByteBuf out) {
            out.writeBytes(name.getBytes(StandardCharsets.UTF_8));
        }
    }

    /**
     * WTP Reboot Statistics (RFC 5415, 4.6.47).
     *
     * @param rebootCount reboots
     * @param acInitiated reboots the AC asked for
     * @param linkFailures reboots after a link failure
     * @param softwareFailures after a software failure
     * @param hardwareFailures after a hardware failure
     * @param otherFailures after another failure
     * @param unknownFailures for an unknown reason
     * @param lastFailureType the last one's cause
     */
    record WtpRebootStatistics(int rebootCount, int acInitiated, int linkFailures, int softwareFailures, int hardwareFailures,
            int otherFailures, int unknownFailures, int lastFailureType) implements MessageElement {
        /** Checks the values. */
        public WtpRebootStatistics {
            checkU16(rebootCount, "rebootCount");
            checkU16(acInitiated, "acInitiated");
            checkU16(linkFailures, "linkFailures");
            checkU16(softwareFailures, "softwareFailures");
            checkU16(hardwareFailures, "hardwareFailures");
            checkU16(otherFailures, "otherFailures");
            checkU16(unknownFailures, "unknownFailures");
            checkU8(lastFailureType, "lastFailureType");
        }

        /**
         * Statistics of an AP that never rebooted.
         *
         * @return zeros, last failure "not supported" (0)
         */
        public static WtpRebootStatistics none() {
            return new WtpRebootStatistics(0, 0, 0, 0, 0, 0, 0, 0);
        }

        @Override
        public int type() {
            return WTP_REBOOT_STATISTICS;
        }

        @Override
        public void writeValue(ByteBuf out) {
            out.writeShort(rebootCount).writeShort(acInitiated).writeShort(linkFailures).writeShort(softwareFailures)
                    .writeShort(hardwareFailures).writeShort(otherFailures).writeShort(unknownFailures).writeByte(lastFailureType);
        }

        static WtpRebootStatistics decode(ByteBuf b, int at, int length) throws CapwapDecodeException {
            exactly(length, 15, "WTP Reboot Statistics", at);
            return new WtpRebootStatistics(b.getUnsignedShort(at), b.getUnsignedShort(at + 2), b.getUnsignedShort(at + 4),
                    b.getUnsignedShort(at + 6), b.getUnsignedShort(at + 8), b.getUnsignedShort(at + 10), b.getUnsignedShort(at + 12),
                    b.getUnsignedByte(at + 14));
        }
    }

    /**
     * ECN Support (RFC 5415, 4.6.25).
     *
     * @param value 0 limited, 1 full and limited
     */
    record EcnSupport(int value) implements MessageElement {
        /** Checks the value. */
        public EcnSupport {
            checkU8(value, "value");
        }

        @Override
        public int type() {
            return ECN_SUPPORT;
        }

        @Override
        public void writeValue(ByteBuf out) {
            out.writeByte(value);
        }
    }

    /**
     * IEEE 802.11 WTP Radio Information (RFC 5416, 6.25): one per radio in Discovery and Join Requests.
     *
     * @param radioId 1 to 31
     * @param radioTypes bit mask: 0x08 802.11n, 0x04 802.11g, 0x02 802.11a, 0x01 802.11b
     */
    record WtpRadioInformation(int radioId, long radioTypes) implements MessageElement {
        /** Checks the values. */
        public WtpRadioInformation {
            checkU8(radioId, "radioId");
            checkU32(radioTypes, "radioTypes");
        }

        @Override
        public int type() {
            return IEEE80211_WTP_RADIO_INFORMATION;
        }

        @Override
        public void writeValue(ByteBuf out) {
            out.writeByte(radioId).writeInt((int) radioTypes);
        }

        static WtpRadioInformation decode(ByteBuf b, int at, int length) throws CapwapDecodeException {
            exactly(length, 5, "IEEE 802.11 WTP Radio Information", at);
            return new WtpRadioInformation(b.getUnsignedByte(at), b.getUnsignedInt(at + 1));
        }
    }

    /**
     * AC IPv4 List (RFC 5415, 4.6.2): the controllers a WTP may join.
     *
     * @param addresses one or more
     */
    record AcIpv4List(List<Inet4Address> addresses) implements MessageElement {
        /** Checks the values. */
        public AcIpv4List {
            addresses = List.copyOf(addresses);
            if (addresses.isEmpty() || addresses.size() > 1024) {
                throw new IllegalArgumentException("an AC IPv4 List has 1 to 1024 addresses, not " + addresses.size());
            }
        }

        @Override
        public int type() {
            return AC_IPV4_LIST;
        }

        @Override
        public void writeValue(ByteBuf out) {
            for (Inet4Address a : addresses) {
                out.writeBytes(a.getAddress());
            }
        }

        static AcIpv4List decode(ByteBuf b, int at, int length) throws CapwapDecodeException {
            if (length < 4 || length % 4 != 0 || length > 4096) {
                throw new CapwapDecodeException("AC IPv4 List length", at, "is " + length + ", a multiple of 4 from 4 to 4096");
            }
            List<Inet4Address> list = new ArrayList<>(length / 4);
            for (int p = at; p < at + length; p += 4) {
                list.add(ipv4(b, p));
            }
            return new AcIpv4List(list);
        }
    }

    /**
     * Decryption Error Report Period (RFC 5415, 4.6.18).
     *
     * @param radioId the radio
     * @param seconds the report interval
     */
    record DecryptionErrorReportPeriod(int radioId, int seconds) implements MessageElement {
        /** Checks the values. */
        public DecryptionErrorReportPeriod {
            checkU8(radioId, "radioId");
            checkU16(seconds, "seconds");
        }

        @Override
        public int type() {
            return DECRYPTION_ERROR_REPORT_PERIOD;
        }

        @Override
        public void writeValue(ByteBuf out) {
            out.writeByte(radioId).writeShort(seconds);
        }
    }

    /**
     * Radio Operational State (RFC 5415, 4.6.34).
     *
     * @param radioId the radio
     * @param state 1 enabled, 2 disabled
     * @param cause 0 normal, 1 radio failure, 2 software failure, 3 administratively set
     */
    record RadioOperationalState(int radioId, int state, int cause) implements MessageElement {
        /** Checks the values. */
        public RadioOperationalState {
            checkU8(radioId, "radioId");
            checkU8(state, "state");
            checkU8(cause, "cause");
        }

        @Override
        public int type() {
            return RADIO_OPERATIONAL_STATE;
        }

        @Override
        public void writeValue(ByteBuf out) {
            out.writeByte(radioId).writeByte(state).writeByte(cause);
        }
    }

    /**
     * Statistics Timer (RFC 5415, 4.6.38).
     *
     * @param seconds between WTP Event Requests carrying statistics
     */
    record StatisticsTimer(int seconds) implements MessageElement {
        /** Checks the value. */
        public StatisticsTimer {
            checkU16(seconds, "seconds");
        }

        @Override
        public int type() {
            return STATISTICS_TIMER;
        }

        @Override
        public void writeValue(ByteBuf out) {
            out.writeShort(seconds);
        }
    }

    /**
     * An element this codec does not read (a reserved or vendor's type, such as 42), kept as it came
     * and written back unchanged.
     *
     * @param type its type
     * @param value its value
     */
    record Unknown(int type, Octets value) implements MessageElement {
        /** Checks the values. */
        public Unknown {
            checkU16(type, "type");
            Objects.requireNonNull(value, "value");
        }

        @Override
        public void writeValue(ByteBuf out) {
            value.writeTo(out);
        }
    }

    // --- decoding ---

    /**
     * Decodes one element's value.
     *
     * @param type the element's type
     * @param b the message
     * @param at where the value starts
     * @param length the value's length, already checked against the message
     * @return the element
     * @throws CapwapDecodeException naming the field and offset when it does not fit the RFC
     */
    static MessageElement decode(int type, ByteBuf b, int at, int length) throws CapwapDecodeException {
        return switch (type) {
            case AC_DESCRIPTOR -> AcDescriptor.decode(b, at, length);
            case AC_IPV4_LIST -> AcIpv4List.decode(b, at, length);
            case AC_NAME -> new AcName(text(b, at, length, "AC Name", 512));
            case DECRYPTION_ERROR_REPORT_PERIOD -> {
                exactly(length, 3, "Decryption Error Report Period", at);
                yield new DecryptionErrorReportPeriod(b.getUnsignedByte(at), b.getUnsignedShort(at + 1));
            }
            case RADIO_OPERATIONAL_STATE -> {
                exactly(length, 3, "Radio Operational State", at);
                yield new RadioOperationalState(b.getUnsignedByte(at), b.getUnsignedByte(at + 1), b.getUnsignedByte(at + 2));
            }
            case STATISTICS_TIMER -> {
                exactly(length, 2, "Statistics Timer", at);
                yield new StatisticsTimer(b.getUnsignedShort(at));
            }
            case CONTROL_IPV4_ADDRESS -> ControlIpv4Address.decode(b, at, length);
            case CAPWAP_TIMERS -> {
                exactly(length, 2, "CAPWAP Timers", at);
                yield new CapwapTimers(b.getUnsignedByte(at), b.getUnsignedByte(at + 1));
            }
            case DISCOVERY_TYPE -> new DiscoveryType(u8(b, at, length, "Discovery Type"));
            case IDLE_TIMEOUT -> {
                exactly(length, 4, "Idle Timeout", at);
                yield new IdleTimeout(b.getUnsignedInt(at));
            }
            case IMAGE_IDENTIFIER -> ImageIdentifier.decode(b, at, length);
            case LOCATION_DATA -> new LocationData(text(b, at, length, "Location Data", 1024));
            case MAXIMUM_MESSAGE_LENGTH -> {
                exactly(length, 2, "Maximum Message Length", at);
                yield new MaximumMessageLength(b.getUnsignedShort(at));
            }
            case LOCAL_IPV4_ADDRESS -> {
                exactly(length, 4, "CAPWAP Local IPv4 Address", at);
                yield new LocalIpv4Address(ipv4(b, at));
            }
            case RADIO_ADMINISTRATIVE_STATE -> {
                exactly(length, 2, "Radio Administrative State", at);
                yield new RadioAdministrativeState(b.getUnsignedByte(at), b.getUnsignedByte(at + 1));
            }
            case RESULT_CODE -> {
                exactly(length, 4, "Result Code", at);
                yield new Result(ResultCode.valueOf(b.getUnsignedInt(at)));
            }
            case SESSION_ID -> {
                exactly(length, 16, "Session ID", at);
                yield new SessionId(octets(b, at, 16));
            }
            case VENDOR_SPECIFIC -> {
                atLeast(length, 6, "Vendor Specific Payload", at);
                yield new VendorSpecific(b.getUnsignedInt(at), b.getUnsignedShort(at + 4), octets(b, at + 6, length - 6));
            }
            case WTP_BOARD_DATA -> WtpBoardData.decode(b, at, length);
            case WTP_DESCRIPTOR -> WtpDescriptor.decode(b, at, length);
            case WTP_FALLBACK -> new WtpFallback(u8(b, at, length, "WTP Fallback"));
            case WTP_FRAME_TUNNEL_MODE -> new WtpFrameTunnelMode(u8(b, at, length, "WTP Frame Tunnel Mode"));
            case WTP_MAC_TYPE -> new WtpMacType(u8(b, at, length, "WTP MAC Type"));
            case WTP_NAME -> new WtpName(text(b, at, length, "WTP Name", 512));
            case WTP_REBOOT_STATISTICS -> WtpRebootStatistics.decode(b, at, length);
            case ECN_SUPPORT -> new EcnSupport(u8(b, at, length, "ECN Support"));
            case IEEE80211_WTP_RADIO_INFORMATION -> WtpRadioInformation.decode(b, at, length);
            default -> new Unknown(type, octets(b, at, length));
        };
    }

    private static int u8(ByteBuf b, int at, int length, String name) throws CapwapDecodeException {
        exactly(length, 1, name, at);
        return b.getUnsignedByte(at);
    }

    private static String text(ByteBuf b, int at, int length, String name, int max) throws CapwapDecodeException {
        if (length < 1 || length > max) {
            throw new CapwapDecodeException(name + " length", at, "is " + length + ", expected 1 to " + max);
        }
        return text(b, at, length, name);
    }

    private static String text(ByteBuf b, int at, int length, String name) throws CapwapDecodeException {
        for (int i = 0; i < length; i++) {
            if (b.getByte(at + i) == 0) {
                throw new CapwapDecodeException(name, at + i, "contains a NUL");
            }
        }
        try {
            // Strict: a peer's malformed UTF-8 is an error here, not replacement characters later.
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(java.nio.charset.CodingErrorAction.REPORT)
                    .onUnmappableCharacter(java.nio.charset.CodingErrorAction.REPORT).decode(b.nioBuffer(at, length)).toString();
        } catch (java.nio.charset.CharacterCodingException e) {
            throw new CapwapDecodeException(name, at, "is not UTF-8");
        }
    }

    private static Octets octets(ByteBuf b, int at, int length) {
        byte[] bytes = new byte[length];
        b.getBytes(at, bytes);
        return Octets.of(bytes);
    }

    private static Inet4Address ipv4(ByteBuf b, int at) {
        byte[] a = new byte[4];
        b.getBytes(at, a);
        try {
            return (Inet4Address) InetAddress.getByAddress(a);
        } catch (UnknownHostException e) {
            throw new AssertionError("four bytes are an IPv4 address", e);
        }
    }

    private static void exactly(int length, int expected, String name, int at) throws CapwapDecodeException {
        if (length != expected) {
            throw new CapwapDecodeException(name + " length", at, "is " + length + ", expected " + expected);
        }
    }

    private static void atLeast(int length, int min, String name, int at) throws CapwapDecodeException {
        if (length < min) {
            throw new CapwapDecodeException(name + " length", at, "is " + length + ", at least " + min);
        }
    }

    private static void need(int left, int n, String name, int at) throws CapwapDecodeException {
        if (left < n) {
            throw new CapwapDecodeException(name, at, "needs " + n + " bytes, " + left + " left");
        }
    }

    private static void subLength(int len, int left, String name, int at) throws CapwapDecodeException {
        if (len > MAX_SUB_ELEMENT) {
            throw new CapwapDecodeException(name, at, "is " + len + ", at most " + MAX_SUB_ELEMENT);
        }
        if (len > left) {
            throw new CapwapDecodeException(name, at, "is " + len + ", only " + left + " bytes left");
        }
    }

    private static void bound(int count, String name, int at) throws CapwapDecodeException {
        if (count > MAX_SUB_ELEMENTS) {
            throw new CapwapDecodeException(name, at, "more than " + MAX_SUB_ELEMENTS);
        }
    }

    private static void checkU8(int v, String name) {
        if (v < 0 || v > 0xFF) {
            throw new IllegalArgumentException(name + " is 8 bits unsigned: " + v);
        }
    }

    private static void checkU16(int v, String name) {
        if (v < 0 || v > 0xFFFF) {
            throw new IllegalArgumentException(name + " is 16 bits unsigned: " + v);
        }
    }

    private static void checkU32(long v, String name) {
        if (v < 0 || v > 0xFFFF_FFFFL) {
            throw new IllegalArgumentException(name + " is 32 bits unsigned: " + v);
        }
    }

    private static void checkText(String s, int max, String name) {
        Objects.requireNonNull(s, name);
        int n = s.getBytes(StandardCharsets.UTF_8).length;
        if (n < 1 || n > max) {
            throw new IllegalArgumentException(name + " must have 1 to " + max + " bytes of UTF-8, not " + n);
        }
        if (s.indexOf('\0') >= 0) {
            throw new IllegalArgumentException(name + " must not contain NUL");
        }
    }
}

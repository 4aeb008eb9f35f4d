package dev.apimage.capwap;

import dev.apimage.capwap.wire.ControlMessage;
import dev.apimage.capwap.wire.MessageElement;
import dev.apimage.capwap.wire.Octets;
import dev.apimage.capwap.wire.ResultCode;
import dev.apimage.image.ImageVersion;
import java.util.Objects;
import java.util.Optional;

/**
 * What a WTP says of itself in its Join Request (RFC 5415, 6.1): its name, model, serial number,
 * base MAC address, running and backup versions and Session ID; the controller learns its APs from
 * these, not from a list.
 *
 * @param name the WTP Name
 * @param model the model number (WTP Board Data)
 * @param serial the serial number (WTP Board Data)
 * @param baseMac the base MAC address as {@code 6c:41:0e:16:e7:9c}, empty when not sent
 * @param primaryVersion the active software version (WTP Descriptor)
 * @param backupVersion the other software version, when the WTP has one
 * @param sessionId the Session ID
 */
public record JoinRequestFacts(String name, String model, String serial, Optional<String> baseMac, ImageVersion primaryVersion,
        Optional<ImageVersion> backupVersion, Octets sessionId) {

    /** Checks the values. */
    public JoinRequestFacts {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(serial, "serial");
        Objects.requireNonNull(baseMac, "baseMac");
        Objects.requireNonNull(primaryVersion, "primaryVersion");
        Objects.requireNonNull(backupVersion, "backupVersion");
        Objects.requireNonNull(sessionId, "sessionId");
    }

    /** The facts, or the Result Code that refuses the Join Request. */
    public sealed interface Reading {
    }

    /**
     * The facts were all there.
     *
     * @param facts the facts
     */
    public record Read(JoinRequestFacts facts) implements Reading {
    }

    /**
     * A mandatory element is missing or unreadable.
     *
     * @param result the Result Code to answer with
     * @param why what is missing
     */
    public record Refused(ResultCode result, String why) implements Reading {
    }

    /**
     * Reads a Join Request. Lenient where the field is (RFC 5415's mandatory Location Data, ECN
     * Support, Local IPv4 Address, Frame Tunnel Mode, MAC Type and Radio Information may be missing);
     * strict where the controller needs the fact: WTP Board Data with a model and serial number, a
     * WTP Descriptor with a readable active version, a WTP Name and a Session ID.
     *
     * @param join the Join Request
     * @return the facts or the refusal
     */
    public static Reading of(ControlMessage join) {
        Optional<MessageElement.WtpBoardData> board = join.find(MessageElement.WtpBoardData.class);
        Optional<MessageElement.WtpDescriptor> descriptor = join.find(MessageElement.WtpDescriptor.class);
        Optional<MessageElement.WtpName> name = join.find(MessageElement.WtpName.class);
        Optional<MessageElement.SessionId> session = join.find(MessageElement.SessionId.class);
        if (board.isEmpty() || descriptor.isEmpty() || name.isEmpty() || session.isEmpty()) {
            return new Refused(ResultCode.FAILURE_MISSING_MANDATORY_ELEMENT, "Join Request without "
                    + (board.isEmpty() ? "WTP Board Data" : descriptor.isEmpty() ? "WTP Descriptor" : name.isEmpty() ? "WTP Name" : "Session ID"));
        }
        Optional<String> model = board.get().modelNumber();
        Optional<String> serial = board.get().serialNumber();
        Optional<ImageVersion> active = descriptor.get().activeSoftwareVersion();
        if (model.isEmpty() || serial.isEmpty()) {
            return new Refused(ResultCode.JOIN_FAILURE_INCORRECT_DATA, "WTP Board Data without " + (model.isEmpty() ? "model" : "serial") + " number");
        }
        if (active.isEmpty()) {
            return new Refused(ResultCode.JOIN_FAILURE_INCORRECT_DATA, "WTP Descriptor without a readable active software version");
        }
        Optional<String> mac = board.get().baseMac().filter(m -> m.length() == 6).map(Octets::mac);
        return new Read(new JoinRequestFacts(name.get().name(), model.get(), serial.get(), mac, active.get(),
                descriptor.get().otherSoftwareVersion(), session.get().id()));
    }
}

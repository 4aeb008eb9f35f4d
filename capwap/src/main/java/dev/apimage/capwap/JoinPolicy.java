package dev.apimage.capwap;

import dev.apimage.capwap.wire.ResultCode;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Which WTPs a controller admits (RFC 5415, 6.2, with the Result Codes of 4.6.35): at most
 * {@code maxWtps} at once (else 4, "Join Failure (Resource Depletion)"), only those on the
 * allow-list when there is one, by serial number, base MAC address or name (else 5, "Join Failure
 * (Unknown Source)"), and one session per Session ID (else 7, "Join Failure (Session ID Already in
 * Use)").
 *
 * @param maxWtps the most WTPs joined at once
 * @param allowed serial numbers, base MAC addresses ({@code 6c:41:0e:16:e7:9c}) or names; empty admits any
 */
public record JoinPolicy(int maxWtps, Set<String> allowed) {

    /** Checks the values; the allow-list compares without regard to case. */
    public JoinPolicy {
        if (maxWtps < 1 || maxWtps > 0xFFFF) {
            throw new IllegalArgumentException("maxWtps must be 1 to 65535: " + maxWtps);
        }
        allowed = Objects.requireNonNull(allowed, "allowed").stream().map(a -> a.strip().toLowerCase(Locale.ROOT))
                .filter(a -> !a.isEmpty()).collect(Collectors.toUnmodifiableSet());
    }

    /**
     * Any WTP, up to a number.
     *
     * @param maxWtps the most at once
     * @return the policy
     */
    public static JoinPolicy open(int maxWtps) {
        return new JoinPolicy(maxWtps, Set.of());
    }

    /**
     * The verdict on a Join Request.
     *
     * @param facts what the WTP says of itself
     * @param joinedNow how many WTPs are joined
     * @param sessionIdInUse whether another WTP's session has the same Session ID
     * @return success, or the refusal's Result Code
     */
    public ResultCode admit(JoinRequestFacts facts, int joinedNow, boolean sessionIdInUse) {
        if (!allowed.isEmpty() && !allowed.contains(facts.serial().toLowerCase(Locale.ROOT))
                && !allowed.contains(facts.name().toLowerCase(Locale.ROOT))
                && facts.baseMac().map(m -> !allowed.contains(m.toLowerCase(Locale.ROOT))).orElse(true)) {
            return ResultCode.JOIN_FAILURE_UNKNOWN_SOURCE;
        }
        if (sessionIdInUse) {
            return ResultCode.JOIN_FAILURE_SESSION_ID_IN_USE;
        }
        if (joinedNow >= maxWtps) {
            return ResultCode.JOIN_FAILURE_RESOURCE_DEPLETION;
        }
        return ResultCode.SUCCESS;
    }
}

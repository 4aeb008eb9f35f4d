package dev.apimage.capwap.internal;

/**
 * The controller's image streaming settings, frozen when the streamer starts.
 *
 * @param blockSize data bytes per Image Data element
 * @param retransmitNanos RFC 5415 RetransmitInterval (4.7), doubled per retransmission
 * @param maxRetransmit RFC 5415 MaxRetransmit (4.8)
 * @param halfOpenRetransmits retransmissions of the first block before the AP has answered any
 * @param maxSessions sessions held at once
 * @param maxSessionsPerAddress sessions from one IP address
 * @param lingerNanos how long an ended session stays to answer a repeated request
 * @param failedFetchNanos how long a failed fetch of an image type is remembered
 */
public record StreamerSettings(int blockSize, long retransmitNanos, int maxRetransmit, int halfOpenRetransmits,
        int maxSessions, int maxSessionsPerAddress, long lingerNanos, long failedFetchNanos) {

    /** Checks the values. */
    public StreamerSettings {
        if (blockSize < 1 || retransmitNanos <= 0 || maxRetransmit < 0 || halfOpenRetransmits < 0 || maxSessions < 1
                || maxSessionsPerAddress < 1 || lingerNanos < 0 || failedFetchNanos < 0) {
            throw new IllegalArgumentException("streamer settings out of range: " + this);
        }
    }

    /**
     * Retransmissions allowed for the block outstanding now.
     *
     * @param halfOpen whether the AP has not answered any block yet
     * @return how many
     */
    int retransmitsAllowed(boolean halfOpen) {
        return halfOpen ? Math.min(halfOpenRetransmits, maxRetransmit) : maxRetransmit;
    }
}

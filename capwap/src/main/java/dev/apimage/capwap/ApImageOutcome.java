package dev.apimage.capwap;

import dev.apimage.staging.CommittedImage;
import java.util.Optional;

/**
 * How one AP's image download ended.
 *
 * @param state {@link CapwapImageStateMachine.State#COMPLETE},
 *     {@link CapwapImageStateMachine.State#UP_TO_DATE} or {@link CapwapImageStateMachine.State#ABORTED}
 * @param reason why it aborted, empty otherwise
 * @param image the stored and verified image when complete
 * @param bytes image bytes received
 * @param messages Image Data messages received (duplicates not counted)
 */
public record ApImageOutcome(CapwapImageStateMachine.State state, Optional<String> reason, Optional<CommittedImage> image,
        long bytes, long messages) {

    /**
     * Tells whether the AP now has the controller's image: stored and verified, or already running it.
     *
     * @return true on success
     */
    public boolean succeeded() {
        return state != CapwapImageStateMachine.State.ABORTED;
    }
}

package dev.apimage.upgrade;

/** What the upgrade does for one AP. */
public enum PlanAction {
    /** The AP already runs the target version: nothing to do. */
    NONE,
    /** The AP's image type differs from the controller's: fetched from the image server (non-homogeneous). */
    FROM_IMAGE_SERVER,
    /** The AP takes the controller's own image type, served from the controller's copy. */
    FROM_CONTROLLER,
    /** The AP's model is in no catalog entry: "Not Supported". */
    NOT_SUPPORTED
}

package dev.cirque.core.recording;

/**
 * Where a medium hands the frames it carries to the home's recording. Asked once per frame on
 * the medium's own thread, so it answers from memory.
 */
@FunctionalInterface
public interface FrameTap {

    /** For a medium whose frames nobody records. */
    FrameTap NONE = homeId -> null;

    /** The ring that keeps the home's frames, or null while the home is not recorded. */
    FrameRing ring(String homeId);
}

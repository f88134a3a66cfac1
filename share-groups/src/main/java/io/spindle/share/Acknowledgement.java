package io.spindle.share;

import java.util.List;

/**
 * One acknowledgement batch of the protocol: offsets {@code firstOffset} to {@code lastOffset} inclusive, with either
 * one type for all of them or one type per offset.
 */
public record Acknowledgement(long firstOffset, long lastOffset, List<AcknowledgeType> types) {
    public Acknowledgement {
        types = List.copyOf(types);
    }

    /** The type of {@code offset}, which lies in the batch and whose types were checked by {@link #problem()}. */
    AcknowledgeType typeOf(long offset) {
        return types.size() == 1 ? types.get(0) : types.get((int) (offset - firstOffset));
    }

    /** Why the batch is malformed, or null when it is well formed. */
    String problem() {
        if (firstOffset < 0 || lastOffset < firstOffset) {
            return "acknowledgement batch " + firstOffset + "-" + lastOffset + " is not a range of offsets";
        }
        if (types.isEmpty() || (types.size() != 1 && types.size() != lastOffset - firstOffset + 1)) {
            return "acknowledgement batch " + firstOffset + "-" + lastOffset + " has " + types.size()
                    + " acknowledge types; it needs 1 or " + (lastOffset - firstOffset + 1);
        }
        for (AcknowledgeType type : types) {
            if (type == null) {
                return "acknowledgement batch " + firstOffset + "-" + lastOffset + " has an unknown acknowledge type";
            }
        }
        return null;
    }
}

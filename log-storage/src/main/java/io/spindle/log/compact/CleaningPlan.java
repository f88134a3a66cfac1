package io.spindle.log.compact;

import io.spindle.config.TopicConfig;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * Which log a cleaner thread cleans next, and how far, decided from summaries of the logs' segments, as Kafka's
 * cleaner manager decides it:
 * <ul>
 *   <li>A log's cleanable range runs from its first dirty offset (where the last clean stopped) to its first
 *       uncleanable offset: the base of the active segment, or of the first segment holding a record younger than
 *       min.compaction.lag.ms, or of the first segment holding offsets at or past the last stable offset, whichever
 *       is lowest. The active segment, young records and undecided transactions are never cleaned.</li>
 *   <li>Its dirty ratio is the range's bytes over the bytes of the whole cleanable log (clean part plus range).</li>
 *   <li>A log is eligible when its policy compacts and it has dirty bytes, and either its ratio reaches
 *       min.cleanable.dirty.ratio or its oldest dirty record is older than max.compaction.lag.ms; of those, the
 *       highest ratio goes first.</li>
 * </ul>
 * Pure: time comes in as an argument.
 */
public final class CleaningPlan {
    private CleaningPlan() {
    }

    /**
     * What the plan needs of one segment.
     *
     * @param maxTimestampMs its newest record's timestamp, or -1 when it has none
     */
    public record SegmentSummary(long baseOffset, long sizeInBytes, long maxTimestampMs, boolean active) {
    }

    /**
     * One log, its segments oldest first, where its last clean stopped, and its first unstable offset (the first
     * offset of its earliest open transaction; {@code Long.MAX_VALUE} when none is open).
     */
    public record LogSummary(String name, TopicConfig config, List<SegmentSummary> segments, long firstDirtyOffset,
                             long firstUnstableOffset) {
        /** A log with no transaction open. */
        public LogSummary(String name, TopicConfig config, List<SegmentSummary> segments, long firstDirtyOffset) {
            this(name, config, segments, firstDirtyOffset, Long.MAX_VALUE);
        }
    }

    /**
     * A log chosen for cleaning: the offsets [firstDirtyOffset, firstUncleanableOffset) are to be mapped.
     *
     * @param mustClean true when max.compaction.lag.ms forced it, whatever its ratio
     */
    public record Candidate(LogSummary log, long firstUncleanableOffset, long cleanBytes, long dirtyBytes,
                            boolean mustClean) {
        public double dirtyRatio() {
            long total = cleanBytes + dirtyBytes;
            return total == 0 ? 0 : (double) dirtyBytes / total;
        }
    }

    /** The log to clean now, if any. */
    public static Optional<Candidate> choose(List<LogSummary> logs, long nowMs) {
        return logs.stream()
                .filter(log -> log.config().cleanupPolicy().compacts())
                .map(log -> candidate(log, nowMs))
                .filter(c -> c.dirtyBytes() > 0
                        && (c.mustClean() || c.dirtyRatio() >= c.log().config().minCleanableDirtyRatio()))
                .max(Comparator.comparingDouble(Candidate::dirtyRatio));
    }

    /** The cleanable range of one log and its sizes. */
    public static Candidate candidate(LogSummary log, long nowMs) {
        TopicConfig config = log.config();
        long youngest = nowMs - config.minCompactionLagMs();
        long firstUncleanable = Long.MAX_VALUE;
        long clean = 0;
        long dirty = 0;
        long oldestDirtyTimestamp = Long.MAX_VALUE;
        List<SegmentSummary> segments = log.segments();
        for (int i = 0; i < segments.size(); i++) {
            SegmentSummary segment = segments.get(i);
            long next = i + 1 < segments.size() ? segments.get(i + 1).baseOffset() : Long.MAX_VALUE;
            if (segment.active() || segment.maxTimestampMs() > youngest || next > log.firstUnstableOffset()) {
                firstUncleanable = segment.baseOffset();
                break;
            }
            if (next <= log.firstDirtyOffset()) {
                clean += segment.sizeInBytes();
            } else {
                dirty += segment.sizeInBytes();
                if (segment.maxTimestampMs() >= 0) {
                    oldestDirtyTimestamp = Math.min(oldestDirtyTimestamp, segment.maxTimestampMs());
                }
            }
        }
        boolean overdue = oldestDirtyTimestamp != Long.MAX_VALUE
                && nowMs - oldestDirtyTimestamp > config.maxCompactionLagMs();
        return new Candidate(log, firstUncleanable, clean, dirty, overdue);
    }
}

package io.spindle.log;

import io.spindle.config.TopicConfig;
import java.io.IOException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which whole old segments of a partition log go: by age ({@code retention.ms}), by size ({@code retention.bytes}),
 * or below the log start offset a DeleteRecords moved ({@link #deleteRecordsBefore}). Never the records inside a
 * segment, and never for a topic whose {@code cleanup.policy} is compact alone: there compaction, not age or size,
 * decides what goes (Kafka does the same).
 *
 * <p>Readers holding slices of a deleted segment keep them: its mapping goes when they release it. After deleting it
 * writes the checkpoint, whose log start offset moved, then the leader epochs trimmed to it (a crash between the two
 * leaves older entries in the file, which the next open trims).
 *
 * <p>Threading: runs under the partition's write lock.
 */
final class Retention {
    private static final Logger LOG = LoggerFactory.getLogger(PartitionLog.class);

    private final String name;
    private final Segments segments;
    private final Durability durability;
    private final LeaderEpochCache epochs;

    Retention(String name, Segments segments, Durability durability, LeaderEpochCache epochs) {
        this.epochs = epochs;
        this.name = name;
        this.segments = segments;
        this.durability = durability;
    }

    /** Applies {@code cfg}'s retention at {@code now} (epoch milliseconds); returns how many segments it deleted. */
    int enforce(TopicConfig cfg, long now) {
        if (!cfg.cleanupPolicy().deletes()) {
            return 0;
        }
        int deleted = 0;
        try {
            if (cfg.retentionMs() >= 0) {
                long cutoff = now - cfg.retentionMs();
                for (Segment segment : segments.snapshot()) {
                    long newest = segment.maxTimestamp() >= 0 ? segment.maxTimestamp() : segment.rollStartMs();
                    if (segment.isEmpty() || newest >= cutoff) {
                        break;
                    }
                    if (segment == segments.active()) {
                        segments.roll(cfg.segmentBytes());
                    }
                    segments.deleteOldest(segment);
                    deleted++;
                }
            }
            if (cfg.retentionBytes() >= 0) {
                long total = segments.sizeInBytes();
                for (Segment segment : segments.snapshot()) {
                    if (segment == segments.active() || total - segment.size() < cfg.retentionBytes()) {
                        break;
                    }
                    total -= segment.size();
                    segments.deleteOldest(segment);
                    deleted++;
                }
            }
            if (deleted > 0) {
                durability.forceCheckpoint();
                epochs.truncateFromStart(segments.logStartOffset());
            }
        } catch (IOException e) {
            throw new LogIOException(name + ": retention failed in " + segments.directory() + ": " + e.getMessage(), e);
        }
        if (deleted > 0) {
            LOG.info("{}: retention deleted {} segment(s); log start offset now {}", name, deleted,
                    segments.logStartOffset());
        }
        return deleted;
    }

    /**
     * Moves the log start offset up to {@code offset} (Kafka's DeleteRecords; nothing when it is not above the
     * start), which is at most the log end offset, deletes the segments wholly below it (never the active one) and forces the checkpoint that
     * carries the new start, so a restart keeps it. Only where {@code cleanup.policy} has {@code delete}: on a
     * compacted log, the cleaner alone decides what goes.
     */
    void deleteRecordsBefore(TopicConfig cfg, long offset) {
        if (!cfg.cleanupPolicy().deletes()) {
            throw new RecordDeletionRefusedException(name + ": records cannot be deleted from a topic whose "
                    + "cleanup.policy is " + cfg.cleanupPolicy() + " (it has no 'delete')");
        }
        if (offset <= segments.logStartOffset()) {
            return;
        }
        segments.advanceStart(offset);
        try {
            for (Segment segment : segments.snapshot()) {
                if (segment == segments.active() || segment.nextOffset() > offset) {
                    break;
                }
                segments.deleteOldest(segment);
            }
        } catch (IOException e) {
            throw new LogIOException(name + ": cannot delete segments below offset " + offset + " in "
                    + segments.directory() + ": " + e.getMessage(), e);
        }
        durability.forceCheckpoint();
        try {
            epochs.truncateFromStart(offset);
        } catch (IOException e) {
            throw new LogIOException(name + ": cannot write the leader epochs after deleting records below offset "
                    + offset + " in " + segments.directory() + ": " + e.getMessage(), e);
        }
    }
}

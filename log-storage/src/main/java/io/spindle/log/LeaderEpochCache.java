package io.spindle.log;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.zip.CRC32C;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A partition's leader epochs: for every leader epoch that wrote to the log, the offset of its first record (Kafka's
 * leader-epoch cache). A follower whose log diverged after a leader change asks the leader where its own latest epoch
 * ends there ({@link #endOffsetFor}, the OffsetsForLeaderEpoch API) and truncates to that; a consumer checks its
 * position the same way after a leader change.
 *
 * <p>Invariants: entries ascend in both epoch and start offset; every epoch is {@code >= 0}; the first entry's start
 * is at or above the log start offset (the entry that covered the start is moved up to it), and no entry starts
 * after the log end (one may start at it: a leader's epoch begins there before its first append). Every batch the log
 * holds at or after an entry's start and before the next entry's carries that entry's epoch in its
 * {@code partitionLeaderEpoch} field (batches of a log written before Spindle stamped epochs carry -1 and have none).
 *
 * <p>File {@value #FILE_NAME} in the partition directory, big-endian: magic "SPLE" (int), version (short, 1),
 * unused (short), count (int), count times {epoch (int), start offset (long)}, CRC32C of everything before it (int).
 * Version 1 is the first. Every change is written before it is published or acted on, through
 * {@link FileWrites#replaceDurably} (temporary file, forced, renamed, directory forced), so the file never lacks an
 * epoch the log's forced batches carry: a new epoch is written before the batch that starts it. A missing or damaged
 * file is rebuilt from the batch headers when the log opens ({@link #load}), and after a crash the batches past the
 * recovery point are read again, so the file may also be behind or ahead of the log and still load right.
 *
 * <p>One write is not forced: the first one while no valid version of the file exists (a new partition's first leader
 * epoch, two fsyncs saved per partition of a new topic). A crash can then leave only no file, a damaged one (both
 * rebuilt from every batch header, whatever the recovery point says) or that version whole; never an older valid
 * version that lacks an epoch. Every later write is forced, so one that a crash could lose always has a forced
 * predecessor it would fall back to. {@code CreatedTopicPowerLossTest} cuts the power under a new topic's logs.
 *
 * <p>Threading: the queries ({@link #entries}, {@link #latestEpoch}, {@link #endOffsetFor}, {@link #epochForOffset})
 * read an immutable snapshot from any thread without a lock; the changes run under the partition's write lock.
 */
public final class LeaderEpochCache {
    /** The epoch of a batch no leader stamped, and the epoch answered when none is known (Kafka's UNDEFINED_EPOCH). */
    public static final int UNDEFINED_EPOCH = -1;
    /** The end offset answered when none is known (Kafka's UNDEFINED_EPOCH_OFFSET). */
    public static final long UNDEFINED_OFFSET = -1L;
    static final String FILE_NAME = "leader-epochs";

    private static final Logger LOG = LoggerFactory.getLogger(PartitionLog.class);
    private static final int MAGIC = 0x53504C45;
    private static final short VERSION = 1;
    private static final int HEADER = 4 + 2 + 2 + 4;
    private static final int ENTRY = 4 + 8;

    /** Leader epoch {@code epoch} wrote the log from {@code startOffset} on. */
    public record Entry(int epoch, long startOffset) {
    }

    /**
     * The answer to "where does epoch E end": the largest epoch at or below E this log knows, and the offset after its
     * last record (the next epoch's start, or the log end for the latest epoch); both undefined when there is none.
     */
    public record EpochEndOffset(int epoch, long endOffset) {
        public static final EpochEndOffset UNDEFINED = new EpochEndOffset(UNDEFINED_EPOCH, UNDEFINED_OFFSET);

        public boolean isUndefined() {
            return endOffset == UNDEFINED_OFFSET;
        }
    }

    private final String name;
    private final Path file;
    private volatile List<Entry> entries = List.of();
    /**
     * Whether a valid version of the file may be on disk (forced or not): false after a load that found none and wrote
     * none, until the next write. While false, a write need not be forced (see the class comment).
     */
    private boolean validFileMayExist = true;

    LeaderEpochCache(String name, Path dir) {
        this.name = name;
        this.file = dir.resolve(FILE_NAME);
    }

    // ---- queries, any thread

    /** The entries, ascending. */
    public List<Entry> entries() {
        return entries;
    }

    /** The latest epoch that wrote (or began to lead) this log; empty when none did. */
    public OptionalInt latestEpoch() {
        List<Entry> all = entries;
        return all.isEmpty() ? OptionalInt.empty() : OptionalInt.of(all.get(all.size() - 1).epoch());
    }

    /**
     * Where {@code epoch} ends in this log, as Kafka answers OffsetsForLeaderEpoch:
     * <ul>
     *   <li>the latest epoch: it ends at {@code logEndOffset};</li>
     *   <li>an epoch between two known ones: the largest known epoch at or below it, ending where the next known epoch
     *       starts;</li>
     *   <li>an epoch below the earliest known one: the requested epoch, ending where the earliest known epoch starts
     *       (the records of older epochs were deleted from the start, so a follower copies from there);</li>
     *   <li>{@link #UNDEFINED_EPOCH}, an epoch above the latest, or no epoch known at all:
     *       {@link EpochEndOffset#UNDEFINED}.</li>
     * </ul>
     */
    public EpochEndOffset endOffsetFor(int epoch, long logEndOffset) {
        List<Entry> all = entries;
        if (epoch == UNDEFINED_EPOCH || all.isEmpty()) {
            return EpochEndOffset.UNDEFINED;
        }
        Entry latest = all.get(all.size() - 1);
        if (epoch >= latest.epoch()) {
            return epoch == latest.epoch() ? new EpochEndOffset(epoch, logEndOffset) : EpochEndOffset.UNDEFINED;
        }
        int next = 0;
        while (all.get(next).epoch() <= epoch) {
            next++;
        }
        long end = all.get(next).startOffset();
        return next == 0 ? new EpochEndOffset(epoch, end) : new EpochEndOffset(all.get(next - 1).epoch(), end);
    }

    /** The epoch of the record at {@code offset}: that of the last entry starting at or below it; empty when none. */
    public OptionalInt epochForOffset(long offset) {
        int found = epochAt(entries, offset);
        return found == UNDEFINED_EPOCH ? OptionalInt.empty() : OptionalInt.of(found);
    }

    private static int epochAt(List<Entry> all, long offset) {
        int found = UNDEFINED_EPOCH;
        for (Entry entry : all) {
            if (entry.startOffset() > offset) {
                break;
            }
            found = entry.epoch();
        }
        return found;
    }

    // ---- changes, under the partition's write lock

    /**
     * Records that {@code epoch} writes from {@code startOffset} on (the offset of its first batch, or the log end when
     * a leader begins it). Nothing when {@code epoch} is negative or already the latest from at or below that offset.
     * An epoch or offset below the latest one's (a follower copying a leader whose history differs) first drops every
     * entry it contradicts. Returns whether the entries changed (and were written).
     */
    boolean assign(int epoch, long startOffset) throws IOException {
        if (epoch < 0) {
            return false;
        }
        List<Entry> changed = assigned(entries, epoch, startOffset);
        return changed != null && publish(changed);
    }

    /** Drops the entries starting at or after {@code endOffset} (the log was cut there); returns whether any went. */
    boolean truncateFromEnd(long endOffset) throws IOException {
        List<Entry> kept = new ArrayList<>(entries);
        return kept.removeIf(e -> e.startOffset() >= endOffset) && publish(kept);
    }

    /**
     * The log now starts at {@code startOffset}: drops the entries wholly below it and moves the one covering it up
     * to it. Returns whether the entries changed.
     */
    boolean truncateFromStart(long startOffset) throws IOException {
        List<Entry> trimmed = trimmedFromStart(entries, startOffset);
        return !trimmed.equals(entries) && publish(trimmed);
    }

    /**
     * Loads the file at open, after the segments: entries past the log end are dropped (a truncation or a write that
     * did not survive), the epochs of the batch headers the last run may not have recorded are assigned (those past
     * {@code before}'s recovery point after a crash, none after a clean close, all of them when the checkpoint or the
     * file is missing or damaged), and the start is trimmed to the log start. Writes the file only when that changed
     * something, so a clean start writes nothing.
     *
     * @param before the partition's checkpoint as the last run left it, or null
     */
    void load(Segments segments, Checkpoint before) throws IOException {
        List<Entry> read = read();
        long start = segments.logStartOffset();
        long end = segments.logEndOffset();
        long walkFrom = before == null ? start : before.clean() ? end : before.recoveryPoint();
        if (read == null) {
            if (end > start) {
                LOG.info("{}: {} is missing or damaged; rebuilding it from the batch headers", name, file);
            }
            walkFrom = start;
        }
        var walk = new Object() {
            List<Entry> list = new ArrayList<>(read == null ? List.of() : read);
        };
        walk.list.removeIf(e -> e.startOffset() > end);
        for (Segment segment : segments.all()) {
            if (segment.nextOffset() <= walkFrom) {
                continue;
            }
            long from = walkFrom;
            segment.forEachBatch(batch -> {
                int epoch = batch.partitionLeaderEpoch();
                // A batch the entries already account for changes nothing (after a crash, most of the tail).
                if (epoch >= 0 && batch.lastOffset() >= from && epoch != epochAt(walk.list, batch.baseOffset())) {
                    List<Entry> changed = assigned(walk.list, epoch, batch.baseOffset());
                    walk.list = changed == null ? walk.list : changed;
                }
            });
        }
        List<Entry> result = trimmedFromStart(walk.list, start);
        validFileMayExist = read != null;
        // Nothing to keep for a log no leader epoch wrote (new, or from before epochs): its first epoch writes the file.
        if (read == null ? !result.isEmpty() : !result.equals(read)) {
            validFileMayExist = true;       // a rebuild is forced: the batches it was read from may be past the recovery point
            publish(result);
        } else {
            entries = List.copyOf(result);
        }
    }

    private boolean publish(List<Entry> changed) throws IOException {
        write(changed);
        entries = List.copyOf(changed);
        return true;
    }

    /** The entries after assigning {@code epoch} from {@code startOffset}; null when nothing changes. */
    private List<Entry> assigned(List<Entry> current, int epoch, long startOffset) {
        Entry latest = current.isEmpty() ? null : current.get(current.size() - 1);
        if (latest != null && latest.epoch() == epoch && latest.startOffset() <= startOffset) {
            return null;
        }
        List<Entry> changed = new ArrayList<>(current);
        if (latest != null && (epoch <= latest.epoch() || startOffset < latest.startOffset())) {
            List<Entry> dropped = new ArrayList<>(changed);
            changed.removeIf(e -> e.epoch() >= epoch || e.startOffset() >= startOffset);
            dropped.removeAll(changed);
            LOG.warn("{}: leader epoch {} from offset {} contradicts the leader epochs {}: dropped {}", name, epoch,
                    startOffset, current, dropped);
        }
        changed.add(new Entry(epoch, startOffset));
        return changed;
    }

    private static List<Entry> trimmedFromStart(List<Entry> current, long startOffset) {
        int covering = -1;
        for (int i = 0; i < current.size() && current.get(i).startOffset() <= startOffset; i++) {
            covering = i;
        }
        if (covering < 0) {
            return current;
        }
        List<Entry> trimmed = new ArrayList<>(current.size() - covering);
        trimmed.add(new Entry(current.get(covering).epoch(), startOffset));
        trimmed.addAll(current.subList(covering + 1, current.size()));
        return trimmed;
    }

    private void write(List<Entry> all) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(HEADER + all.size() * ENTRY + 4);
        b.putInt(MAGIC).putShort(VERSION).putShort((short) 0).putInt(all.size());
        for (Entry entry : all) {
            b.putInt(entry.epoch()).putLong(entry.startOffset());
        }
        CRC32C crc = new CRC32C();
        crc.update(b.array(), 0, b.position());
        b.putInt((int) crc.getValue()).flip();
        if (validFileMayExist) {
            FileWrites.replaceDurably(file, b);
        } else {
            FileWrites.replace(file, b);
            validFileMayExist = true;
        }
    }

    /** The entries on disk; null when the file is missing, damaged or out of order. */
    private List<Entry> read() throws IOException {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            return null;
        }
        if (bytes.length < HEADER + 4) {
            return null;
        }
        ByteBuffer b = ByteBuffer.wrap(bytes);
        int count = b.getInt(8);
        CRC32C crc = new CRC32C();
        crc.update(bytes, 0, bytes.length - 4);
        if (b.getInt(0) != MAGIC || b.getShort(4) != VERSION || count < 0
                || bytes.length != HEADER + (long) count * ENTRY + 4 || b.getInt(bytes.length - 4) != (int) crc.getValue()) {
            return null;
        }
        List<Entry> all = new ArrayList<>(count);
        b.position(HEADER);
        for (int i = 0; i < count; i++) {
            Entry entry = new Entry(b.getInt(), b.getLong());
            Entry before = all.isEmpty() ? null : all.get(all.size() - 1);
            if (entry.epoch() < 0 || entry.startOffset() < 0 || before != null
                    && (entry.epoch() <= before.epoch() || entry.startOffset() < before.startOffset())) {
                return null;
            }
            all.add(entry);
        }
        return all;
    }

    @Override
    public String toString() {
        return "LeaderEpochCache[" + name + ", " + entries + "]";
    }
}

/**
 * The storage engine: one {@link io.spindle.log.PartitionLog} per topic partition under a data directory, kept by a
 * {@link io.spindle.log.LogManager}. It knows nothing of sockets, requests or replicas.
 *
 * <p>The parts of a {@link io.spindle.log.PartitionLog}, each with one job (package-private, under the log's write
 * lock unless said otherwise):
 * <ul>
 *   <li>{@link io.spindle.log.PartitionLog}: the face and the lifecycle — the write lock, open, close, checkpoints
 *       and the listeners ({@link io.spindle.log.LogListener}: appends, durability, truncation, failure). It
 *       delegates everything else.</li>
 *   <li>{@code Segments}: the ordered segments (the last one active) and the offset range
 *       {@code [logStartOffset, logEndOffset)}: lookup by offset, roll, deleting the oldest, and replacing a run of
 *       sealed segments with others (for the log cleaner). A removed segment stays mapped for the readers holding
 *       it.</li>
 *   <li>{@code Appender}: validates the producer's batches, checks idempotence through {@code ProducerStateTable},
 *       decides when to roll, assigns offsets and writes, indexes and publishes the batches.</li>
 *   <li>{@code Durability}: the flushed (durable) offset, the acknowledgements waiting for it, the sealed segments
 *       not forced yet, the flushes the {@code Flusher} runs, and going offline after a failed write or fsync.</li>
 *   <li>{@code LogReader}: reads of whole batches by offset and the timestamp searches; lock-free.</li>
 *   <li>{@code Retention}: which whole old segments go (retention.ms, retention.bytes, or below the start a
 *       DeleteRecords moved); compact-only topics keep everything.</li>
 *   <li>{@code Truncation}: cutting the log back at an offset (for a replica that diverged), durably and in a
 *       crash-safe order, with the durable offset, recovery point, waiters and producers' state following.</li>
 *   <li>{@code Compaction}: the log as the log cleaner sees it ({@link io.spindle.log.compact.CleanableLog}): its
 *       segments, and the swap of cleaned segments in their place — on disk through {@code SegmentSwap} (crash-safe:
 *       {@code .cleaned} → {@code .swap} → in place), in memory through {@code Segments}.</li>
 *   <li>{@code LogLoader}: opening a directory — an interrupted compaction swap finished or discarded, leftovers
 *       deleted, trusted segments checked, the rest recovered batch by batch (with offset holes allowed in compacted
 *       topics), the producers' state rebuilt. Its messages use the logger {@code io.spindle.log.PartitionLog}.</li>
 *   <li>{@code Segment}: one segment file with its two {@code SparseIndex}es (offset and time), mapped through
 *       {@code MappedRegion} and reserved ahead of writes through {@code DiskSpace}.</li>
 *   <li>{@link io.spindle.log.BatchHeader} and {@code BatchWalk}: the one reader of Kafka v2 batch headers and the
 *       one walk that decides where valid batches end; append validation, recovery and reads all use them.</li>
 *   <li>{@code Checkpoint}: the per-partition recovery point (durable offset, log start, clean shutdown).</li>
 *   <li>{@link io.spindle.log.LeaderEpochCache}: which leader epoch wrote which offsets (file {@code leader-epochs}),
 *       kept with appends, truncation and retention, rebuilt from the batch headers when missing; public, for
 *       OffsetsForLeaderEpoch and replication.</li>
 *   <li>{@code io.spindle.log.compact}: log compaction — the cleaner threads ({@code LogCleaner}, started and
 *       stopped by the {@link io.spindle.log.LogManager}), the key map, batch rewriter, segment cleaner and cleaning
 *       plan.</li>
 * </ul>
 *
 * <p>Over a {@link io.spindle.log.PartitionLog}, for the coordinators: {@link io.spindle.log.KeyedStateLog}, a
 * coordinator's key/value state in a compacted internal topic, appended and replayed (the group, share-group and
 * transaction coordinators each keep theirs through it).
 *
 * <p>Threads: appends to one log are serialized by its lock (the broker's partition writers call
 * {@code append}); up to eight flusher threads ({@code spindle-flusher}, {@code spindle-flusher-N}) force the logs
 * that asked for it, different logs in parallel, and complete their waiting acknowledgements (group commit); readers read mapped segments without locks, holding a segment with
 * retain/release so retention, compaction or deletion cannot unmap it under them; one {@code spindle-log-scheduler}
 * thread runs retention and checkpoints; {@code log.cleaner.threads} {@code spindle-log-cleaner-N} threads compact
 * logs, taking a log's write lock only for the swap.
 *
 * <p>Failures: a malformed batch fails its append with an {@link io.spindle.log.InvalidRecordBatchException}
 * subclass and changes nothing; a full disk fails one append with {@link io.spindle.log.LogIOException} and the log
 * goes on once space returns; any other failed write or fsync takes the log offline
 * ({@link io.spindle.log.LogOfflineException}) until a restart recovers it to its last forced offset.
 */
package io.spindle.log;

/**
 * The storage engine: one {@link io.spindle.log.PartitionLog} per topic partition under a data directory, kept by a
 * {@link io.spindle.log.LogManager}. It knows nothing of sockets, requests or replicas.
 *
 * <p>The parts:
 * <ul>
 *   <li>{@link io.spindle.log.PartitionLog}: append (validation, idempotence through {@code ProducerStateTable},
 *       roll), durability (what is forced, who waits, going offline after a failed write or fsync), read and
 *       timestamp search, retention, loading and recovery, checkpoints. Its listeners
 *       ({@link io.spindle.log.LogListener}) hear appends, durability, truncation and failure.</li>
 *   <li>{@code Segment}: one segment file with its two {@code SparseIndex}es (offset and time), mapped through
 *       {@code MappedRegion} and reserved ahead of writes through {@code DiskSpace}.</li>
 *   <li>{@link io.spindle.log.BatchHeader} and {@code BatchWalk}: the one reader of Kafka v2 batch headers and the
 *       one walk that decides where valid batches end; append validation, recovery and reads all use them.</li>
 *   <li>{@code Checkpoint}: the per-partition recovery point (durable offset, log start, clean shutdown).</li>
 *   <li>{@code io.spindle.log.compact}: the pieces of log compaction (key map, batch rewriter, segment cleaner,
 *       cleaning plan); the cleaner threads that run them are not wired in yet.</li>
 * </ul>
 *
 * <p>Threads: appends to one log are serialized by its lock (the broker's partition writers call
 * {@code append}); one {@code spindle-flusher} thread forces logs that asked for it and completes their waiting
 * acknowledgements (group commit); readers read mapped segments without locks, holding a segment with
 * retain/release so retention or deletion cannot unmap it under them; one {@code spindle-log-scheduler} thread runs
 * retention and checkpoints.
 *
 * <p>Failures: a malformed batch fails its append with an {@link io.spindle.log.InvalidRecordBatchException}
 * subclass and changes nothing; a full disk fails one append with {@link io.spindle.log.LogIOException} and the log
 * goes on once space returns; any other failed write or fsync takes the log offline
 * ({@link io.spindle.log.LogOfflineException}) until a restart recovers it to its last forced offset.
 */
package io.spindle.log;

/**
 * The transaction coordinator: Kafka's exactly-once protocol (KIP-98) on one broker. A transactional id maps to a
 * producer id and epoch ({@code InitProducerId}, fencing older epochs); a transaction collects partitions
 * ({@code AddPartitionsToTxn}) and consumer groups ({@code AddOffsetsToTxn}) and ends with {@code EndTxn}, after
 * which the coordinator writes a COMMIT or ABORT marker into every partition and completes the group offsets.
 *
 * <p>The parts: {@link io.spindle.txn.Transactions} is what the broker's handlers call;
 * {@link io.spindle.txn.TransactionCoordinator} implements it on one thread; its state per transactional id is a
 * {@link io.spindle.txn.TransactionMetadata} whose {@link io.spindle.txn.TransactionState} moves as the state
 * machine allows, and every transition is written to the compacted internal topic {@code __transaction_state}
 * ({@code TransactionStateLog} over log-storage's {@link io.spindle.log.KeyedStateLog}, records in
 * {@code TransactionRecords}) before it takes effect, so a restart reloads it; compaction alone bounds that topic. What it needs from the broker comes through three small interfaces: {@link io.spindle.txn.ProducerIds},
 * {@link io.spindle.txn.TransactionMarkers} and {@link io.spindle.txn.TransactionalOffsets}.
 */
package io.spindle.txn;

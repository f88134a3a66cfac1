/**
 * The transactional APIs of the broker (AddPartitionsToTxn, AddOffsetsToTxn, EndTxn, TxnOffsetCommit) and their
 * wiring to the transaction coordinator of module transactions ({@link io.spindle.txn.Transactions}). The handlers
 * only translate versions and check what the coordinator cannot see (that partitions exist); InitProducerId and
 * Produce, in the data path, call the same coordinator.
 */
package io.spindle.broker.txn;

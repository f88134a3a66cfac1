/**
 * The partition layer: what the Kafka protocol says about a topic-partition on this broker, between the request
 * handlers and the storage engine. A {@link io.spindle.broker.partition.Partition} owns its
 * {@link io.spindle.log.PartitionLog}, its replica set and leader epoch, its high watermark and last stable
 * offset, the rule that says when a produce is acknowledged, and the events others wait on (new data for
 * waiting fetches, durability, truncation, going offline). {@link io.spindle.broker.partition.Partitions} is the
 * registry of every partition the broker holds.
 *
 * <p>Handlers talk to partitions, never to the log: that keeps the protocol's rules (what a consumer may see,
 * when acks=all is satisfied) in one place, where replication and transactions will change them.
 */
package io.spindle.broker.partition;

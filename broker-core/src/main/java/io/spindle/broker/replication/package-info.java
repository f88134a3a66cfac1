/**
 * Replication of partitions between the brokers of a cluster: {@link io.spindle.broker.replication.Replication} follows
 * the metadata image (which partitions this broker follows, and from whom; the ISR of those it leads), and a
 * {@link io.spindle.broker.replication.FollowerFetcher} per leader copies its partitions with the Kafka fetch protocol.
 * The leader's side (high watermark, acks=all, follower progress) is the partition layer's
 * ({@code io.spindle.broker.partition}). See docs/cluster.md, "Replication".
 */
package io.spindle.broker.replication;

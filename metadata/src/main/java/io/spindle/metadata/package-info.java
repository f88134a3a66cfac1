/**
 * The cluster's metadata and the quorum that agrees on it.
 *
 * <p>{@link io.spindle.metadata.MetadataImage} is what the cluster agrees on at one point of the metadata log:
 * brokers, topics, partitions (replicas, ISR, leader, epochs), producer-id blocks and feature levels. It changes only
 * through {@link io.spindle.metadata.MetadataCommand}s, applied in log order by the same pure code on every member,
 * so every member's image at a log index is the same. {@link io.spindle.metadata.MetadataQuorum} runs this node's
 * member of the Apache Ratis group that orders the commands.
 */
package io.spindle.metadata;

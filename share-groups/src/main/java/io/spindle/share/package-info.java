/**
 * Share groups (KIP-932): queues on Kafka topics.
 *
 * <ul>
 *   <li>{@link io.spindle.share.ShareCoordinator}: the entry point, in two roles. As share-partition leader, the
 *       share-partitions of the topic partitions this broker leads ({@link io.spindle.share.SharePartitionLeadership}),
 *       reached from the broker's reader threads; as share coordinator (while this broker leads
 *       {@code __share_group_state}), the stored state of every share-partition in that log, written before a client
 *       hears of a change, group configs and the offsets admin operations. Leaders on other brokers reach the
 *       coordinator through {@link io.spindle.share.ShareStatePersister}.</li>
 *   <li>{@link io.spindle.share.ShareMembership} ({@code ShareGroups}, {@code ShareGroup}, {@code ShareAssignor}):
 *       members, ShareGroupHeartbeat, server-side assignment and session timeouts, on the coordinator's thread.</li>
 *   <li>{@link io.spindle.share.SharePartition}: one group's record states in one partition, a pure state machine
 *       (offsets and time come from the caller), with its invariants in the class comment.</li>
 *   <li>{@link io.spindle.share.ShareStateRecords}: the stored form of a share-partition.</li>
 *   <li>{@link io.spindle.share.DeadLetterSink}: where dead letters are copied (the broker's partitions); the package's
 *       {@code DeadLetters} decides when, so that a record is archived only after its copy is durable.</li>
 * </ul>
 *
 * <p>The module knows nothing of sockets or of logs other than its own state log: broker-core's
 * {@code io.spindle.broker.share} reads the partitions and passes the offsets it found (and the records' delivery
 * times), and writes the dead letters.
 */
package io.spindle.share;

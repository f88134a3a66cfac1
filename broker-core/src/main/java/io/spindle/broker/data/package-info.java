/**
 * The data path: Produce, Fetch, ListOffsets and InitProducerId, translated into calls on the partition logs.
 * {@link io.spindle.broker.data.DataPathHandlers} is the entry point; everything else is package-private.
 *
 * <p>Invariants:
 * <ul>
 *   <li>Record bytes are not copied on the heap: a produced batch is handed to the log as a view of the request
 *       frame, and fetched batches leave as file regions of the segment ({@code LogSliceRecords}).</li>
 *   <li>Each partition has one writer thread, so a partition's appends run in arrival order.</li>
 *   <li>A request's future completes only after every append reading its buffer has run: the network layer
 *       releases the frame when the future completes.</li>
 *   <li>No thread waits per request: long-poll fetches and acks=all timeouts live on one timer wheel, and
 *       appends wake the fetches they satisfy.</li>
 *   <li>Error codes are those a Kafka broker answers for the same cause ({@code StorageErrors}).</li>
 * </ul>
 */
package io.spindle.broker.data;

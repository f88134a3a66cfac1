/**
 * Spindle's Java client: what applications otherwise write by hand around kafka-clients.
 *
 * <pre>{@code
 * try (Spindle spindle = Spindle.connect("127.0.0.1:9092")) {
 *     spindle.producer().send("orders", "id-1", "{\"total\":3}").join();
 *     ConsumerWorker<String, String> worker = spindle.consume("billing", List.of("orders"), r -> bill(r.value()));
 *     try (Stream<SpindleRecord<String, String>> all = spindle.replay("orders").fromBeginning().stream()) { ... }
 * }
 * }</pre>
 *
 * <p>{@link io.spindle.client.Spindle} is the entry point. (A real broker in-process for tests is the separate
 * artifact {@code io.spindle:spindle-test}: this one depends on kafka-clients only.) Failures surface as
 * {@link io.spindle.client.SpindleException}s that name the topic, group or address concerned.
 */
package io.spindle.client;

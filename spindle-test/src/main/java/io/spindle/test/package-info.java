/**
 * A real Spindle broker inside a test's JVM: {@link io.spindle.test.EmbeddedSpindle} to start and stop one by
 * hand, and for JUnit 5 the {@link io.spindle.test.EmbeddedBroker} annotation, which starts one per test class
 * and injects {@link io.spindle.test.BootstrapServers @BootstrapServers} {@code String} parameters.
 *
 * <p>This is the artifact {@code io.spindle:spindle-test}: one test-scoped dependency, no JVM flags. It brings
 * the broker (and with it kafka-clients) but not Spindle's client library.
 */
package io.spindle.test;

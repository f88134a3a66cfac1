/**
 * Typed configuration of the Spindle broker and its topics.
 *
 * <p>Every knob has one name, one type, one default and one place where it is validated: a package-private
 * {@code ConfigKey}. {@link io.spindle.config.BrokerConfig} layers defaults, a properties file, {@code SPINDLE_*}
 * environment variables and command-line overrides; {@link io.spindle.config.TopicConfig} layers a topic's
 * overrides (Kafka topic-level names) on the broker's topic defaults. Bad input of any kind is a
 * {@link io.spindle.config.ConfigException} whose one-line message names the key, the value, what is allowed
 * and the source. All public types are immutable.
 */
package io.spindle.config;

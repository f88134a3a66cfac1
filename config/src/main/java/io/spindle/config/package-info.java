/**
 * Typed configuration of the Spindle broker and its topics.
 *
 * <p>Every knob has one name, one type, one default and one place where it is validated: a package-private
 * {@code ConfigKey}. {@link io.spindle.config.BrokerConfig} layers defaults, a properties file, {@code SPINDLE_*}
 * environment variables and command-line overrides; {@link io.spindle.config.TopicConfig} layers a topic's
 * overrides (Kafka topic-level names) on the broker's topic defaults. Bad input of any kind is a
 * {@link io.spindle.config.ConfigException} whose one-line message names the key, the value, what is allowed
 * and the source. All public types are immutable.
 *
 * <p>Each module takes a typed section of the broker's configuration, built and validated once when it is loaded,
 * instead of the whole {@link io.spindle.config.BrokerConfig} or settings joined through strings:
 * {@link io.spindle.config.StorageSettings} (log-storage), {@link io.spindle.config.GroupSettings}
 * (consumer-groups) and {@link io.spindle.config.ListenerSettings} (the network listener). A section built in code
 * is checked by the same keys, so it is refused with the message a bad setting would get.
 */
package io.spindle.config;

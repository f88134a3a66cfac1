/**
 * The {@code spindle} command line: {@link io.spindle.cli.SpindleCommand} is the top command and
 * {@link io.spindle.cli.Main} the entry point of the fat jar that {@code bin/spindle} runs. Each
 * subcommand is a class of its own (broker, topic, produce, consume, replay, group, lag, completion);
 * commands print results on stdout and errors as one line on stderr, and log through slf4j-simple to stderr.
 */
package io.spindle.cli;

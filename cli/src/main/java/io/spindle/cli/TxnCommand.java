package io.spindle.cli;

import io.spindle.client.Spindle;
import io.spindle.client.TransactionAdmin;
import io.spindle.client.TransactionAdmin.OpenTransaction;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.admin.TransactionDescription;
import org.apache.kafka.clients.admin.TransactionListing;
import org.apache.kafka.common.TopicPartition;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code spindle txn list|describe|open|abort}: Kafka transactions, as {@code kafka-transactions.sh} shows them. */
@Command(name = "txn", description = "Lists and describes transactions, shows those open in a partition, aborts a hanging one.",
        synopsisSubcommandLabel = "COMMAND",
        subcommands = {TxnCommand.ListTransactions.class, TxnCommand.Describe.class, TxnCommand.Open.class,
            TxnCommand.Abort.class})
final class TxnCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        throw new ParameterException(spec.commandLine(), "Missing a command: list, describe, open or abort");
    }

    @Command(name = "list", description = "Lists the transactional ids with their state and producer id.")
    static final class ListTransactions implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        ClientOptions client;

        @Override
        public Integer call() {
            Table table = new Table("TRANSACTIONAL-ID", "STATE", "PRODUCER-ID");
            try (Spindle spindle = client.connect()) {
                for (TransactionListing listing : spindle.admin().transactions().list()) {
                    table.row(listing.transactionalId(), listing.state(), listing.producerId());
                }
            }
            table.print(spec.commandLine().getOut());
            return SpindleCommand.OK;
        }
    }

    @Command(name = "describe", description = "Shows a transactional id's state, producer, timeout, and the partitions of its open transaction.")
    static final class Describe implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        ClientOptions client;

        @Parameters(paramLabel = "TRANSACTIONAL-ID")
        String transactionalId;

        @Override
        public Integer call() {
            TransactionDescription description;
            try (Spindle spindle = client.connect()) {
                description = spindle.admin().transactions().describe(transactionalId);
            }
            PrintWriter out = spec.commandLine().getOut();
            out.println("Transactional id " + transactionalId + ": " + description.state() + ", producer "
                    + description.producerId() + " epoch " + description.producerEpoch() + ", timeout "
                    + description.transactionTimeoutMs() + " ms");
            if (description.transactionStartTimeMs().isPresent()) {
                out.println("Started " + Instant.ofEpochMilli(description.transactionStartTimeMs().getAsLong()));
            }
            Table table = new Table("TOPIC", "PARTITION");
            description.topicPartitions().stream().sorted(GroupCommand.BY_TOPIC_AND_PARTITION)
                    .forEach(partition -> table.row(partition.topic(), partition.partition()));
            table.print(out);
            return SpindleCommand.OK;
        }
    }

    @Command(name = "open", description = "Shows the transactions open in a partition: producer, epochs, first offset.")
    static final class Open implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        ClientOptions client;
        @Mixin
        PartitionOption where;

        @Override
        public Integer call() {
            List<OpenTransaction> open;
            try (Spindle spindle = client.connect()) {
                open = spindle.admin().transactions().open(where.partition());
            }
            Table table = new Table("PRODUCER-ID", "EPOCH", "COORDINATOR-EPOCH", "START-OFFSET", "LAST-WRITE");
            for (OpenTransaction transaction : open) {
                table.row(transaction.producerId(), transaction.producerEpoch(), transaction.coordinatorEpoch(),
                        transaction.startOffset(), Instant.ofEpochMilli(transaction.lastTimestamp()));
            }
            table.print(spec.commandLine().getOut());
            return SpindleCommand.OK;
        }
    }

    @Command(name = "abort",
            description = {"Aborts the transaction open in a partition from --start-offset (see 'txn open'), writing an ABORT marker there.",
                "For a hanging transaction, whose producer is gone: its coordinator is not told, and only this partition is affected."})
    static final class Abort implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        ClientOptions client;
        @Mixin
        PartitionOption where;

        @Option(names = "--start-offset", paramLabel = "OFFSET", required = true,
                description = "The offset of the transaction's first record in the partition.")
        long startOffset;

        @Override
        public Integer call() {
            OpenTransaction aborted;
            try (Spindle spindle = client.connect()) {
                aborted = spindle.admin().transactions().abort(where.partition(), startOffset);
            }
            spec.commandLine().getOut().println("Aborted the transaction of producer " + aborted.producerId()
                    + " (epoch " + aborted.producerEpoch() + ") starting at offset " + startOffset + " in "
                    + aborted.partition());
            return SpindleCommand.OK;
        }
    }

    /** --topic and --partition, naming one partition. */
    static final class PartitionOption {
        @Option(names = "--topic", paramLabel = "TOPIC", required = true)
        String topic;

        @Option(names = "--partition", paramLabel = "P", required = true)
        int partition;

        TopicPartition partition() {
            return new TopicPartition(topic, partition);
        }
    }
}

package io.spindle.perf;

import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.Properties;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * One load run's parameters, as the {@code spindle perf} commands and the compare take them. A run is bounded
 * by a record count or by a duration (exactly one of them is set); {@code rate} is records per second over all
 * partitions, 0 for as fast as the producer goes.
 *
 * @param bootstrap   the broker, host:port
 * @param topic       created with {@code partitions} partitions (replication factor 1) if it does not exist
 * @param records     records to produce, or 0 when {@code duration} bounds the run
 * @param duration    how long to produce, or null when {@code records} bounds the run
 * @param recordSize  bytes of each record value
 * @param acks        the producer's acks: all, 1 or 0
 * @param batchSize   the producer's batch.size in bytes
 * @param lingerMs    the producer's linger.ms
 * @param compression the producer's compression.type: none, gzip, snappy, lz4, zstd
 * @param transactionRecords records per transaction of a transactional producer (one transactional id per run,
 *                    commit after every that many sends and at the end), or 0 for a plain idempotent producer
 * @param isolation   the consumer's isolation.level: read_uncommitted or read_committed
 */
public record Workload(String bootstrap, String topic, long records, Duration duration, int recordSize,
                       String keys, String acks, int batchSize, int lingerMs, String compression, int partitions,
                       int rate, int transactionRecords, String isolation) {
    public static final String READ_UNCOMMITTED = "read_uncommitted";
    public static final String READ_COMMITTED = "read_committed";

    public Workload {
        Objects.requireNonNull(bootstrap, "bootstrap");
        Objects.requireNonNull(topic, "topic");
        Objects.requireNonNull(keys, "keys");
        if ((records > 0) == (duration != null)) {
            throw new IllegalArgumentException("A workload is bounded by a record count or a duration, exactly one of them"
                    + " (records " + records + ", duration " + duration + ")");
        }
        if (duration != null && (duration.isNegative() || duration.isZero())) {
            throw new IllegalArgumentException("Workload duration must be positive, got " + duration);
        }
        if (recordSize < 8) {
            throw new IllegalArgumentException("Record size must be at least 8 bytes (the send time lives in them), got " + recordSize);
        }
        if (partitions < 1) {
            throw new IllegalArgumentException("Partitions must be at least 1, got " + partitions);
        }
        if (rate < 0) {
            throw new IllegalArgumentException("Rate must be 0 (unlimited) or positive, got " + rate);
        }
        if (!(acks.equals("all") || acks.equals("-1") || acks.equals("1") || acks.equals("0"))) {
            throw new IllegalArgumentException("acks must be all, -1, 1 or 0, got '" + acks + "'");
        }
        if (transactionRecords < 0) {
            throw new IllegalArgumentException("Records per transaction must be 0 (no transactions) or positive, got "
                    + transactionRecords);
        }
        if (transactionRecords > 0 && !(acks.equals("all") || acks.equals("-1"))) {
            throw new IllegalArgumentException("A transactional producer needs acks=all, got acks=" + acks);
        }
        if (!(READ_UNCOMMITTED.equals(isolation) || READ_COMMITTED.equals(isolation))) {
            throw new IllegalArgumentException("isolation must be " + READ_UNCOMMITTED + " or " + READ_COMMITTED
                    + ", got '" + isolation + "'");
        }
        KeyDistribution.parse(keys);
    }

    /** The defaults of {@code spindle perf produce}: 1 KiB records, acks=all, 64 KiB batches, linger 5 ms. */
    public static Workload defaults(String bootstrap, String topic, long records) {
        return new Workload(bootstrap, topic, records, null, 1024, "none", "all", 64 * 1024, 5, "none", 1, 0, 0,
                READ_UNCOMMITTED);
    }

    public Workload withTopic(String newTopic) {
        return new Workload(bootstrap, newTopic, records, duration, recordSize, keys, acks, batchSize, lingerMs,
                compression, partitions, rate, transactionRecords, isolation);
    }

    public Workload withBootstrap(String newBootstrap) {
        return new Workload(newBootstrap, topic, records, duration, recordSize, keys, acks, batchSize, lingerMs,
                compression, partitions, rate, transactionRecords, isolation);
    }

    public Workload withRecords(long newRecords) {
        return new Workload(bootstrap, topic, newRecords, null, recordSize, keys, acks, batchSize, lingerMs,
                compression, partitions, rate, transactionRecords, isolation);
    }

    public Workload withDuration(Duration newDuration) {
        return new Workload(bootstrap, topic, 0, newDuration, recordSize, keys, acks, batchSize, lingerMs,
                compression, partitions, rate, transactionRecords, isolation);
    }

    public Workload withRecordSize(int newRecordSize) {
        return new Workload(bootstrap, topic, records, duration, newRecordSize, keys, acks, batchSize, lingerMs,
                compression, partitions, rate, transactionRecords, isolation);
    }

    public Workload withPartitions(int newPartitions) {
        return new Workload(bootstrap, topic, records, duration, recordSize, keys, acks, batchSize, lingerMs,
                compression, newPartitions, rate, transactionRecords, isolation);
    }

    public Workload withRate(int newRate) {
        return new Workload(bootstrap, topic, records, duration, recordSize, keys, acks, batchSize, lingerMs,
                compression, partitions, newRate, transactionRecords, isolation);
    }

    public Workload withKeys(String newKeys) {
        return new Workload(bootstrap, topic, records, duration, recordSize, newKeys, acks, batchSize, lingerMs,
                compression, partitions, rate, transactionRecords, isolation);
    }

    public Workload withLingerMs(int newLingerMs) {
        return new Workload(bootstrap, topic, records, duration, recordSize, keys, acks, batchSize, newLingerMs,
                compression, partitions, rate, transactionRecords, isolation);
    }

    public Workload withTransactionRecords(int newTransactionRecords) {
        return new Workload(bootstrap, topic, records, duration, recordSize, keys, acks, batchSize, lingerMs,
                compression, partitions, rate, newTransactionRecords, isolation);
    }

    public Workload withIsolation(String newIsolation) {
        return new Workload(bootstrap, topic, records, duration, recordSize, keys, acks, batchSize, lingerMs,
                compression, partitions, rate, transactionRecords, newIsolation);
    }

    /** The producer settings of this workload; everything else is kafka-clients' default. */
    public Properties producerProperties() {
        Properties p = new Properties();
        p.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.CLIENT_ID_CONFIG, "spindle-perf-producer");
        p.put(ProducerConfig.ACKS_CONFIG, acks);
        p.put(ProducerConfig.BATCH_SIZE_CONFIG, batchSize);
        p.put(ProducerConfig.LINGER_MS_CONFIG, lingerMs);
        p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, compression.toLowerCase(Locale.ROOT));
        // Idempotence (the client's default) requires acks=all; with other acks it is switched off explicitly.
        if (!acks.equals("all") && !acks.equals("-1")) {
            p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, false);
        }
        if (transactionRecords > 0) {
            p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "spindle-perf-" + topic);
        }
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        return p;
    }

    /** Consumer settings: assigned partitions, no group, kafka-clients' defaults otherwise. */
    public Properties consumerProperties() {
        Properties p = new Properties();
        p.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, "spindle-perf-consumer");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation);
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        return p;
    }
}

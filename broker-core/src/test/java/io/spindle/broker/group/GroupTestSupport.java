package io.spindle.broker.group;

import io.spindle.broker.LocalBroker;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Future;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.GroupProtocol;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Shared setup of the group tests: short group timings (set before any broker of this JVM starts its
 * coordinator), topics, records, and consumer settings per group protocol.
 */
final class GroupTestSupport {
    /** Server-side session of consumer-protocol members, and the interval they are told to heartbeat at. */
    static final int CONSUMER_SESSION_MS = 3_000;
    static final int CONSUMER_HEARTBEAT_MS = 300;
    /** Client-side session of classic members (below Kafka's 6 s minimum, which the tests lower to 1 s). */
    static final int CLASSIC_SESSION_MS = 3_000;
    static final int CLASSIC_HEARTBEAT_MS = 300;

    private GroupTestSupport() {
    }

    /** A broker whose group timeouts are short enough for tests: classic sessions from 1 s, KIP-848 sessions of 3 s. */
    static LocalBroker startBroker(Path dataDir) {
        return LocalBroker.start(dataDir, Map.of(
                "group.min.session.timeout.ms", "1000",
                "group.consumer.min.session.timeout.ms", "1000",
                "group.consumer.min.heartbeat.interval.ms", "100",
                "group.consumer.session.timeout.ms", Integer.toString(CONSUMER_SESSION_MS),
                "group.consumer.heartbeat.interval.ms", Integer.toString(CONSUMER_HEARTBEAT_MS)));
    }

    static void createTopic(LocalBroker broker, String topic, int partitions) throws Exception {
        broker.admin().createTopics(List.of(new NewTopic(topic, partitions, (short) 1))).all().get();
    }

    /** Produces {@code count} records "<prefix>-<i>" spread over every partition; returns their values. */
    static List<String> produce(LocalBroker broker, String topic, String prefix, int count) throws Exception {
        Properties properties = broker.clientProperties();
        properties.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        properties.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        properties.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        List<String> values = new ArrayList<>(count);
        try (KafkaProducer<byte[], String> producer = new KafkaProducer<>(properties)) {
            List<Future<RecordMetadata>> sent = new ArrayList<>();
            int partitions = producer.partitionsFor(topic).size();
            for (int i = 0; i < count; i++) {
                String value = prefix + "-" + i;
                values.add(value);
                sent.add(producer.send(new ProducerRecord<>(topic, i % partitions, null,
                        null, value)));
            }
            for (Future<RecordMetadata> f : sent) {
                f.get();
            }
        }
        return values;
    }

    /** Consumer settings for {@code protocol}: earliest reset, no auto-commit unless asked, short timings. */
    static Properties consumerProperties(LocalBroker broker, GroupProtocol protocol, String groupId, Map<String, String> extra) {
        Properties properties = broker.clientProperties();
        properties.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
        properties.put(ConsumerConfig.GROUP_PROTOCOL_CONFIG, protocol.name().toLowerCase(Locale.ROOT));
        properties.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        properties.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        properties.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        properties.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        properties.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "50");
        if (protocol == GroupProtocol.CLASSIC) {
            properties.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, Integer.toString(CLASSIC_SESSION_MS));
            properties.put(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, Integer.toString(CLASSIC_HEARTBEAT_MS));
            properties.put(ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG, "10000");
        }
        properties.putAll(extra);
        return properties;
    }
}

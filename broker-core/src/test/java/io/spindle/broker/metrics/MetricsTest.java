package io.spindle.broker.metrics;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spindle.broker.LocalBroker;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Scrapes a real broker's /metrics over HTTP and checks the meters against known traffic. */
class MetricsTest {
    @TempDir
    Path dataDir;

    private final HttpClient http = HttpClient.newHttpClient();

    private HttpResponse<String> get(int port, String path, String accept) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(10));
        if (accept != null) {
            request.header("Accept", accept);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static Map<String, Double> scrape(LocalBroker broker) throws Exception {
        return PrometheusText.scrape(broker.broker().metricsPort());
    }

    private static double value(Map<String, Double> samples, String name, String labels) {
        return PrometheusText.value(samples, name, labels);
    }

    @Test
    void countersMoveByExactlyTheTrafficSentAndReceived() throws Exception {
        try (LocalBroker broker = LocalBroker.start(dataDir, Map.of("metrics.port", "0"))) {
            Admin admin = broker.admin();
            admin.createTopics(List.of(new NewTopic("metered", 1, (short) 1))).all().get();
            Properties p = broker.clientProperties();
            p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
            p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
            p.put(ProducerConfig.LINGER_MS_CONFIG, "0");
            try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p)) {
                for (int i = 0; i < 250; i++) {
                    producer.send(new ProducerRecord<>("metered", new byte[100])).get();
                }
            }
            String tp = "partition=\"0\",topic=\"metered\"";
            Map<String, Double> afterProduce = scrape(broker);
            assertEquals(250.0, value(afterProduce, "spindle_partition_records_in_total", tp));
            assertEquals(250.0, value(afterProduce, "spindle_partition_log_end_offset", tp));
            assertEquals(0.0, value(afterProduce, "spindle_partition_log_start_offset", tp));
            double bytesIn = value(afterProduce, "spindle_partition_in_bytes_total", tp);
            assertTrue(bytesIn > 250 * 100, "bytes in " + bytesIn);
            assertEquals(bytesIn, value(afterProduce, "spindle_partition_size_bytes", tp));
            assertEquals(1.0, value(afterProduce, "spindle_partition_segments", tp));
            assertTrue(value(afterProduce, "spindle_requests_total", "api=\"Produce\"") >= 250);

            Properties c = broker.clientProperties();
            c.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
            c.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
            try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(c)) {
                TopicPartition partition = new TopicPartition("metered", 0);
                consumer.assign(List.of(partition));
                consumer.seekToBeginning(List.of(partition));
                int[] read = {0};
                await().atMost(Duration.ofSeconds(30)).until(() -> {
                    ConsumerRecords<byte[], byte[]> records = consumer.poll(Duration.ofMillis(200));
                    read[0] += records.count();
                    return read[0] >= 250;
                });
                assertEquals(250, read[0]);
            }
            Map<String, Double> afterConsume = scrape(broker);
            assertTrue(value(afterConsume, "spindle_partition_out_bytes_total", tp) >= bytesIn);
            assertTrue(value(afterConsume, "spindle_requests_total", "api=\"Fetch\"") >= 1);
            assertTrue(afterConsume.get("spindle_connections_accepted_total") >= 2);
        }
    }

    @Test
    void everyMeterFollowsThePrometheusNamingConventions() throws Exception {
        try (LocalBroker broker = LocalBroker.start(dataDir, Map.of("metrics.port", "0"))) {
            broker.admin().createTopics(List.of(new NewTopic("named", 1, (short) 1))).all().get();
            String body = get(broker.broker().metricsPort(), "/metrics", null).body();
            for (String line : body.split("\n")) {
                if (line.startsWith("# TYPE ")) {
                    String[] parts = line.split(" ");
                    String name = parts[2];
                    String type = parts[3];
                    assertTrue(name.matches("[a-z][a-z0-9_]*"), "not snake_case: " + name);
                    if (type.equals("counter")) {
                        assertTrue(body.contains("\n" + name + "_total") || body.contains("\n" + name + "_total{")
                                || name.endsWith("_total"), "counter without _total: " + name);
                    }
                    assertTrue(!name.matches(".*_(ms|ns|us|milliseconds|nanoseconds|microseconds)(_.*)?"), "not in base units: " + name);
                }
            }
            assertTrue(body.contains("jvm_memory_used_bytes"), "JVM meters present");
            assertTrue(body.contains("process_files_open_files"), "open files present");
            HttpResponse<String> open = get(broker.broker().metricsPort(), "/metrics", "application/openmetrics-text");
            assertTrue(open.headers().firstValue("Content-Type").orElse("").startsWith("application/openmetrics-text"));
            assertTrue(open.body().trim().endsWith("# EOF"), "OpenMetrics ends with # EOF");
        }
    }

    @Test
    void aDeletedTopicsMetersGoAwayWithIt() throws Exception {
        try (LocalBroker broker = LocalBroker.start(dataDir, Map.of("metrics.port", "0"))) {
            Admin admin = broker.admin();
            admin.createTopics(List.of(new NewTopic("doomed", 2, (short) 1))).all().get();
            assertTrue(get(broker.broker().metricsPort(), "/metrics", null).body().contains("topic=\"doomed\""));
            admin.deleteTopics(List.of("doomed")).all().get();
            await().atMost(Duration.ofSeconds(10)).until(() ->
                    !get(broker.broker().metricsPort(), "/metrics", null).body().contains("topic=\"doomed\""));
        }
    }

    @Test
    void partitionSeriesAreCappedByConfiguration() throws Exception {
        try (LocalBroker broker = LocalBroker.start(dataDir, Map.of("metrics.port", "0", "metrics.partition.series.max", "2"))) {
            broker.admin().createTopics(List.of(new NewTopic("wide", 5, (short) 1))).all().get();
            Map<String, Double> samples = scrape(broker);
            long metered = samples.keySet().stream()
                    .filter(k -> k.startsWith("spindle_partition_log_end_offset{")).count();
            int partitions = broker.broker().topics().all().stream().mapToInt(t -> t.partitions()).sum();
            assertTrue(partitions >= 5, "the 5 partitions of 'wide' and any internal ones");
            assertEquals(2, metered);
            assertEquals(partitions - 2.0, samples.get("spindle_partitions_unmetered"));
        }
    }

    @Test
    void groupMetersShowMembersRebalancesCommittedOffsetsAndLag() throws Exception {
        try (LocalBroker broker = LocalBroker.start(dataDir, Map.of("metrics.port", "0"))) {
            broker.admin().createTopics(List.of(new NewTopic("lagged", 1, (short) 1))).all().get();
            produce(broker, "lagged", 100);
            Properties c = broker.clientProperties();
            c.put(ConsumerConfig.GROUP_ID_CONFIG, "metered-group");
            c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
            c.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
            c.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
            TopicPartition partition = new TopicPartition("lagged", 0);
            try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(c)) {
                consumer.subscribe(List.of("lagged"));
                await().atMost(Duration.ofSeconds(30)).until(() -> {
                    consumer.poll(Duration.ofMillis(100));
                    return !consumer.assignment().isEmpty();
                });
                consumer.commitSync(Map.of(partition, new OffsetAndMetadata(40)));
                String labels = "group=\"metered-group\",partition=\"0\",topic=\"lagged\"";
                Map<String, Double> samples = scrape(broker);
                assertEquals(40.0, value(samples, "spindle_group_committed_offset", labels));
                assertEquals(60.0, value(samples, "spindle_group_lag", labels));
                assertEquals(1.0, value(samples, "spindle_group_members", "group=\"metered-group\""));
                assertTrue(value(samples, "spindle_group_rebalances_total", "group=\"metered-group\"") >= 1);

                produce(broker, "lagged", 10);
                assertEquals(70.0, value(scrape(broker), "spindle_group_lag", labels));

                // Every spindle meter the Grafana dashboard queries exists.
                String body = get(broker.broker().metricsPort(), "/metrics", null).body();
                String dashboard = java.nio.file.Files.readString(Path.of("..", "docs", "grafana-dashboard.json"));
                Matcher names = Pattern.compile("spindle_[a-z_]+").matcher(dashboard);
                int checked = 0;
                while (names.find()) {
                    String name = names.group();
                    if (name.equals("spindle_request_errors_total")) {
                        continue; // only present once some request has failed
                    }
                    if (name.startsWith("spindle_share_")) {
                        continue; // only present once a share group has state: ShareMetersTest checks them
                    }
                    if (name.startsWith("spindle_cluster_")) {
                        continue; // only on a broker of a cluster: AdminChangesEverywhereTest checks them
                    }
                    assertTrue(body.contains(name), "the dashboard queries " + name + ", which the broker does not export");
                    checked++;
                }
                assertTrue(checked > 10);
            }
        }
    }

    private static void produce(LocalBroker broker, String topic, int count) throws Exception {
        Properties p = broker.clientProperties();
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p)) {
            for (int i = 0; i < count; i++) {
                producer.send(new ProducerRecord<>(topic, new byte[10]));
            }
            producer.flush();
        }
    }

    @Test
    void inFsyncModeTheDurableOffsetReachesTheLogEndOnceAcksAllAreAnswered() throws Exception {
        try (LocalBroker broker = LocalBroker.start(dataDir, Map.of("metrics.port", "0", "flush.mode", "fsync"))) {
            broker.admin().createTopics(List.of(new NewTopic("forced", 1, (short) 1))).all().get();
            Properties p = broker.clientProperties();
            p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
            p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
            p.put(ProducerConfig.ACKS_CONFIG, "all");
            try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p)) {
                for (int i = 0; i < 40; i++) {
                    producer.send(new ProducerRecord<>("forced", new byte[100])).get();
                }
            }
            String tp = "partition=\"0\",topic=\"forced\"";
            Map<String, Double> scraped = scrape(broker);
            assertEquals(40.0, value(scraped, "spindle_partition_log_end_offset", tp));
            assertEquals(40.0, value(scraped, "spindle_partition_durable_offset", tp));
        }
    }

    @Test
    void readinessAnswers503UntilTheBrokerIsReadyAnd200After() throws Exception {
        AtomicBoolean ready = new AtomicBoolean(false);
        try (BrokerMetrics metrics = new BrokerMetrics(10);
             MetricsServer server = MetricsServer.start("127.0.0.1", 0, metrics,
                     () -> ready.get() ? null : "recovering the logs")) {
            HttpResponse<String> starting = get(server.port(), "/health/ready", null);
            assertEquals(503, starting.statusCode());
            assertEquals("not ready: recovering the logs\n", starting.body());
            assertEquals(200, get(server.port(), "/health/live", null).statusCode());
            ready.set(true);
            assertEquals(200, get(server.port(), "/health/ready", null).statusCode());
            assertEquals(404, get(server.port(), "/health/nonsense", null).statusCode());
        }
        try (LocalBroker broker = LocalBroker.start(dataDir, Map.of("metrics.port", "0"))) {
            assertEquals(200, get(broker.broker().metricsPort(), "/health/ready", null).statusCode());
        }
    }

    @Test
    void theHttpDispatcherIsADaemonThreadEvenWhenStartedFromANonDaemonThread() throws Exception {
        AtomicBoolean daemonDispatchers = new AtomicBoolean();
        Thread nonDaemon = new Thread(() -> {
            try (BrokerMetrics metrics = new BrokerMetrics(10);
                 MetricsServer server = MetricsServer.start("127.0.0.1", 0, metrics, () -> null)) {
                assertEquals(200, get(server.port(), "/health/live", null).statusCode());
                java.util.List<Thread> dispatchers = Thread.getAllStackTraces().keySet().stream()
                        .filter(t -> t.getName().equals("HTTP-Dispatcher") && t.isAlive()).toList();
                daemonDispatchers.set(!dispatchers.isEmpty() && dispatchers.stream().allMatch(Thread::isDaemon));
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        });
        nonDaemon.setDaemon(false);
        nonDaemon.start();
        nonDaemon.join();

        assertTrue(daemonDispatchers.get(), "a non-daemon HTTP-Dispatcher thread would keep a dead broker's JVM alive");
    }
}
